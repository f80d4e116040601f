"""/metrics for outbound notifications and live updates, read the way Prometheus reads them.

The app runs over ASGI on the test database; outbound deliveries go over real
HTTP to a loopback receiver (`tests.live.conftest.Receiver`); live-update
subscriptions are the app's own hub, which every websocket subscription uses.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ops_serve import sample, total

from billing.clock import SystemClock
from billing.notifications.changes import Change, ChangeKind
from gateway.app import create_app
from gateway.outbox_worker import DeliveryPolicy, OutboxSender
from gateway.settings import load_settings
from models import OutboxMessage
from tests.live.conftest import OUTBOUND_SECRET, Receiver

NO_WAIT = DeliveryPolicy(backoff_base=timedelta(0), backoff_jitter=0, poll_interval=0.01)


def make_app(**overrides: Any) -> Any:
    values: dict[str, Any] = {"_env_file": None, "auth_jwt_secret": "m" * 40, **overrides}
    return create_app(load_settings(**values), clock=SystemClock(), manage_db=False)


@pytest.fixture
def scrape(db: str) -> Callable[..., Any]:
    async def read(app: Any) -> str:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            response = await http.get("/metrics")
        assert response.status_code == 200
        return response.text

    return read


async def _message(user_id: str, created: datetime, *, delivered: bool = False) -> OutboxMessage:
    return await OutboxMessage.create(
        topic="premium.changed",
        user_id=user_id,
        payload={"user_id": user_id, "premium": {"active": True}},
        created_at=created,
        next_attempt_at=created,
        delivered_at=created if delivered else None,
    )


async def test_outbox_backlog_and_oldest_age(scrape) -> None:
    now = datetime.now(UTC)
    for n in range(3):
        await _message(f"m-backlog-{n}", now - timedelta(seconds=120 - n))
    await _message("m-done", now - timedelta(hours=5), delivered=True)  # delivered: not backlog
    app = make_app(outbound_webhook_url="http://127.0.0.1:9/x", outbound_webhook_secret=OUTBOUND_SECRET)

    text = await scrape(app)
    assert sample(text, "billing_outbox_backlog_messages") == 3
    age = sample(text, "billing_outbox_oldest_undelivered_age_seconds")
    assert age is not None and 120 <= age < 120 + 60  # generous: a loaded machine scrapes late

    await OutboxMessage.filter(delivered_at__isnull=True).update(delivered_at=now)
    text = await scrape(app)
    assert sample(text, "billing_outbox_backlog_messages") == 0
    assert sample(text, "billing_outbox_oldest_undelivered_age_seconds") == 0


async def test_no_outbox_gauges_without_a_receiver(scrape) -> None:
    """Without OUTBOUND_WEBHOOK_URL nothing is delivered by design; a 'backlog' would be noise."""
    await _message("m-nourl", datetime.now(UTC) - timedelta(days=1))
    text = await scrape(make_app())
    assert sample(text, "billing_outbox_backlog_messages") is None
    assert sample(text, "billing_webhook_inbox_backlog_events") is not None  # the inbox still is


async def test_delivery_attempts_by_outcome(scrape) -> None:
    receiver = Receiver(fail_first=1).start()
    app = make_app(outbound_webhook_url=receiver.url, outbound_webhook_secret=OUTBOUND_SECRET)
    try:
        before = await scrape(app)
        await _message("m-attempts", datetime.now(UTC) - timedelta(seconds=1))
        async with httpx.AsyncClient() as http:
            sender = OutboxSender(
                clock=SystemClock(), url=receiver.url, secret=OUTBOUND_SECRET, http=http, policy=NO_WAIT
            )
            assert await sender.deliver_due() == 1  # 503
            assert await sender.deliver_due() == 1  # 200
            await _message("m-attempts-2", datetime.now(UTC) - timedelta(seconds=1))
            sender.url = "http://127.0.0.1:9/nobody"
            assert await sender.deliver_due() == 1  # refused
        after = await scrape(app)
    finally:
        receiver.stop()

    def delta(outcome: str) -> float:
        name = "billing_outbox_delivery_attempts_total"
        return total(after, name, outcome=outcome) - total(before, name, outcome=outcome)

    assert (delta("rejected"), delta("delivered"), delta("failed")) == (1, 1, 1)
    assert sample(after, "billing_outbox_backlog_messages") == 1  # the refused one


async def test_live_subscriptions_gauge_and_notices_pushed(scrape) -> None:
    app = make_app()
    hub = app.state.live
    before = await scrape(app)
    open_before = sample(before, "billing_live_subscriptions") or 0

    def pushed(text: str, kind: str) -> float:
        return total(text, "billing_live_notices_total", kind=kind)

    async with AsyncExitStack() as stack:
        streams: list[AsyncIterator[Change]] = [
            await stack.enter_async_context(hub.subscribe(user)) for user in ("live-a", "live-a", "live-b")
        ]
        during = await scrape(app)
        assert sample(during, "billing_live_subscriptions") == open_before + 3
        hub.dispatch(Change("live-a", ChangeKind.PREMIUM))  # both of live-a's sockets, not live-b's
        hub.dispatch(Change("live-nobody", ChangeKind.PAYMENT, 1))  # nobody listening: nothing pushed
        assert [(await anext(s)).kind for s in streams[:2]] == [ChangeKind.PREMIUM] * 2
        after = await scrape(app)
    closed = await scrape(app)

    assert pushed(after, "premium") - pushed(before, "premium") == 2
    assert pushed(after, "payment") - pushed(before, "payment") == 0
    assert sample(closed, "billing_live_subscriptions") == open_before


async def test_open_websockets_are_counted_while_open(scrape: Callable[..., Any]) -> None:
    """The app's own /graphql websocket route (graphql-transport-ws) counts each socket while it is open.

    Served by uvicorn on this test's own event loop (not Starlette's TestClient, whose
    loop in another thread would make Tortoise replace the session's connection).
    """
    import asyncio
    import json
    import socket

    import jwt
    import uvicorn
    import websockets

    app = make_app()
    token = jwt.encode({"sub": "ws-gauge", "exp": int(time.time()) + 600}, "m" * 40, algorithm="HS256")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)

        async def open_now() -> float:
            return sample(await scrape(app), "billing_live_websockets") or 0

        def connect() -> Any:
            url = f"ws://127.0.0.1:{sock.getsockname()[1]}/graphql"
            return websockets.connect(url, subprotocols=["graphql-transport-ws"])

        before = await open_now()
        async with connect() as one, connect() as two:
            for ws in (one, two):
                init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                await ws.send(json.dumps(init))
                ack = await ws.recv()
                # A text frame: browsers' graphql-ws clients cannot parse binary ones.
                assert isinstance(ack, str) and json.loads(ack)["type"] == "connection_ack"
            assert await open_now() == before + 2
        deadline = time.monotonic() + 5
        while await open_now() != before:  # the server side ends just after the client's
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    finally:
        server.should_exit = True
        await serving
