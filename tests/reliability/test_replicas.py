"""Two `serve` replicas sharing one PostgreSQL database, raced against each other.

Every race fires its requests at both replicas at once (half each) and then
checks the database and Stripe for the one outcome there should be. Rounds
per race: `REL_RACE_ROUNDS` (default 3); requests per round: `REL_RACE_WIDTH`
(default 10).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from rel_support import WEBHOOK_SECRET, Figures, GatewayProcess, count, new_gateway, off_by

from billing import ids
from models import Customer, GiftCode, Payment, Refund, Subscription, WebhookEvent
from models.enums import GiftCodeStatus, InboxStatus, PaymentStatus
from stripe_sandbox.testing import SandboxServer
from tests import factories
from tests.inbox_settle import inbox_settled
from tests.stripe_world import StripeWorld
from webhooks.signature import sign_header

pytestmark = [pytest.mark.reliability, pytest.mark.e2e, pytest.mark.postgres_only]

ROUNDS = count("race_rounds", 3)
WIDTH = count("race_width", 10)
CANCEL_ROUNDS = count("cancel_race_rounds", 2)
_users = itertools.count(1)

CHECKOUT = """
mutation($input: CreateCheckoutInput!) {
  createCheckout(input: $input) { sessionId payment { id status } userErrors { code } }
}"""
REDEEM = "mutation($c: String!) { redeemGift(input: {code: $c}) { giftCode { code } userErrors { code } } }"
CANCEL = "mutation { cancelSubscription { subscription { cancelAtPeriodEnd } userErrors { code } } }"
REACTIVATE = "mutation { reactivateSubscription { subscription { cancelAtPeriodEnd } userErrors { code } } }"


@pytest.fixture(scope="module")
def replicas(migrated_db: str, sandbox: SandboxServer) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    pair = (new_gateway(migrated_db, sandbox), new_gateway(migrated_db, sandbox))
    for gateway in pair:
        gateway.start()
    yield pair
    for gateway in pair:
        gateway.stop()


def _user(prefix: str) -> str:
    return f"rel-{prefix}-{next(_users)}"


async def _gql(gateway: GatewayProcess, query: str, variables: dict | None, user: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {gateway.token(user)}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


def _checkout_input(key: str | None = None, currency: str = "USD", gift: bool = False) -> dict:
    return {
        "input": {
            "productType": "PREMIUM_MONTHLY",
            "currency": currency,
            "isGift": gift,
            "successUrl": "http://localhost:3000/done",
            "cancelUrl": "http://localhost:3000/cancel",
            **({"idempotencyKey": key} if key else {}),
        }
    }


async def _deliver_everywhere(
    pair: tuple[GatewayProcess, GatewayProcess], events: list[dict[str, Any]], copies: int
) -> Counter[int]:
    """Each event `copies` times, half to each replica, all at once; events one after another."""
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(timeout=30) as http:
        for event in events:
            body = orjson.dumps(event)

            async def post(gateway: GatewayProcess, body: bytes = body) -> int:
                response = await http.post(
                    gateway.webhook_url,
                    content=body,
                    headers={"Stripe-Signature": sign_header(body, WEBHOOK_SECRET)},
                )
                return response.status_code

            for status in await asyncio.gather(*(post(pair[i % 2]) for i in range(copies))):
                statuses[status] += 1
    return statuses


async def _purchase(
    world: StripeWorld, pair: tuple[GatewayProcess, GatewayProcess], user: str, *, gift: bool
) -> tuple[str, list[dict[str, Any]]]:
    answer = await _gql(pair[0], CHECKOUT, _checkout_input(gift=gift), user)
    session = answer["data"]["createCheckout"]["sessionId"]
    assert session, answer
    await world.control(f"/_sandbox/checkout/sessions/{session}/complete", {"outcome": "paid"})
    return session, await world.new_events()


async def test_one_gift_code_redeemed_concurrently_across_replicas(
    db: str, replicas: tuple[GatewayProcess, GatewayProcess], figures: Figures
) -> None:
    tried = doubled = 0
    for _ in range(ROUNDS):
        _, code = await factories.gift_purchase(_user("buyer"), created_at=factories.NOW)
        await GiftCode.filter(pk=code.pk).update(expires_at=factories.NOW.replace(year=2099))
        # Several users, and the same user twice, on both replicas at once.
        users = [_user("redeemer") for _ in range(WIDTH - 2)]
        users += users[:2]
        results = await asyncio.gather(
            *(_gql(replicas[i % 2], REDEEM, {"c": code.code}, user) for i, user in enumerate(users))
        )
        outcomes = Counter(
            "OK" if r["data"]["redeemGift"]["giftCode"] else r["data"]["redeemGift"]["userErrors"][0]["code"]
            for r in results
        )
        tried += len(users)
        row = await GiftCode.get(pk=code.pk)
        granted = await Customer.filter(user_id__in=users, gift_until__isnull=False).count()
        doubled += max(0, outcomes["OK"] - 1) + max(0, granted - 1)
        assert outcomes["OK"] == 1 and outcomes["GIFT_CODE_ALREADY_REDEEMED"] == len(users) - 1, outcomes
        assert row.status == GiftCodeStatus.REDEEMED and row.redeemed_by_user_id in users
        assert granted == 1
    figures.record("two replicas: one gift code redeemed concurrently", tried, doubled=doubled)


async def test_same_event_delivered_to_both_replicas_at_once(
    rel_world: StripeWorld, replicas: tuple[GatewayProcess, GatewayProcess], figures: Figures
) -> None:
    tried = lost = doubled = 0
    for round_no in range(ROUNDS):
        user = _user("webhooks")
        gift = round_no % 2 == 0
        _, events = await _purchase(rel_world, replicas, user, gift=gift)
        statuses = await _deliver_everywhere(replicas, events, WIDTH)
        tried += len(events) * WIDTH
        assert set(statuses) == {200}, statuses
        await inbox_settled()
        rows = await WebhookEvent.filter(stripe_event_id__in=[e["id"] for e in events])
        assert len(rows) == len(events)
        assert all(r.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED) for r in rows), [
            (r.type, r.status, r.last_error) for r in rows
        ]
        assert all(r.attempts == 1 for r in rows), [(r.type, r.attempts) for r in rows]
        payments = await Payment.filter(user_id=user)
        codes = await GiftCode.filter(purchaser_user_id=user).count()
        subs = await Subscription.filter(user_id=user).count()
        for actual, expected in ((len(payments), 1), (codes, int(gift)), (subs, int(not gift))):
            missing, extra = off_by(actual, expected)
            lost, doubled = lost + missing, doubled + extra
        assert [p.status for p in payments] == [PaymentStatus.COMPLETED]
        assert codes == (1 if gift else 0) and subs == (0 if gift else 1)
    figures.record(
        "two replicas: every purchase event delivered to both at once", tried, lost=lost, doubled=doubled
    )


async def test_create_checkout_with_one_idempotency_key_across_replicas(
    rel_world: StripeWorld, replicas: tuple[GatewayProcess, GatewayProcess], figures: Figures
) -> None:
    tried = doubled = 0
    for round_no in range(ROUNDS):
        user = _user("idem")
        key = f"rel-key-{round_no}"
        results = await asyncio.gather(
            *(_gql(replicas[i % 2], CHECKOUT, _checkout_input(key), user) for i in range(WIDTH))
        )
        payloads = [r["data"]["createCheckout"] for r in results]
        assert all(p["userErrors"] == [] for p in payloads), payloads
        sessions = {p["sessionId"] for p in payloads}
        payment_ids = {p["payment"]["id"] for p in payloads}
        rows = await Payment.filter(user_id=user).count()
        stripe_sessions = await rel_world.services.stripe.v1.checkout.sessions.list_async(
            params={"limit": 100, "customer": (await Customer.get(user_id=user)).stripe_customer_id}
        )
        tried += WIDTH
        doubled += (len(sessions) - 1) + (rows - 1) + (len(stripe_sessions.data) - 1)
        assert len(sessions) == 1 and len(payment_ids) == 1 and rows == 1, (sessions, rows)
        assert len(stripe_sessions.data) == 1
        # The same key with another input is refused, on either replica.
        other = await _gql(replicas[round_no % 2], CHECKOUT, _checkout_input(key, currency="EUR"), user)
        assert [e["code"] for e in other["data"]["createCheckout"]["userErrors"]] == [
            "IDEMPOTENCY_KEY_REUSED"
        ]
        tried += 1
    figures.record("two replicas: createCheckout with one idempotency key", tried, doubled=doubled)


async def test_cancel_and_reactivate_race_across_replicas(
    rel_world: StripeWorld, replicas: tuple[GatewayProcess, GatewayProcess], figures: Figures
) -> None:
    user = _user("cancel")
    _, events = await _purchase(rel_world, replicas, user, gift=False)
    await _deliver_everywhere(replicas, events, 1)
    await inbox_settled()
    sub = await Subscription.get(user_id=user)
    stripe_subs = rel_world.services.stripe.v1.subscriptions

    async def stripe_cancels() -> bool:
        return bool((await stripe_subs.retrieve_async(sub.stripe_subscription_id)).cancel_at_period_end)

    tried = wrong = 0
    for _ in range(CANCEL_ROUNDS):
        # Many cancels at once: one change in Stripe; everyone else is told it is already canceling.
        results = await asyncio.gather(*(_gql(replicas[i % 2], CANCEL, None, user) for i in range(WIDTH)))
        outcomes = Counter(
            "OK"
            if not r["data"]["cancelSubscription"]["userErrors"]
            else r["data"]["cancelSubscription"]["userErrors"][0]["code"]
            for r in results
        )
        assert outcomes["OK"] >= 1 and outcomes["OK"] + outcomes["SUBSCRIPTION_ALREADY_CANCELING"] == WIDTH, (
            outcomes
        )
        assert await stripe_cancels() and (await Subscription.get(pk=sub.pk)).cancel_at_period_end
        # Many reactivates at once: the mirror image.
        results = await asyncio.gather(*(_gql(replicas[i % 2], REACTIVATE, None, user) for i in range(WIDTH)))
        outcomes = Counter(
            "OK"
            if not r["data"]["reactivateSubscription"]["userErrors"]
            else r["data"]["reactivateSubscription"]["userErrors"][0]["code"]
            for r in results
        )
        assert outcomes["OK"] >= 1 and outcomes["OK"] + outcomes["SUBSCRIPTION_NOT_CANCELING"] == WIDTH, (
            outcomes
        )
        assert not await stripe_cancels() and not (await Subscription.get(pk=sub.pk)).cancel_at_period_end
        # Cancels and reactivates mixed: whatever wins, the gateway ends where Stripe is.
        mixed = await asyncio.gather(
            *(_gql(replicas[i % 2], CANCEL if i % 2 == 0 else REACTIVATE, None, user) for i in range(WIDTH))
        )
        for result in mixed:
            assert "errors" not in result, result
        in_stripe = await stripe_cancels()
        row = await Subscription.get(pk=sub.pk)
        wrong += int(row.cancel_at_period_end != in_stripe)
        assert row.cancel_at_period_end == in_stripe
        premium = await _gql(replicas[1], "{ premium { willCancel } }", None, user)
        assert premium["data"]["premium"]["willCancel"] == in_stripe
        if in_stripe:  # start the next round from an active subscription
            await _gql(replicas[0], REACTIVATE, None, user)
        tried += 3 * WIDTH
    figures.record(
        "two replicas: cancel / reactivate races (gateway != Stripe after counts as lost)", tried, lost=wrong
    )


REFUND = """
mutation($id: ID!) {
  refundPayment(input: {paymentId: $id, note: "race"}) { payment { id status } userErrors { code message } }
}"""


async def _admin_gql(gateway: GatewayProcess, query: str, variables: dict, admin: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {gateway.token(admin, admin=True)}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_refund_races_across_replicas(
    rel_world: StripeWorld, replicas: tuple[GatewayProcess, GatewayProcess], figures: Figures
) -> None:
    """Support clicks Refund on two screens (two replicas) and twice on one, while Stripe's
    charge.refunded for that very refund reaches both replicas: one refund in Stripe, one row,
    the payment REFUNDED, and every click answered either with the payment or NOT_REFUNDABLE."""
    tried = lost = doubled = 0
    for round_no in range(ROUNDS):
        user, admin = _user("refund"), _user("support")
        gift = round_no % 2 == 0
        _, events = await _purchase(rel_world, replicas, user, gift=gift)
        await _deliver_everywhere(replicas, events, 1)
        await inbox_settled()
        payment = await Payment.get(user_id=user)
        assert payment.status == PaymentStatus.COMPLETED
        payment_id = ids.encode("Payment", payment.pk)
        delivered: list[dict[str, Any]] = []

        async def stripe_reports_the_refund() -> None:
            """Deliver Stripe's refund events to both replicas the moment they exist."""
            for _ in range(600):
                fresh = await rel_world.new_events()
                if fresh:
                    delivered.extend(fresh)
                    await _deliver_everywhere(replicas, fresh, 2)
                if any(e["type"] == "charge.refunded" for e in delivered):
                    return
                await asyncio.sleep(0.02)
            raise AssertionError("Stripe never reported the refund")

        clicks = [replicas[0], replicas[1], replicas[0]]  # two screens, and a double click on one
        *results, _ = await asyncio.gather(
            *(_admin_gql(gateway, REFUND, {"id": payment_id}, admin) for gateway in clicks),
            stripe_reports_the_refund(),
        )
        await _deliver_everywhere(replicas, await rel_world.new_events(), 2)
        await inbox_settled()
        payloads = [r["data"]["refundPayment"] for r in results]
        outcomes = Counter("OK" if p["payment"] else p["userErrors"][0]["code"] for p in payloads)
        tried += len(clicks) + sum(1 for e in delivered if e["type"] == "charge.refunded") * 2
        assert all("errors" not in r for r in results), results
        assert outcomes["OK"] >= 1 and set(outcomes) <= {"OK", "NOT_REFUNDABLE"}, outcomes

        in_stripe = (
            await rel_world.services.stripe.v1.refunds.list_async(
                params={"payment_intent": payment.stripe_payment_intent_id or "", "limit": 100}
            )
            if payment.stripe_payment_intent_id
            else None
        )
        row = await Payment.get(pk=payment.pk)
        refunds = await Refund.filter(payment_id=payment.pk)
        if in_stripe is None:  # a subscription's first payment: its intent came with the refund
            intent = row.stripe_payment_intent_id
            assert intent, "the refunded payment never learned its payment intent"
            in_stripe = await rel_world.services.stripe.v1.refunds.list_async(
                params={"payment_intent": intent, "limit": 100}
            )
        stripe_refunds = [r for r in in_stripe.data if r.status != "failed"]
        doubled += max(0, len(stripe_refunds) - 1) + max(0, len(refunds) - 1)
        lost += int(not stripe_refunds) + int(not refunds) + int(row.status != PaymentStatus.REFUNDED)
        assert len(stripe_refunds) == 1, [r.id for r in in_stripe.data]
        assert [r.stripe_refund_id for r in refunds] == [stripe_refunds[0].id]
        assert refunds[0].amount == row.amount and refunds[0].requested_by == admin
        assert row.status == PaymentStatus.REFUNDED and row.amount_refunded == row.amount, (
            row.status,
            row.amount_refunded,
        )
    figures.record(
        "two replicas: refundPayment on both + a double click, racing charge.refunded",
        tried,
        lost=lost,
        doubled=doubled,
    )
