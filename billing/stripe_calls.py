"""Calling Stripe from billing: one place that bounds time and names failures.

Every user-facing Stripe call goes through `call`, so a slow or unreachable
Stripe becomes PAYMENT_PROVIDER_ERROR within `stripe_timeout_seconds` instead
of a hung request, and the operator log says which call failed and why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import stripe

from billing.errors import PaymentProviderError

T = TypeVar("T")
log = logging.getLogger("billing.stripe")


async def call(operation: str, awaitable: Awaitable[T], *, timeout: float) -> T:
    """Await a Stripe SDK call; any Stripe or network failure becomes `PaymentProviderError`."""
    try:
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
