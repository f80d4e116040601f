"""Live updates under attack: websocket authentication, cross-user isolation, expiry, masked failures.

The live-updates subscription (graphql-transport-ws on /graphql) pushes a
user's payments and premium state. Here `serve` replicas are attacked over
real websockets:
- forged, expired or missing credentials at connection_init, in the upgrade's
  header, and protocol tricks (subscribe before init, a second init as
  someone else): refused, never a single message of data;
- Alice and Bob each subscribed on both replicas (so each replica holds both
  users' sockets) while Stripe's webhooks for their purchases land on one
  replica: every socket gets its owner's changes and nothing of the other's;
- a token that expires while connected: the socket is closed with 4401 at
  `exp` (the decision: a websocket lives no longer than the token it was
  opened with; the client reconnects with a fresh one, and premiumChanged's
  first message re-syncs it), so it receives nothing after;
- PostgreSQL cut off under an open socket: a subscription's source fails
  without a GraphQL path, and the client gets "Unexpected error.", not the
  driver's text.

On SQLite one replica plays both parts (in-process fan-out); the two-replica
and PostgreSQL-outage parts need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from gateway_process import JWT_SECRET
from rel_proxy import TcpProxy
from rel_support import WEBHOOK_SECRET, Figures, GatewayProcess, new_gateway
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.auth import mint_token
from schema.root import MASKED_MESSAGE
from stripe_sandbox.testing import SandboxServer
from tests.conftest import DIALECT
from tests.live.test_live_e2e import PAYMENTS, PREMIUM, LiveClient
from tests.stripe_world import StripeWorld
from webhooks.signature import sign_header

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

PROTOCOL = "graphql-transport-ws"
_users = itertools.count(1)
CHECKOUT = """
mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { sessionId userErrors { code } } }"""
CANCEL = "mutation { cancelSubscription { subscription { cancelAtPeriodEnd } userErrors { code } } }"


@dataclass
class Pair:
    a: GatewayProcess
    b: GatewayProcess  # behind `proxy` on PostgreSQL; the same process as `a` on SQLite
    proxy: TcpProxy | None


@pytest.fixture(scope="module")
async def pair(migrated_db: str, sandbox: SandboxServer) -> AsyncIterator[Pair]:
    a = new_gateway(migrated_db, sandbox)
    proxy: TcpProxy | None = None
    if DIALECT == "postgres":
        parts = urlsplit(migrated_db)
        proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
        b = new_gateway(
            migrated_db.replace(parts.netloc, f"{parts.username}@127.0.0.1:{proxy.port}"), sandbox
        )
        gateways = [a, b]
    else:
        b = a
        gateways = [a]
    # Blocking starts off the loop (the proxy in front of B runs on this loop), one after the
    # other and with room for a loaded machine.
    for gateway in gateways:
        await asyncio.to_thread(gateway.start, 60)
    yield Pair(a, b, proxy)
    await asyncio.gather(*(asyncio.to_thread(g.stop) for g in gateways))
    if proxy is not None:
        await proxy.stop()


def _ws_url(gateway: GatewayProcess) -> str:
    return gateway.base_url.replace("http", "ws", 1) + "/graphql"


async def _refusal(
    gateway: GatewayProcess,
    *,
    payload: Any = None,
    header: str | None = None,
    before_init: dict[str, Any] | None = None,
    second_init: Any = None,
) -> tuple[int | None, list[dict[str, Any]]]:
    """Open a socket and try it; (close code, or None if still open; data messages received)."""
    headers = {"Authorization": header} if header is not None else None
    received: list[dict[str, Any]] = []
    ws: ClientConnection = await connect(
        _ws_url(gateway),
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers=headers,
    )
    try:
        if before_init is not None:
            await ws.send(orjson.dumps(before_init).decode())
        await ws.send(orjson.dumps({"type": "connection_init", "payload": payload or {}}).decode())
        if second_init is not None:
            await ws.send(orjson.dumps({"type": "connection_init", "payload": second_init}).decode())
        # Whatever it answers, ask for data too: a refused socket must never send any.
        for op_id, query in (("p", PAYMENTS), ("q", PREMIUM)):
            with contextlib.suppress(ConnectionClosed):
                await ws.send(
                    orjson.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}).decode()
                )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = orjson.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
            if message["type"] in ("next", "error"):
                received.append(message)
                if len(received) == 2:
                    break
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), received
    except TimeoutError:
        pass
    finally:
        await ws.close()
    return None, received


def _data(messages: list[dict[str, Any]]) -> list[Any]:
    """Any data at all in `next` messages (an error-only payload has none)."""
    found = []
    for message in messages:
        data = (message.get("payload") or {}).get("data") if message["type"] == "next" else None
        if data and any(value is not None for value in data.values()):
            found.append(data)
    return found


async def test_websocket_credentials_and_protocol_tricks(pair: Pair, figures: Figures) -> None:
    user = f"rel-ws-{next(_users)}"
    now = int(time.time())
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def hs(claims: dict[str, Any], key: str = JWT_SECRET) -> str:
        return jwt.encode(claims, key, algorithm="HS256")

    def unsigned(claims: dict[str, Any]) -> str:
        head = jwt.utils.base64url_encode(orjson.dumps({"alg": "none", "typ": "JWT"})).decode()
        return f"{head}.{jwt.utils.base64url_encode(orjson.dumps(claims)).decode()}."

    forged = {
        "expired": hs({"sub": user, "exp": now - 120}),
        "alg none": unsigned({"sub": user, "exp": now + 600}),
        "wrong key": hs({"sub": user, "exp": now + 600}, "k" * 40),
        "RS256 by a stranger's key": jwt.encode(
            {"sub": user, "exp": now + 600}, other_rsa, algorithm="RS256"
        ),
        "missing sub": hs({"exp": now + 600}),
        "missing exp": hs({"sub": user}),
        "garbage": "a.b.c",
    }
    tried = leaked = 0
    for name, token in forged.items():
        # In connection_init's payload (browsers), and in the upgrade's header (other clients).
        for where, attempt in (
            ("payload", {"payload": {"Authorization": f"Bearer {token}"}}),
            ("header", {"header": f"Bearer {token}"}),
        ):
            code, messages = await _refusal(pair.a, **attempt)
            leaked += len(_data(messages))
            assert code == 4403 and not messages, (name, where, code, messages)
            tried += 1
    # An Authorization that is not a string at all.
    code, messages = await _refusal(pair.a, payload={"Authorization": ["Bearer", "x"]})
    assert code == 4403 and not messages, (code, messages)
    tried += 1
    # No credentials: the connection is accepted, every subscription answers UNAUTHENTICATED, no data.
    code, messages = await _refusal(pair.a)
    leaked += len(_data(messages))
    assert code is None and len(messages) == 2, (code, messages)
    for message in messages:
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"], message
    tried += 1
    # Subscribing before connection_init (protocol: 4401 Unauthorized), and a second
    # connection_init as someone else (4429) are closed without a message of data.
    code, messages = await _refusal(
        pair.a,
        before_init={"id": "early", "type": "subscribe", "payload": {"query": PAYMENTS}},
        payload={"Authorization": f"Bearer {pair.a.token(user)}"},
    )
    leaked += len(_data(messages))
    assert code == 4401 and not messages, (code, messages)
    code, messages = await _refusal(
        pair.a,
        payload={"Authorization": f"Bearer {pair.a.token(user)}"},
        second_init={"Authorization": f"Bearer {pair.a.token('rel-ws-victim')}"},
    )
    leaked += len(_data(messages))
    assert code == 4429, (code, messages)
    tried += 2
    figures.record(
        "websocket auth: forged/expired/alg-none/wrong-key tokens (payload, header), none, protocol tricks",
        tried,
        doubled=leaked,
    )


async def _buy(world: StripeWorld, pair: Pair, user: str, *, gift: bool) -> None:
    """A purchase paid in Stripe; its events delivered (signed) to replica B only."""
    answer = await pair.a.graphql(
        CHECKOUT,
        {
            "input": {
                "productType": "PREMIUM_MONTHLY",
                "isGift": gift,
                "successUrl": "http://localhost:3000/ok",
                "cancelUrl": "http://localhost:3000/no",
            }
        },
        user=user,
    )
    session = answer["data"]["createCheckout"]["sessionId"]
    assert session, answer
    await world.control(f"/_sandbox/checkout/sessions/{session}/complete", {"outcome": "paid"})
    async with httpx.AsyncClient(timeout=30) as http:
        for event in await world.new_events():
            body = orjson.dumps(event)
            response = await http.post(
                pair.b.webhook_url,
                content=body,
                headers={"Stripe-Signature": sign_header(body, WEBHOOK_SECRET)},
            )
            assert response.status_code == 200, response.text


async def _drain(client: LiveClient, op_id: str) -> list[dict[str, Any]]:
    messages = []
    while client.pending(op_id):
        messages.append(await client.next(op_id))
    return messages


async def _until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_no_user_sees_another_users_live_updates(
    rel_world: StripeWorld, pair: Pair, figures: Figures
) -> None:
    alice, bob = f"rel-ws-alice-{next(_users)}", f"rel-ws-bob-{next(_users)}"
    replicas = [pair.a, pair.b]  # one socket per user on each (both on A under SQLite)
    sockets: dict[str, list[LiveClient]] = {alice: [], bob: []}
    try:
        for user in (alice, bob):
            for gateway in replicas:
                client = await LiveClient.open(gateway, token=gateway.token(user))
                await client.subscribe("pay", PAYMENTS)
                await client.subscribe("prem", PREMIUM)
                first = await client.next("prem")  # subscribed: the current state comes first
                assert first["payload"]["data"]["premiumChanged"]["active"] is False
                sockets[user].append(client)
        received: dict[str, list[tuple[int, str, dict[str, Any]]]] = {alice: [], bob: []}

        def seen(user: str, op_id: str, check: Any) -> bool:
            """Every one of `user`'s sockets has had an `op_id` message passing `check`."""
            return all(
                any(j == i and o == op_id and check(m["payload"]["data"]) for j, o, m in received[user])
                for i in range(len(replicas))
            )

        async def collect(until: Any, settle: float = 0.7, timeout: float = 20) -> None:
            """Everything pushed, until `until()` holds (the webhook is handled in the background,
            so wait for the owner's pushes) and then nothing new has come for `settle` s (so a
            stray push to the other user has had its chance to arrive)."""
            deadline = time.monotonic() + timeout
            quiet_since = time.monotonic()
            while not until() or time.monotonic() - quiet_since < settle:
                if time.monotonic() > deadline:
                    return  # judged below: what did not arrive counts as lost
                await asyncio.sleep(0.1)
                for user, clients in sockets.items():
                    for i, client in enumerate(clients):
                        for op_id in ("pay", "prem"):
                            for message in await _drain(client, op_id):
                                received[user].append((i, op_id, message))
                                quiet_since = time.monotonic()

        def completed(user: str) -> bool:
            return seen(user, "pay", lambda d: (d.get("paymentUpdated") or {}).get("status") == "COMPLETED")

        # Bob subscribes (Stripe's events land on B): his sockets on both replicas hear it.
        await _buy(rel_world, pair, bob, gift=False)
        await collect(lambda: completed(bob) and seen(bob, "prem", lambda d: d["premiumChanged"]["active"]))
        # Alice buys a gift (her premium does not change; her payment does).
        await _buy(rel_world, pair, alice, gift=True)
        await collect(lambda: completed(alice))
        # Bob cancels at period end on replica B: his premium (willCancel) changes, Alice's does not.
        cancelled = await pair.b.graphql(CANCEL, user=bob)
        assert cancelled["data"]["cancelSubscription"]["userErrors"] == [], cancelled
        await collect(lambda: seen(bob, "prem", lambda d: d["premiumChanged"]["willCancel"]))
    finally:
        for clients in sockets.values():
            for client in clients:
                await client.close()

    leaked = lost = 0
    for user, messages in received.items():
        for _, op_id, message in messages:
            assert message["type"] == "next" and not message["payload"].get("errors"), message
            data = message["payload"]["data"]
            if op_id == "pay":
                leaked += int(data["paymentUpdated"]["userId"] != user)
            elif user == alice:  # her gift purchase leaves her premium as it was: any change is Bob's
                leaked += 1
    # Each socket got its owner's payment COMPLETED, and Bob's the premium turning on.
    for user in (alice, bob):
        for i in range(len(replicas)):
            mine = [(o, m["payload"]["data"]) for j, o, m in received[user] if j == i]
            lost += int(not any(o == "pay" and d["paymentUpdated"]["status"] == "COMPLETED" for o, d in mine))
            if user == bob:
                lost += int(not any(o == "prem" and d["premiumChanged"]["active"] for o, d in mine))
                lost += int(not any(o == "prem" and d["premiumChanged"]["willCancel"] for o, d in mine))
    # Cases: every message pushed, plus every (socket, other user's change) that must not be:
    # Alice's sockets x Bob's payment, premium on and cancel; Bob's sockets x Alice's payment.
    tried = sum(len(m) for m in received.values()) + len(replicas) * (3 + 1)
    figures.record(
        f"live updates: 2 users x {len({g.port for g in replicas})} replica(s), both users' sockets on each;"
        " another user's event delivered counts as doubled",
        tried,
        lost=lost,
        doubled=leaked,
    )
    assert leaked == 0 and lost == 0, received


