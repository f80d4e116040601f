"""What billing announces, and when: one notice per real change, to its user only, after commit.

Runs on SQLite (in-process fan-out) and PostgreSQL (NOTIFY through a real
LISTEN connection), against the sandbox through the real webhook handlers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.checkout.sessions import create_checkout
from billing.notifications import changes as notifications
from billing.notifications.access import record_access
from billing.notifications.changes import Change, ChangeKind
from billing.premium.rule import PremiumState
from gateway.pubsub import LiveHub
from models import Customer, OutboxMessage, Payment
from models.enums import PaymentStatus, ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.live.conftest import next_change, no_change
from tests.stripe_world import StripeWorld


async def premium_messages(user_id: str) -> list[dict]:
    rows = await OutboxMessage.filter(user_id=user_id).order_by("id").values("topic", "payload")
    assert all(row["topic"] == "premium.changed" for row in rows)
    return [row["payload"] for row in rows]


async def test_a_purchase_announces_its_payment_and_premium_to_the_buyer_only(
    world: StripeWorld, hub: LiveHub
) -> None:
    async with hub.subscribe("live-ann") as mine, hub.subscribe("live-bob") as bobs:
        result = await buy(world, "live-ann", request(ProductType.PREMIUM_MONTHLY))
        assert result.payment.status == PaymentStatus.COMPLETED
        seen = [await next_change(mine)]
        while True:
            try:
                seen.append(await next_change(mine, timeout=0.3))
            except TimeoutError:
                break
        await no_change(bobs)
    assert Change("live-ann", ChangeKind.PAYMENT, result.payment.pk) in seen
    assert Change("live-ann", ChangeKind.PREMIUM) in seen
    assert {c.user_id for c in seen} == {"live-ann"}
    assert hub.subscriber_count == 0  # leaving the block unsubscribes


async def test_each_premium_change_writes_one_outbox_message_and_redelivery_writes_none(
    world: StripeWorld,
) -> None:
    result = await create_checkout(world.services, "live-cy", request(ProductType.PREMIUM_MONTHLY))
    await world.control(f"/_sandbox/checkout/sessions/{result.session_id}/complete", {"outcome": "paid"})
    events = await world.deliver_new()
    (first,) = await premium_messages("live-cy")
    premium = first["premium"]
    assert first["user_id"] == "live-cy" and first["occurred_at"].endswith("Z")
    assert premium["active"] is True and premium["source"] == "SUBSCRIPTION"
    assert premium["product_type"] == "PREMIUM_MONTHLY" and premium["will_cancel"] is False

    # Stripe redelivers everything, in both orders: same state, nothing new announced.
    await world.deliver(events)
    await world.deliver(events[::-1])
    await record_access("live-cy", world.services.clock.now())
    assert len(await premium_messages("live-cy")) == 1

    # Cancel at period end: the access window stays, but premium now says it will cancel.
    sub_id = (await Payment.get(user_id="live-cy")).stripe_subscription_id
    await world.services.stripe.v1.subscriptions.update_async(sub_id, params={"cancel_at_period_end": True})
    await world.deliver_new()
    messages = await premium_messages("live-cy")
    assert len(messages) == 2
    assert messages[1]["premium"]["will_cancel"] is True
    assert messages[1]["premium"]["until"] == premium["until"]


async def test_a_rolled_back_change_announces_nothing(db: str, hub: LiveHub) -> None:
    now = (await _customer("live-dee")).updated_at
    state = PremiumState.none()
    async with hub.subscribe("live-dee") as changes:
        with pytest.raises(RuntimeError):
            async with notifications.transaction():
                await notifications.premium_changed("live-dee", state, now)
                raise RuntimeError("the change failed after the announcement was written")
        await no_change(changes)
        assert await OutboxMessage.filter(user_id="live-dee").count() == 0

        async with notifications.transaction():
            await notifications.premium_changed("live-dee", state, now + timedelta(seconds=1))
        assert await next_change(changes) == Change("live-dee", ChangeKind.PREMIUM)
        assert await OutboxMessage.filter(user_id="live-dee").count() == 1


async def test_a_forged_notice_is_decoded_or_refused_never_trusted_for_data() -> None:
    assert Change.decode(Change("u", ChangeKind.PAYMENT, 7).encode()) == Change("u", ChangeKind.PAYMENT, 7)
    for junk in (
        "",
        "{}",
        '{"u": 1, "k": "payment"}',
        '{"u": "x", "k": "nope"}',
        '{"u":"x","k":"payment","p":"1"}',
    ):
        with pytest.raises(ValueError):
            Change.decode(junk)


async def _customer(user_id: str) -> Customer:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    return await Customer.create(
        user_id=user_id, stripe_customer_id=f"cus_{user_id}", updated_at=now, created_at=now
    )
