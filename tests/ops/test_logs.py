"""Structured logs: JSON lines with the request id and the Stripe event id, and nothing secret.

The redaction rules are checked on their own, then on the real stderr of a
`serve` process at LOG_LEVEL=DEBUG (the most talkative setting) while it
answers a request carrying a bearer token and a signed webhook delivery.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest
from ops_serve import JWT_SECRET, STRIPE_KEY, WEBHOOK_SECRET, ServeProcess, free_port, serve_env

from gateway.logging import REDACTED, redact, redact_text
from stripe_sandbox.testing import SandboxServer
from webhooks.signature import sign_header

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE5MDAwMDAwMDB9"
    ".Qm9ndXNTaWduYXR1cmVGb3JUZXN0aW5nT25seQ"
)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("auth header was Bearer opaque-token-123", "opaque-token-123"),
        (f"token {JWT} in a sentence", JWT),
        ("key sk_live_51HxYzAbCdEf0123456789 leaked", "sk_live_51HxYzAbCdEf0123456789"),
        ("restricted rk_test_51Habcdefghij in text", "rk_test_51Habcdefghij"),
        ("sandbox sk_test_sandbox_0a1b2c3d", "sk_test_sandbox_0a1b2c3d"),
        ("webhook secret whsec_AbC123+/=xyz", "whsec_AbC123+/=xyz"),
        ("card 4242 4242 4242 4242 declined", "4242 4242 4242 4242"),
        ("card 4000-0566-5566-5556", "4000-0566-5566-5556"),
        ("pan=5555555555554444;", "5555555555554444"),
    ],
)
def test_secrets_in_text_are_masked(text: str, secret: str) -> None:
    masked = redact_text(text)
    assert secret not in masked
    assert "REDACTED" in masked


@pytest.mark.parametrize(
    "text",
    [
        "payment of 4999 cents at 1732550000",
        "order 1234567890123 is not a card (fails Luhn)",
        "ids cus_Q1w2E3r4T5 sub_1NaBcD in_1NxYz evt_1Abc pi_3Def",
        "task sk_ is not a key",
        "version 2026.11.25 build 4242424242424242.1",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_fields_named_like_credentials_or_bodies_are_blanked() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "x",
            "Authorization": "anything",
            "headers": {"authorization": "Basic dXNlcjpwYXNz", "accept": "json"},
            "payload": '{"id": "evt_1"}',
            "body": b"raw",
            "stripe_signature": "t=1,v1=abc",
            "nested": [{"token": "t"}, {"amount": 4999}],
            "color_message": "duplicate",
        },
    )
    assert event == {
        "event": "x",
        "Authorization": REDACTED,
        "headers": {"authorization": REDACTED, "accept": "json"},
        "payload": REDACTED,
        "body": REDACTED,
        "stripe_signature": REDACTED,
        "nested": [{"token": REDACTED}, {"amount": 4999}],
    }


# --- the real thing: a serve process's stderr ----------------------------------------------------

CHECKOUT = """
mutation Buy($input: CreateCheckoutInput!) {
  createCheckout(input: $input) { checkoutUrl userErrors { code message } }
}"""


@pytest.fixture(scope="module")
def unreachable_stripe_server(migrated_db: str) -> Iterator[ServeProcess]:
    """A server whose Stripe refuses connections, logging at DEBUG."""
    nobody = f"http://127.0.0.1:{free_port()}"
    with ServeProcess(serve_env(migrated_db, nobody, LOG_LEVEL="DEBUG")) as server:
        yield server


@pytest.fixture(scope="module")
def sandbox_server(migrated_db: str, sandbox: SandboxServer) -> Iterator[ServeProcess]:
    env = serve_env(migrated_db, sandbox.base_url, STRIPE_API_KEY=sandbox.api_key, LOG_LEVEL="DEBUG")
    with ServeProcess(env) as server:
        yield server


def _assert_nothing_secret(raw: str, *extra: str) -> None:
    for secret in (JWT_SECRET, WEBHOOK_SECRET, STRIPE_KEY, *extra):
        assert secret not in raw, f"{secret[:12]}… reached the log"


async def test_request_lines_carry_its_id_and_never_the_token(db: str, unreachable_stripe_server) -> None:
    server = unreachable_stripe_server
    token = server.token("ops-log-alice")
    checkout = {
        "input": {
            "productType": "PREMIUM_MONTHLY",
            "currency": "USD",
            "isGift": False,
            "successUrl": "http://localhost:3000/ok",
            "cancelUrl": "http://localhost:3000/cancel",
        }
    }
    answer = await server.graphql(
        CHECKOUT, checkout, user="ops-log-alice", headers={"X-Request-ID": "ops-req-1"}
    )
    assert answer.headers["x-request-id"] == "ops-req-1"
    assert answer.json()["data"]["createCheckout"]["userErrors"][0]["code"] == "PAYMENT_PROVIDER_ERROR"

    # A client's query naming a key: the validation error quoting it is logged (DEBUG) masked.
    key_like = "sk_live_51Hops" + secrets.token_hex(6)
    probe = await server.graphql(
        "{ " + key_like + " }", user="ops-log-alice", headers={"X-Request-ID": "ops-req-2"}
    )
    assert probe.json()["errors"]

    # A request id that is not a sane token is replaced, not echoed into the logs.
    forged = await server.graphql("{ prices { lookupKey } }", headers={"X-Request-ID": 'x" injected="1'})
    generated = forged.headers["x-request-id"]
    assert len(generated) == 32 and generated != 'x" injected="1'

    # The access line is written once the answer is sent: the client can read its answer first.
    deadline = time.monotonic() + 10
    while generated not in server.raw_log():
        assert time.monotonic() < deadline, "no log line for the last request"
        await asyncio.sleep(0.05)
    lines = server.log_lines()
    first = [line for line in lines if line.get("request_id") == "ops-req-1"]
    # billing's own warning (stdlib logging with `extra`) carries the request id and its extras.
    stripe_failures = [line for line in first if line["logger"] == "billing.stripe"]
    assert stripe_failures and all(line["level"] == "warning" for line in stripe_failures)
    assert all(line["operation"] and line["error_type"] == "APIConnectionError" for line in stripe_failures)
    (access,) = [line for line in first if line["logger"] == "gateway.http"]
    assert access["status"] == 200 and access["path"] == "/graphql" and access["ms"] >= 0
    for line in lines:
        assert {"timestamp", "level", "logger", "event"} <= line.keys()

    second = [line for line in lines if line.get("request_id") == "ops-req-2"]
    graphql_errors = [line for line in second if line["logger"] == "gateway.graphql"]
    assert graphql_errors and all(REDACTED in line["event"] for line in graphql_errors)
    assert any(line.get("request_id") == generated for line in lines)
    assert 'injected="1' not in server.raw_log()

    _assert_nothing_secret(server.raw_log(), token, key_like)


async def test_webhook_lines_carry_the_event_id_and_never_the_body(
    db: str, sandbox: SandboxServer, sandbox_server: ServeProcess
) -> None:
    """A checkout.session.completed for a session this gateway did not make: handled, ignored, logged."""
    stripe = sandbox.client()
    product = await stripe.v1.products.create_async(params={"name": "ops log test"})
    price = await stripe.v1.prices.create_async(
        params={"product": product.id, "unit_amount": 500, "currency": "usd"}
    )
    session = await stripe.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "http://localhost:3000/ok",
            "cancel_url": "http://localhost:3000/cancel",
        }
    )
    marker = "BODY-MARKER-" + secrets.token_hex(8)
    event_id = "evt_ops_" + secrets.token_hex(8)
    body = orjson.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "checkout.session.completed",
            "created": 1_760_000_000,
            "livemode": False,
            "data": {
                "object": {
                    "id": session.id,
                    "object": "checkout.session",
                    "metadata": {"note": marker, "card": "4242424242424242"},
                }
            },
        }
    )
    async with httpx.AsyncClient(base_url=sandbox_server.base_url, timeout=30) as http:
        response = await http.post(
            "/webhooks/stripe",
            content=body,
            headers={
                "Stripe-Signature": sign_header(body, WEBHOOK_SECRET),
                "Content-Type": "application/json",
                "X-Request-ID": "ops-hook-1",
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["queued"] is True  # handled after the answer, on the delivery's context

    deadline = time.monotonic() + 10
    while True:  # the handler's outcome is logged once it has run
        lines = [line for line in sandbox_server.log_lines() if line.get("request_id") == "ops-hook-1"]
        done = [line for line in lines if line["logger"] == "webhooks.dispatch"]
        if done or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    # The handler's own line names only the session; the event's id and type come from the context.
    (ignored,) = [line for line in lines if line["event"] == "session not made by this gateway ignored"]
    assert ignored["event_id"] == event_id and ignored["event_type"] == "checkout.session.completed"
    assert ignored["session"] == session.id
    route = [line for line in lines if line["logger"] == "webhooks.route"]
    assert route and all(line["event_id"] == event_id for line in route)
    assert [(line["event_id"], line["outcome"]) for line in done] == [(event_id, "PROCESSED")]
    raw = sandbox_server.raw_log()
    assert marker not in raw and "4242424242424242" not in raw
    _assert_nothing_secret(raw, sandbox.api_key)


async def test_websocket_connections_are_tagged_too() -> None:
    """A websocket (live updates) binds an id for the connection; nothing is left bound afterwards."""
    import structlog

    from gateway.request_id import RequestIdMiddleware

    seen: list[dict[str, object]] = []

    async def inner(scope, receive, send) -> None:
        seen.append(structlog.contextvars.get_contextvars())

    app = RequestIdMiddleware(inner)
    await app(
        {"type": "websocket", "path": "/graphql", "headers": [(b"x-request-id", b"ws-conn-1")]}, None, None
    )
    await app(
        {"type": "websocket", "path": "/graphql", "headers": [(b"x-request-id", b"bad id")]}, None, None
    )
    assert seen[0]["request_id"] == "ws-conn-1"
    assert len(str(seen[1]["request_id"])) == 32
    assert "request_id" not in structlog.contextvars.get_contextvars()
