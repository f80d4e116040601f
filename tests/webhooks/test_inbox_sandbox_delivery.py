"""The route over real HTTP (uvicorn) receiving the Stripe sandbox's real signed deliveries.

Checks the two sides agree on the signature scheme, and that an outage of the
receiver is healed by Stripe's redelivery: the event is recorded and handled
exactly once when the endpoint comes back.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from inbox_testkit import make_app, settled

from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from stripe_sandbox.testing import SandboxServer
from webhooks.dispatch import Dispatcher
from webhooks.registry import Handler, StripeEvent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXPIRED = "checkout.session.expired"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """The webhook route served by uvicorn on this test's event loop (so it shares the database)."""

    def __init__(self, services: Services, dispatcher: Dispatcher, secrets: list[str]) -> None:
        self.app = make_app(services, dispatcher, secrets=lambda: secrets)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/stripe"
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(500):
            if self._server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, timeout=10)
        self._server = self._task = None


@pytest.fixture
async def receiver(
    services: Services, dispatcher: Dispatcher, sandbox: SandboxServer
) -> AsyncIterator[tuple[Receiver, Any]]:
    secrets: list[str] = []
    server = Receiver(services, dispatcher, secrets)
    client = sandbox.client()
    endpoint = await client.v1.webhook_endpoints.create_async(
        params={"url": server.url, "enabled_events": [EXPIRED]}
    )
    secrets.append(endpoint.secret)
    await server.start()
    try:
        yield server, endpoint
    finally:
        await client.v1.webhook_endpoints.delete_async(endpoint.id)
        await server.stop()


async def _expired_session(sandbox: SandboxServer) -> str:
    client = sandbox.client()
    product = await client.v1.products.create_async(params={"name": "Inbox test"})
    price = await client.v1.prices.create_async(
        params={"product": product.id, "currency": "usd", "unit_amount": 500}
    )
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://example.test/ok",
        }
    )
    await client.v1.checkout.sessions.expire_async(session.id)
    return session.id


@pytest.fixture
def seen(handlers: dict[str, Handler]) -> list[str]:
    sessions: list[str] = []

    async def on_expired(event: StripeEvent, services: Services) -> None:
        sessions.append(event.object["id"])

    handlers[EXPIRED] = on_expired
    return sessions


async def _deliveries(sandbox: SandboxServer, endpoint_id: str, session_id: str) -> list[int | None]:
    log = await sandbox.acontrol("/_sandbox/events")
    entry = next(
        e
        for e in log["data"]
        if e["event"]["type"] == EXPIRED and e["event"]["data"]["object"]["id"] == session_id
    )
    delivery = next(d for d in entry["deliveries"] if d["endpoint"] == endpoint_id)
    return [attempt["status_code"] for attempt in delivery["attempts"]]


async def test_sandbox_deliveries_are_verified_recorded_and_handled(
    sandbox: SandboxServer, receiver: tuple[Receiver, Any], seen: list[str]
) -> None:
    _server, endpoint = receiver
    session_id = await _expired_session(sandbox)
    await sandbox.acontrol("/_sandbox/webhooks/flush", {})
    assert await _deliveries(sandbox, endpoint.id, session_id) == [200]
    row = await settled((await WebhookEvent.get(type=EXPIRED)).stripe_event_id)
    assert row.status is InboxStatus.PROCESSED
    assert seen == [session_id]


async def test_after_an_outage_stripes_redelivery_completes_the_event(
    sandbox: SandboxServer, receiver: tuple[Receiver, Any], seen: list[str]
) -> None:
    server, endpoint = receiver
    await server.stop()  # the gateway is down while Stripe delivers
    session_id = await _expired_session(sandbox)
    for _ in range(500):  # until the sandbox's first attempt has failed to connect
        if None in await _deliveries(sandbox, endpoint.id, session_id):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the sandbox never tried to deliver")
    assert await WebhookEvent.all().count() == 0
    await server.start()
    await sandbox.acontrol("/_sandbox/webhooks/flush", {})
    attempts = await _deliveries(sandbox, endpoint.id, session_id)
    assert attempts[-1] == 200 and None in attempts[:-1]
    row = await settled((await WebhookEvent.get(type=EXPIRED)).stripe_event_id)
    assert seen == [session_id]
    assert (row.status, row.attempts) == (InboxStatus.PROCESSED, 1)
