"""Helpers shared by the webhook tests.

Imported as a top-level module (`import inbox_testkit`): tests/ has no
packages, and a `tests/webhooks` package would shadow the real `webhooks`.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette

from billing.services import Services
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
    secrets: Sequence[str] | Callable[[], Sequence[str]] | None = None,
    **route_kwargs: Any,
) -> Starlette:
    route = make_webhook_route(lambda: services, secrets or [SECRET], MAX_BODY, **route_kwargs)
    return Starlette(routes=[route])


def http_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


Deliver = Callable[..., Awaitable[httpx.Response]]
