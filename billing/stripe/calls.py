"""Calling Stripe from billing: one place that bounds time and names failures.

Every user-facing Stripe call goes through `call`, so a slow, unreachable or
rate-limiting Stripe becomes PAYMENT_PROVIDER_ERROR within
`stripe_timeout_seconds` instead of a hung request, and the operator log says
which call failed and why. The time covers the whole call: waiting for the
process's pace, the attempts and the retries between them
(`billing.stripe.pacing.budget`), so a retry that could not finish in time is
not started and the user hears at once.
`retrieve` is how webhook handlers re-fetch an object as a plain dict.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import quote

import stripe

from billing.errors import PaymentProviderError
from billing.stripe.pacing import budget

T = TypeVar("T")
log = logging.getLogger("billing.stripe")


async def call(operation: str, awaitable: Awaitable[T], *, timeout: float) -> T:
    """Await a Stripe SDK call within `timeout` in all; any Stripe or network failure (or running out of
    time) becomes `PaymentProviderError`, which keeps the Stripe error as its cause."""
    try:
        with budget(timeout):
            async with asyncio.timeout(timeout):
                return await awaitable
    except TimeoutError:
        log.warning("stripe call timed out", extra={"operation": operation, "timeout": timeout})
        raise PaymentProviderError() from None
    except stripe.StripeError as exc:
        log.warning(
            "stripe call failed",
            extra={
                "operation": operation,
                "error_type": type(exc).__name__,
                "stripe_code": getattr(exc, "code", None),
                # Stripe's id for the request; `request_id` is the gateway's own (gateway.request_id).
                "stripe_request_id": getattr(exc, "request_id", None),
                "http_status": getattr(exc, "http_status", None),
            },
        )
        raise PaymentProviderError() from exc


async def retrieve(
    client: stripe.StripeClient, collection: str, object_id: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`GET /v1/{collection}/{object_id}` as the plain dict Stripe sent.

    Handlers read plain dicts (`stripe_objects`); the SDK's typed `retrieve_async`
    builds a `StripeObject` tree that `as_dict` then takes apart again, which was
    a third of a webhook's handling time in the S4 profile. Same request
    (`expand[]` and all), retries, metrics and errors (`stripe.StripeError`).
    """
    response = await client.raw_request_async(
        "get", f"/v1/{collection}/{quote(object_id, safe='')}", **(params or {})
    )
    return response.data
