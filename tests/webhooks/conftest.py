"""Fixtures for the webhook route and inbox tests.

The database is real (the suite's `db` fixture); HTTP is real ASGI through
httpx; signatures are real HMACs. The only stand-in is the handler table:
`handlers` replaces `webhooks.registry.all_handlers` with a dict each test
fills, in place of the business handlers (tested on their own).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
import stripe
from inbox_testkit import HANDLED, SECRET, T0, Calls, Deliver, http_client, make_app

from billing.clock import FixedClock
from billing.services import Services
from webhooks import registry
from webhooks.dispatch import Dispatcher
from webhooks.registry import Handler, StripeEvent
from webhooks.signature import sign_header


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def services(clock: FixedClock) -> Services:
    # No request is ever sent: the test handlers do not call Stripe.
    return Services(clock=clock, stripe=stripe.StripeClient("sk_test_webhook_tests"))


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    monkeypatch.setattr(registry, "all_handlers", lambda: dict(table))
    return table


@pytest.fixture
def calls(handlers: dict[str, Handler]) -> Calls:
    """A handler for HANDLED that succeeds and records its call."""
    record = Calls()

    async def ok(event: StripeEvent, services: Services) -> None:
        record.events.append(event)

    handlers[HANDLED] = ok
    return record


@pytest.fixture
async def dispatcher(db: str) -> AsyncIterator[Dispatcher]:
    """Runs the route's handlers; drained before the database goes, so nothing outlives the test."""
    running = Dispatcher()
    yield running
    await running.drain()


@pytest.fixture
async def client(services: Services, dispatcher: Dispatcher) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client on an app that mounts the webhook route, configured with `SECRET` only."""
    async with http_client(make_app(services, dispatcher)) as http:
        yield http


@pytest.fixture
def deliver(client: httpx.AsyncClient) -> Deliver:
    """POST a body signed like Stripe does (real wall-clock timestamp unless given)."""

    async def _deliver(
        payload: bytes,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        header: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        signature = header if header is not None else sign_header(payload, secret, ts)
        return await (http or client).post(
            "/webhooks/stripe",
            content=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )

    return _deliver
