"""Helpers shared by the webhook tests.

Imported as a top-level module (`import inbox_testkit`): tests/ has no
packages, and a `tests/webhooks` package would shadow the real `webhooks`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette

from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks.dispatch import Dispatcher
from webhooks.registry import StripeEvent
from webhooks.route import make_webhook_route

SECRET = "whsec_test_primary_0123456789abcdef"
ROTATED_SECRET = "whsec_test_rotated_fedcba9876543210"
MAX_BODY = 64 * 1024
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HANDLED = "test.handled"

_ids = itertools.count(1)


def event_payload(
    event_type: str = HANDLED,
    *,
    event_id: str | None = None,
    obj: dict[str, Any] | None = None,
    created: int = 1_764_072_000,
) -> bytes:
    """A Stripe-shaped event body."""
    return orjson.dumps(
        {
            "id": event_id or f"evt_test_{next(_ids):06d}",
            "object": "event",
            "api_version": "2025-10-29.clover",
            "created": created,
            "data": {"object": obj or {"id": "cus_test_1", "object": "customer"}},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )


def event_id_of(payload: bytes) -> str:
    return orjson.loads(payload)["id"]


class Calls:
    """Records every handler invocation."""

    def __init__(self) -> None:
        self.events: list[StripeEvent] = []

    def __len__(self) -> int:
        return len(self.events)


def make_app(
    services: Services,
    dispatcher: Dispatcher,
    secrets: Sequence[str] | Callable[[], Sequence[str]] | None = None,
    **route_kwargs: Any,
) -> Starlette:
    """An app with only the webhook route; its handlers run on `dispatcher` (the test drains it)."""
    route = make_webhook_route(
        lambda: services, secrets or [SECRET], MAX_BODY, dispatcher=dispatcher, **route_kwargs
    )
    return Starlette(routes=[route])


async def settled(event_id: str, *, attempts: int = 1, timeout: float = 5.0) -> WebhookEvent:
    """The inbox row once its `attempts`-th run has finished (the route answers before it runs).

    Finished: PROCESSED, IGNORED or FAILED with the claim released. Polls the
    database, as an operator would look at the inbox.
    """
    deadline = time.monotonic() + timeout
    while True:
        row = await WebhookEvent.get(stripe_event_id=event_id)
        if row.attempts >= attempts and row.status is not InboxStatus.RECEIVED and row.claimed_until is None:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"{event_id} not finished after {timeout} s: {row.status}, {row.attempts}")
        await asyncio.sleep(0.01)


def http_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


Deliver = Callable[..., Awaitable[httpx.Response]]
