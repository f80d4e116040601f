"""Live-update tests: a real outbound receiver on loopback, change feeds, and the billing world."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from billing.notifications.changes import Change
from gateway.outbox_worker import MESSAGE_ID_HEADER, SIGNATURE_HEADER, verify
from gateway.pubsub import LiveHub
from tests.billing.conftest import world  # noqa: F401  (the purchase-flow world fixture)

OUTBOUND_SECRET = "outbound-test-secret-0123456789abcdef"


@dataclass
class Attempt:
    message_id: str
    body: dict
    signature_ok: bool
    status: int
    at: float


@dataclass
class Receiver:
    """The platform's side of outbound notifications: a Starlette app on a loopback port.

    It answers 503 to the first `fail_first` attempts of each message, then 200,
    and records every attempt with whether its signature verified.
    """

    fail_first: int = 0
    delay: float = 0.0
    secret: str = OUTBOUND_SECRET
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/premium"

    def acknowledged(self, message_id: str | None = None) -> list[Attempt]:
        with self.lock:
            return [
                a
                for a in self.attempts
                if a.status == 200 and (message_id is None or a.message_id == message_id)
            ]

    def of(self, message_id: str) -> list[Attempt]:
        with self.lock:
            return [a for a in self.attempts if a.message_id == message_id]

    async def _hook(self, request: Request) -> JSONResponse:
        raw = await request.body()
        ok = verify(self.secret, request.headers.get(SIGNATURE_HEADER, ""), raw, now=time.time())
        body = orjson.loads(raw)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            earlier = sum(1 for a in self.attempts if a.message_id == body["id"])
            status = 503 if earlier < self.fail_first else 200
            self.attempts.append(Attempt(body["id"], body, ok, status, time.monotonic()))
        assert request.headers.get(MESSAGE_ID_HEADER) == body["id"]
        return JSONResponse({"ok": status == 200}, status_code=status)

    def start(self) -> Receiver:
        self.port, self._server, self._thread = _serve(
            Starlette(routes=[Route("/hooks/premium", self._hook, methods=["POST"])])
        )
        return self

    def stop(self) -> None:
        _shutdown(self._server, self._thread)


@dataclass
class WebhookTap:
    """A pass-through between Stripe (the sandbox) and a gateway replica that notes when each event arrived.

    Lets a test measure from the moment a given webhook reached the gateway,
    not from when the sandbox began delivering a batch.
    """

    target: str = ""
    arrivals: dict[str, float] = field(default_factory=dict)  # event type -> first arrival (monotonic)
    port: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stripe"

    async def _forward(self, request: Request) -> Response:
        raw = await request.body()
        self.arrivals.setdefault(orjson.loads(raw)["type"], time.monotonic())
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(
                self.target,
                content=raw,
                headers={k: v for k, v in request.headers.items() if k.lower() in _FORWARDED},
            )
        return Response(answer.content, status_code=answer.status_code, media_type="application/json")

    def start(self) -> WebhookTap:
        self.port, self._server, self._thread = _serve(
            Starlette(routes=[Route("/stripe", self._forward, methods=["POST"])])
        )
        return self

    def stop(self) -> None:
        _shutdown(self._server, self._thread)


_FORWARDED = {"content-type", "stripe-signature", "user-agent"}


def _serve(app: Starlette) -> tuple[int, uvicorn.Server, threading.Thread]:
    """Run `app` on a free loopback port in a thread; returns once it accepts connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "loopback server did not start"
        time.sleep(0.01)
    return port, server, thread


def _shutdown(server: uvicorn.Server | None, thread: threading.Thread | None) -> None:
    if server is not None:
        server.should_exit = True
    if thread is not None:
        thread.join(timeout=10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
async def hub(db: str) -> AsyncIterator[LiveHub]:
    """This process's change feed (LISTEN on PostgreSQL, in-process on SQLite)."""
    live = LiveHub(db)
    async with live.running():
        yield live


async def next_change(changes: AsyncIterator[Change], timeout: float = 2.0) -> Change:
    return await asyncio.wait_for(anext(changes), timeout)


async def no_change(changes: AsyncIterator[Change], wait: float = 0.3) -> None:
    try:
        change = await asyncio.wait_for(anext(changes), wait)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected change {change}")
