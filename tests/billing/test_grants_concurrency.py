"""Concurrent webhooks cannot take back or give back a grant twice (issue 13, item 1).

Stripe may deliver an event more than once and several at once, to several replicas. Here the
events of each reversal (and of its undoing) are handed to the gateway's handlers several times at
the same moment, on PostgreSQL (real row locks, one connection per transaction): the ledger's
conditional updates under the redeemer's row lock let exactly one of them change the grant.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from billing.gifts.redeem import redeem
from billing.months import add_months
from billing.premium.rule import PremiumSource, load_premium
from models import GiftCode, Grant, Payment, Subscription
from models.enums import GrantState, ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

pytestmark = pytest.mark.postgres_only

COPIES = 5
CLOSE = timedelta(minutes=2)  # the sandbox clock runs while the test does


async def _at_once(world: StripeWorld, events: list[dict]) -> None:
    """Every event handled COPIES times concurrently (as a redelivery storm across replicas)."""
    await asyncio.gather(*(world.deliver(events) for _ in range(COPIES)))


async def _dispute(world: StripeWorld, payment: Payment) -> tuple[str, list[dict]]:
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(payment.stripe_payment_intent_id)
    dispute = await world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    return dispute["id"], await world.new_events()


async def _win(world: StripeWorld, dispute_id: str) -> list[dict]:
    await world.control(f"/_sandbox/disputes/{dispute_id}/close", {"status": "won"})
    return await world.new_events()


async def _until(world: StripeWorld, user: str) -> datetime | None:
    premium = await load_premium(user, world.services.clock.now())
    return premium.until if premium.active else None


async def _stacked_twice(world: StripeWorld, user: str) -> tuple[datetime, Payment, Payment, Payment]:
    """A monthly subscriber with two yearly gifts redeemed on it: paid end, sub, first and second gift."""
    sub = (await buy(world, user, request(ProductType.PREMIUM_MONTHLY))).payment
    paid_end = (await Subscription.get(user_id=user)).current_period_end
    gifts = []
    for _ in range(2):
        gift = (await buy(world, user, request(ProductType.PREMIUM_YEARLY, gift=True))).payment
        await redeem(world.services, user, (await GiftCode.get(payment_id=gift.id)).code)
        await world.deliver_new()
        gifts.append(gift)
    assert await _until(world, user) == add_months(paid_end, 24)
    return paid_end, sub, gifts[0], gifts[1]


async def test_a_reversal_delivered_many_times_at_once_takes_back_once(world: StripeWorld) -> None:
    paid_end, _, first, _ = await _stacked_twice(world, "cc-once")
    second_year = add_months(paid_end, 24) - add_months(paid_end, 12)
    dispute_id, events = await _dispute(world, first)
    await _at_once(world, events)
    # The first gift's year is gone once: the second moves up to the paid end, no further.
    assert await _until(world, "cc-once") == paid_end + second_year
    grant = await Grant.get(payment_id=first.id)
    assert grant.state == GrantState.TAKEN_BACK
    assert grant.taken_back_seconds == (add_months(paid_end, 12) - paid_end).total_seconds()

    await _at_once(world, await _win(world, dispute_id))
    # Given back once: exactly its year, stacked after the second.
    taken = timedelta(seconds=grant.taken_back_seconds)
    assert await _until(world, "cc-once") == paid_end + second_year + taken
    assert (await Grant.get(payment_id=first.id)).state == GrantState.GRANTED


async def test_both_payments_reversed_at_once_end_premium(world: StripeWorld) -> None:
    paid_end, sub, first, second = await _stacked_twice(world, "cc-both")
    dispute_ids, events = {}, []
    for payment in (sub, first, second):
        dispute_ids[payment.id], fresh = await _dispute(world, payment)
        events += fresh
    # The subscription's and both gifts' chargebacks, each delivered COPIES times, all at once.
    await asyncio.gather(*(world.deliver([event]) for event in events for _ in range(COPIES)))
    assert await _until(world, "cc-both") is None, "every payment reversed, yet Premium"

    # The first gift's dispute is won (many deliveries at once): its year comes back once, as gift time.
    await _at_once(world, await _win(world, dispute_ids[first.id]))
    now = world.services.clock.now()
    premium = await load_premium("cc-both", now)
    assert premium.active and premium.source == PremiumSource.GIFT
    assert abs(premium.until - (now + (add_months(paid_end, 12) - paid_end))) <= CLOSE, premium.until


async def test_a_gift_redeemed_as_the_subscription_ends_becomes_gift_time(world: StripeWorld) -> None:
    """Stripe cancelled the subscription before its event arrived (the mirror still says ACTIVE):
    the gift stacked on it is refused by Stripe, and its year becomes gift time, not lost."""
    sub = (await buy(world, "cc-late", request(ProductType.PREMIUM_MONTHLY))).payment
    paid_end = (await Subscription.get(user_id="cc-late")).current_period_end
    gift = (await buy(world, "cc-late", request(ProductType.PREMIUM_YEARLY, gift=True))).payment
    await world.services.stripe.v1.subscriptions.cancel_async(sub.stripe_subscription_id)
    await world.new_events()  # not delivered yet
    now = world.services.clock.now()
    await redeem(world.services, "cc-late", (await GiftCode.get(payment_id=gift.id)).code)
    premium = await load_premium("cc-late", world.services.clock.now())
    assert premium.active and premium.source == PremiumSource.GIFT
    # The year it was granted as (stacked after the paid month), from now.
    assert abs(premium.until - (now + (add_months(paid_end, 12) - paid_end))) <= CLOSE, premium.until
    assert (await Grant.get(payment_id=gift.id)).stripe_subscription_id is None
