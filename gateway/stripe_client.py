"""The one place a `stripe.StripeClient` is built.

Async methods (`client.v1.*.*_async`) over httpx, so no Stripe call blocks the
event loop. `STRIPE_API_BASE` points it at the sandbox in dev and tests; in
production it is Stripe's own address. Every request of the process waits for
one pace (`STRIPE_MAX_REQUESTS_PER_SECOND`) and its endpoint's
(`STRIPE_MAX_REQUESTS_PER_ENDPOINT_PER_SECOND`), and 429s, 409s and
`Stripe-Should-Retry` answers are retried with backoff (`billing.stripe.pacing`).
"""

from __future__ import annotations

import stripe

from billing.stripe.pacing import MAX_RETRIES, shared_pacer
from gateway.settings import Settings
from gateway.stripe_metrics import MeteredHTTPXClient

SANDBOX_API_KEY = "sk_test_sandbox_dev"


#: The Stripe API version the gateway speaks, pinned here rather than left to whatever the installed
#: SDK sends: the one its generated params and resource classes describe (stripe 16.1.0). Moving to
#: another is a deliberate change (README, "Moving to a new Stripe API version");
#: tests/sandbox/test_sdk_params.py fails while this and the SDK disagree.
STRIPE_API_VERSION = "2026-10-28.endive"


def make_stripe_client(settings: Settings, *, api_key: str | None = None) -> stripe.StripeClient:
    key = api_key or (settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else None)
    if not key:
        raise ValueError("STRIPE_API_KEY is not set")
    base = settings.stripe_api_base
    return stripe.StripeClient(
        key,
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        stripe_version=STRIPE_API_VERSION,
        # Paced (one pace per process), retrying 429s too, and metered: every API request is counted
        # and timed for /metrics (gateway.stripe_metrics).
        http_client=MeteredHTTPXClient(
            pacer=shared_pacer(settings.stripe_max_requests_per_second),
            endpoint_rate=settings.stripe_max_requests_per_endpoint_per_second,
            timeout=settings.stripe_timeout_seconds,
        ),
        # The SDK's retry loop (409, 5xx, Stripe-Should-Retry, a connection error once; 429s added by
        # the client) keeps each POST's idempotency key across attempts: a retry never charges twice.
        max_network_retries=MAX_RETRIES,
    )
