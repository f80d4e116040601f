"""Counting and timing every Stripe API request, at the SDK's HTTP client.

Billing calls Stripe from many places, not all through `billing.stripe.calls`;
the SDK's HTTP client is the one point every request passes, so the metrics
are taken there, by subclassing billing's paced and retrying client
(`billing.stripe.pacing.PacedHTTPXClient`, itself a `stripe.HTTPXClient`;
`gateway.stripe_client` builds the client with it). Nothing changes for the caller: same arguments,
same results, same exceptions.

The operation label is the endpoint (`billing.stripe.endpoints.endpoint_of`), e.g.
``POST /v1/checkout/sessions/{id}/expire``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from typing import Any

from billing.stripe.endpoints import endpoint_of
from billing.stripe.pacing import PacedHTTPXClient, PaceTimeout
from gateway.metrics import STRIPE_DURATION, STRIPE_REQUESTS, BoundedLabel

_operations = BoundedLabel(200)


def operation_of(method: str, url: str) -> str:
    """The metrics label: `endpoint_of`, bounded in how many distinct values it takes."""
    return _operations(endpoint_of(method, url))


async def _timed(method: str, url: str, request: Awaitable[tuple[Any, int, Any]]) -> tuple[Any, int, Any]:
    """Await one SDK request, then count and time it by operation and status (also on failure)."""
    started = time.perf_counter()
    status = "connection_error"
    try:
        response = await request
        status = str(response[1])
        return response
    except asyncio.CancelledError:
        status = "cancelled"
        raise
    except PaceTimeout:
        status = "pace_timeout"  # no slot in the process's pace before the call's budget ran out
        raise
    finally:
        operation = operation_of(method, url)
        outcome = "ok" if status.startswith("2") else "error"
        STRIPE_REQUESTS.labels(operation, outcome, status).inc()
        STRIPE_DURATION.labels(operation).observe(time.perf_counter() - started)


class MeteredHTTPXClient(PacedHTTPXClient):
    """The paced HTTP client, counting and timing each API request (pacing and retries included, as the
    caller waits; the retries themselves are counted by reason in ``billing_stripe_retries_total``)."""

    async def request_with_retries_async(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        post_data: Any = None,
        max_network_retries: int | None = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Any]:
        return await _timed(
            method,
            url,
            super().request_with_retries_async(
                method, url, headers, post_data, max_network_retries, _usage=_usage
            ),
        )

    async def request_stream_with_retries_async(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        post_data: Any = None,
        max_network_retries: int | None = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Any]:
        return await _timed(
            method,
            url,
            super().request_stream_with_retries_async(
                method, url, headers, post_data, max_network_retries, _usage=_usage
            ),
        )