async def test_a_token_that_expires_while_connected_stops_the_socket(pair: Pair, figures: Figures) -> None:
    """Decision: the socket is closed (4401) at the token's `exp`; nothing arrives after it."""
    user = f"rel-ws-exp-{next(_users)}"
    ttl = 3
    token = mint_token(JWT_SECRET, user, ttl=timedelta(seconds=ttl))
    expires_at = time.time() + ttl  # at most: `exp` is whole seconds from now
    client = await LiveClient.open(pair.a, token=token)
    try:
        await client.subscribe("prem", PREMIUM)
        await client.subscribe("pay", PAYMENTS)
        assert (await client.next("prem"))["payload"]["data"]["premiumChanged"]["active"] is False
        await asyncio.wait_for(client.ws.wait_closed(), ttl + 10)
        closed_at = time.time()
        assert client.ws.close_code == 4401, client.ws.close_code
        assert closed_at < expires_at + 3, closed_at - expires_at  # at exp, not whenever
        assert client.pending("prem") == 0 and client.pending("pay") == 0
    finally:
        await client.close()
    # The same token opens no socket that stays: the HTTP API's 30 s clock-skew leeway lets it in
    # (acknowledged), and the expiry close (4401, which ignores the leeway) shuts it at once;
    # past the leeway it is refused (4403). Either way no data.
    code, messages = await _refusal(pair.a, payload={"Authorization": f"Bearer {token}"})
    assert code in (4401, 4403) and not _data(messages), (code, messages)
    sockets = 2  # the one that expired while connected, and the one opened with it afterwards
    figures.record("websocket token expiring while connected: closed 4401 at exp, refused after", sockets)


