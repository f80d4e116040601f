"""kill -9 a gateway while it handles a burst of webhooks; after restart every event has one effect.

The burst is real: several purchases completed in the sandbox (Stripe's own
signed deliveries to the gateway) plus concurrent signed replays of the same
events. The process is killed once part of the burst is recorded, so some
events are in flight (claimed, half-handled, or never answered). Recovery is
what production has: Stripe's redelivery (`/_sandbox/webhooks/flush`) and the
gateway's own retry loop taking over claims whose lease ran out (the lease is
timed by the gateway's clock, which follows the sandbox's: advancing it by the
lease is "waiting" two minutes).

`REL_CRASH_PURCHASES` purchases per burst (default 4), `REL_CRASH_ROUNDS` bursts (default 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from rel_support import (
    WEBHOOK_SECRET,
    Endpoint,
    Figures,
    GatewayProcess,
    count,
    delete_endpoint,
    new_gateway,
    off_by,
    register_endpoint,
)

from models import GiftCode, Payment, Subscription, WebhookEvent
from models.enums import InboxStatus, PaymentStatus
from stripe_sandbox.testing import SandboxServer
from tests.stripe_world import StripeWorld
from webhooks.inbox import DEFAULT_GRACE, DEFAULT_LEASE
from webhooks.signature import sign_header

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

PURCHASES = count("crash_purchases", 4)
ROUNDS = count("crash_rounds", 2)
_users = itertools.count(1)

CHECKOUT = """
mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { sessionId userErrors { code } } }"""


@pytest.fixture(scope="module")
def crash_gateway(migrated_db: str, sandbox: SandboxServer) -> Iterator[tuple[GatewayProcess, Endpoint]]:
    gateway = new_gateway(migrated_db, sandbox)
    endpoint = register_endpoint(sandbox, gateway.webhook_url)
    gateway.env["STRIPE_WEBHOOK_SECRET"] = f"{endpoint.secret},{WEBHOOK_SECRET}"
    gateway.start()
    yield gateway, endpoint
    gateway.stop()
    delete_endpoint(sandbox, endpoint)


async def _replay_all(gateway: GatewayProcess, events: list[dict[str, Any]]) -> None:
    """Signed replays of every event at once (as a Stripe retry storm would); errors are expected."""
    async with httpx.AsyncClient(timeout=10) as http:

        async def post(event: dict[str, Any]) -> None:
            body = orjson.dumps(event)
            with contextlib.suppress(httpx.HTTPError):
                await http.post(
                    gateway.webhook_url,
                    content=body,
                    headers={"Stripe-Signature": sign_header(body, WEBHOOK_SECRET)},
                )

        await asyncio.gather(*(post(event) for event in events))


async def _settled(event_ids: list[str], timeout: float) -> list[WebhookEvent]:
    rows: list[WebhookEvent] = []
    for _ in range(int(timeout * 10)):
        rows = await WebhookEvent.filter(stripe_event_id__in=event_ids)
        if len(rows) == len(event_ids) and all(
            r.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED) and r.claimed_until is None for r in rows
        ):
            return rows
        await asyncio.sleep(0.1)
    return rows


async def test_kill_9_during_a_webhook_burst(
    rel_world: StripeWorld, crash_gateway: tuple[GatewayProcess, Endpoint], figures: Figures
) -> None:
    gateway, endpoint = crash_gateway
    stripe_endpoints = rel_world.services.stripe.v1.webhook_endpoints
    await stripe_endpoints.update_async(endpoint.id, params={"disabled": False})
    tried = lost = doubled = in_flight_total = mid_handler_total = 0
    try:
        for _ in range(ROUNDS):
            if gateway.proc is None:
                gateway.start()
            purchases: list[tuple[str, bool]] = []
            sessions = []
            for i in range(PURCHASES):
                user, gift = f"rel-crash-{next(_users)}", i % 2 == 0
                answer = await gateway.graphql(
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
                sessions.append(answer["data"]["createCheckout"]["sessionId"])
                purchases.append((user, gift))
            # Pay them all: the sandbox starts delivering in the background at once.
            await asyncio.gather(
                *(
                    rel_world.control(f"/_sandbox/checkout/sessions/{sid}/complete", {"outcome": "paid"})
                    for sid in sessions
                )
            )
            events = await rel_world.new_events()
            event_ids = [e["id"] for e in events]
            replays = asyncio.create_task(_replay_all(gateway, events))
            # Kill once part of the burst is recorded: some events are then mid-flight.
            for _ in range(500):
                if await WebhookEvent.filter(stripe_event_id__in=event_ids).count() >= len(events) // 3:
                    break
                await asyncio.sleep(0.005)
            gateway.kill()
            await replays
            in_flight = await WebhookEvent.filter(
                stripe_event_id__in=event_ids, status=InboxStatus.RECEIVED
            ).count() + (len(events) - await WebhookEvent.filter(stripe_event_id__in=event_ids).count())
            in_flight_total += in_flight
            mid_handler_total += await WebhookEvent.filter(
                stripe_event_id__in=event_ids, claimed_until__isnull=False
            ).count()

            # Recovery: restart, Stripe redelivers, stale claims run out and the retry loop takes them.
            gateway.start()
            await rel_world.control("/_sandbox/webhooks/flush", {})
            await rel_world.advance(int((max(DEFAULT_LEASE, DEFAULT_GRACE)).total_seconds()) + 60)
            await rel_world.control("/_sandbox/webhooks/flush", {})
            rows = await _settled(event_ids, timeout=30)
            assert len(rows) == len(events), "an event Stripe sent was lost"
            unfinished = [
                (r.type, r.status, r.last_error)
                for r in rows
                if r.status not in (InboxStatus.PROCESSED, InboxStatus.IGNORED)
            ]
            assert not unfinished, unfinished

            for user, gift in purchases:
                payments = await Payment.filter(user_id=user)
                codes = await GiftCode.filter(purchaser_user_id=user).count()
                subs = await Subscription.filter(user_id=user).count()
                for actual, expected in ((len(payments), 1), (codes, int(gift)), (subs, int(not gift))):
                    missing, extra = off_by(actual, expected)
                    lost, doubled = lost + missing, doubled + extra
                assert [p.status for p in payments] == [PaymentStatus.COMPLETED], (user, payments)
                assert codes == int(gift) and subs == int(not gift), (user, codes, subs)
            tried += len(events)
    finally:
        await stripe_endpoints.update_async(endpoint.id, params={"disabled": True})
    print(
        f"\ncrash: {tried} events over {ROUNDS} kill -9 rounds, {in_flight_total} unfinished at the kill"
        f" ({mid_handler_total} claimed mid-handler)"
    )
    figures.record(
        f"kill -9 during a webhook burst ({ROUNDS} kills; {in_flight_total} events unfinished,"
        f" {mid_handler_total} claimed mid-handler at the kill)",
        tried,
        lost=lost,
        doubled=doubled,
        fixed="inbox claim: a claimer whose 'now' was read before the winner's no longer takes the"
        " fresh lease (6951bfd; an event ran twice)",
    )
