"""Fixtures for the sandbox tests: one sandbox server, a webhook receiver, a catalog.

Everything goes over real HTTP: the official ``stripe`` SDK (async methods)
for the API, the control API for Stripe's side, and a Starlette webhook
receiver served by uvicorn that verifies every delivery with
``stripe.Webhook.construct_event``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stripe_sandbox import account as sandbox_account
from stripe_sandbox.testing import SandboxServer

from .shapes import assert_shape


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium (Debian package)")


@dataclass
class Receiver:
    """A webhook endpoint: records verified events; can answer errors on demand."""

    secret: str = ""
    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[tuple[float, str, int]] = field(default_factory=list)
    fail_ids: dict[str, int] = field(default_factory=dict)
    fail_first: int = 0
    bad_signatures: int = 0

    async def handle(self, request: Request) -> Response:
        payload = await request.body()
        header = request.headers.get("stripe-signature", "")
        try:
            event = stripe.Webhook.construct_event(payload, header, self.secret)
        except (stripe.SignatureVerificationError, ValueError):
            self.bad_signatures += 1
            return Response("bad signature", status_code=400)
        remaining = self.fail_ids.setdefault(event.id, self.fail_first)
        status = 500 if remaining > 0 else 200
        if remaining > 0:
            self.fail_ids[event.id] = remaining - 1
        self.attempts.append((time.monotonic(), event.id, status))
        if status == 200:
            self.events.append(event.to_dict())
        return Response("ok" if status == 200 else "boom", status_code=status)

    def for_ids(self, *ids: str) -> list[dict[str, Any]]:
        """Events whose object is, or belongs to (``customer``), one of ``ids``."""
        wanted = set(ids)
        out = []
        for event in self.events:
            obj = event["data"]["object"]
            if obj.get("id") in wanted or obj.get("customer") in wanted:
                out.append(event)
        return out

    def types_for(self, *ids: str) -> list[str]:
        return [e["type"] for e in self.for_ids(*ids)]


class ThreadServer:
    """Any ASGI app on a free loopback port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(webhook_retry_delays=(0.2, 0.4, 0.8, 1.6)) as server:
        yield server


@pytest.fixture(scope="session")
def client(sandbox: SandboxServer) -> stripe.StripeClient:
    return sandbox.client()


def serve_receiver(receiver: Receiver) -> ThreadServer:
    """Serve ``receiver`` on a free port and set its ``url``."""
    app = Starlette(routes=[Route("/webhooks/stripe", receiver.handle, methods=["POST"])])
    server = ThreadServer(app)
    receiver.url = server.url + "/webhooks/stripe"
    return server


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[Receiver, ThreadServer]]:
    receiver = Receiver()
    server = serve_receiver(receiver)
    yield receiver, server
    server.stop()


@pytest.fixture(scope="session")
async def receiver(client: stripe.StripeClient, receiver_server: tuple[Receiver, ThreadServer]) -> Receiver:
    """The receiver, registered as a webhook endpoint for every event (``*``)."""
    rec, _ = receiver_server
    endpoint = await client.v1.webhook_endpoints.create_async(
        params={"url": rec.url, "enabled_events": ["*"], "description": "tests"}
    )
    rec.secret = endpoint.secret
    return rec


@dataclass
class Catalog:
    monthly_eur: Any
    yearly_usd: Any
    gift_jpy: Any
    monthly_usd: Any


@pytest.fixture(scope="session")
async def catalog(client: stripe.StripeClient) -> Catalog:
    product = await client.v1.products.create_async(params={"name": "Premium monthly"})
    yearly = await client.v1.products.create_async(params={"name": "Premium yearly"})

    async def price(prod: Any, currency: str, amount: int, **extra: Any) -> Any:
        return await client.v1.prices.create_async(
            params={
                "product": prod.id,
                "currency": currency,
                "unit_amount": amount,
                "tax_behavior": "inclusive",
                **extra,
            }
        )

    month = {"recurring": {"interval": "month"}}
    return Catalog(
        monthly_eur=await price(product, "eur", 999, **month),
        yearly_usd=await price(yearly, "usd", 9999, recurring={"interval": "year"}),
        gift_jpy=await price(product, "jpy", 1500),
        monthly_usd=await price(product, "usd", 1099, **month),
    )


@pytest.fixture
async def account(sandbox: SandboxServer) -> AsyncIterator[Callable[..., Awaitable[dict[str, Any]]]]:
    """Change the sandbox account (country, tax registrations, methods) for one test; restored after."""

    async def set_account(**settings: Any) -> dict[str, Any]:
        return await sandbox.acontrol("/_sandbox/account", settings)

    yield set_account
    await set_account(
        country=sandbox_account.DEFAULT_COUNTRY,
        tax_registrations=list(sandbox_account.DEFAULT_TAX_REGISTRATIONS),
        payment_methods=list(sandbox_account.DEFAULT_PAYMENT_METHODS),
    )


async def settle_webhooks(sandbox: SandboxServer) -> None:
    """Deliver everything pending now (the control API's flush)."""
    await sandbox.acontrol("/_sandbox/webhooks/flush", {})


async def advance_to(sandbox: SandboxServer, moment: int, slack: int = 60) -> int:
    """Advance the sandbox clock to ``moment + slack``; return the new now."""
    now = (await sandbox.acontrol("/_sandbox/clock"))["now"]
    seconds = max(0, moment + slack - now)
    return (await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": seconds}))["now"]


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def subscribe(
    client: stripe.StripeClient,
    sandbox: SandboxServer,
    price: Any,
    *,
    outcome: str = "paid",
    country: str = "DE",
    email: str = "buyer@example.com",
) -> tuple[Any, dict[str, Any]]:
    """A customer with a paid monthly subscription through Checkout."""
    customer = await client.v1.customers.create_async(params={"email": email})
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
        }
    )
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        {"outcome": outcome, "country": country},
    )
    return customer, done


__all__ = ["Catalog", "Receiver", "advance_to", "assert_shape", "settle_webhooks", "subscribe", "wait_for"]
