"""The one place a `stripe.StripeClient` is built.

Async methods (`client.v1.*.*_async`) over httpx, so no Stripe call blocks the
event loop. `STRIPE_API_BASE` points it at the sandbox in dev and tests; in
production it is Stripe's own address.
"""

from __future__ import annotations

import stripe

from gateway.settings import Settings
from gateway.stripe_metrics import MeteredHTTPXClient

SANDBOX_API_KEY = "sk_test_sandbox_dev"


def make_stripe_client(settings: Settings, *, api_key: str | None = None) -> stripe.StripeClient:
    key = api_key or (settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else None)
    if not key:
        raise ValueError("STRIPE_API_KEY is not set")
    base = settings.stripe_api_base
    return stripe.StripeClient(
        key,
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        # Metered: every API request is counted and timed for /metrics (gateway.stripe_metrics).
        http_client=MeteredHTTPXClient(timeout=settings.stripe_timeout_seconds),
        # One retry for connection errors; the SDK adds an idempotency key to retried POSTs.
        max_network_retries=1,
    )