@pytest.mark.postgres_only
async def test_a_subscription_source_failing_is_masked(pair: Pair, figures: Figures) -> None:
    """PostgreSQL cut off under replica B: premiumChanged's first read fails inside the stream
    (no GraphQL path); the client sees "Unexpected error." and none of the driver's words."""
    assert pair.proxy is not None
    user = f"rel-ws-cut-{next(_users)}"
    tried = leaked = 0
    client = await LiveClient.open(pair.b, token=pair.b.token(user))
    try:
        pair.proxy.set_mode("refuse")
        for op_id in ("prem-1", "prem-2"):
            await client.subscribe(op_id, PREMIUM)
            answer = await client.next(op_id, timeout=20)
            errors = answer["payload"] if answer["type"] == "error" else answer["payload"].get("errors")
            text = orjson.dumps(answer).decode()
            leaked += int(any(e["message"] != MASKED_MESSAGE for e in errors or [{"message": "?"}]))
            assert errors and [e["message"] for e in errors] == [MASKED_MESSAGE], answer
            assert not any(
                word in text.lower() for word in ("connect", "postgres", "asyncpg", "refused", "5432")
            )
            tried += 1
    finally:
        pair.proxy.set_mode("pass")
        await client.close()
    # Back to normal without a restart.
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(100):
            if (await http.get(f"{pair.b.base_url}/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
    again = await LiveClient.open(pair.b, token=pair.b.token(user))
    try:
        await again.subscribe("prem", PREMIUM)
        assert (await again.next("prem", timeout=10))["payload"]["data"]["premiumChanged"]["active"] is False
    finally:
        await again.close()
    figures.record(
        "live updates: subscription source failing (PostgreSQL cut) is masked", tried, doubled=leaked
    )
