"""Chargebacks through billing and the sandbox: DISPUTED, what is taken back, the restriction, the outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing.checkout.sessions import create_checkout
from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from billing.premium.rule import load_premium
from billing.reversals.restrictions import set_restriction
from models import Customer, GiftCode, Payment, Subscription
from models.enums import Currency, GiftCodeStatus, PaymentStatus, ProductType, SubscriptionStatus
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

DAY = 86_400


async def open_dispute(world: StripeWorld, payment: Payment) -> str:
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(payment.stripe_payment_intent_id)
    dispute = await world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    await world.deliver_new()
    await payment.refresh_from_db()
    return dispute["id"]


async def close_dispute(world: StripeWorld, payment: Payment, dispute_id: str, status: str) -> None:
    await world.control(f"/_sandbox/disputes/{dispute_id}/close", {"status": status})
    await world.deliver_new()
    await payment.refresh_from_db()


async def test_disputed_subscription_payment_ends_access_and_restricts(world: StripeWorld) -> None:
    bought = await buy(world, "d-sub", request(ProductType.PREMIUM_MONTHLY))
    dispute_id = await open_dispute(world, bought.payment)
    assert bought.payment.status == PaymentStatus.DISPUTED
    sub = await Subscription.get(user_id="d-sub")
    assert sub.status == SubscriptionStatus.CANCELED
    assert not (await load_premium("d-sub", world.services.clock.now())).active
    customer = await Customer.get(user_id="d-sub")
    assert customer.purchase_restricted and "Chargeback" in customer.restriction_reason
    with pytest.raises(BillingError) as blocked:
        await create_checkout(world.services, "d-sub", request(ProductType.PREMIUM_MONTHLY, gift=True))
    assert blocked.value.code == ErrorCode.PURCHASE_BLOCKED

    await close_dispute(world, bought.payment, dispute_id, "won")
    assert bought.payment.status == PaymentStatus.COMPLETED
    # Decided: a cancelled Stripe subscription is not revived, and support lifts the restriction.
    assert (await Subscription.get(user_id="d-sub")).status == SubscriptionStatus.CANCELED
    assert (await Customer.get(user_id="d-sub")).purchase_restricted


async def test_lost_dispute_of_an_unredeemed_gift_keeps_the_code_revoked(world: StripeWorld) -> None:
    bought = await buy(world, "d-giver", request(ProductType.PREMIUM_MONTHLY, Currency.GBP, gift=True))
    dispute_id = await open_dispute(world, bought.payment)
    code = await GiftCode.get(payment_id=bought.payment.id)
    assert code.status == GiftCodeStatus.REVOKED
    await close_dispute(world, bought.payment, dispute_id, "lost")
    assert bought.payment.status == PaymentStatus.DISPUTED
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REVOKED
    with pytest.raises(BillingError) as refused:
        await redeem(world.services, "d-friend", code.code)
    assert refused.value.code == ErrorCode.GIFT_CODE_REVOKED


async def test_won_dispute_gives_a_redeemed_gift_its_time_back(world: StripeWorld) -> None:
    bought = await buy(world, "d-giver2", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=bought.payment.id)
    await redeem(world.services, "d-friend2", code.code)
    await world.advance(40 * DAY)  # a chargeback comes weeks later; 40 days were used
    dispute_id = await open_dispute(world, bought.payment)
    now = world.services.clock.now()
    assert not (await load_premium("d-friend2", now)).active, "the unused 325 days are taken back"
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REVOKED
    assert not (await Customer.get(user_id="d-friend2")).purchase_restricted, "the buyer disputed, not them"
    assert (await Customer.get(user_id="d-giver2")).purchase_restricted

    await close_dispute(world, bought.payment, dispute_id, "won")
    now = world.services.clock.now()
    premium = await load_premium("d-friend2", now)
    assert premium.active
    assert timedelta(days=320) < premium.until - now < timedelta(days=330), premium.until - now
    code = await GiftCode.get(id=code.id)
    assert code.status == GiftCodeStatus.REDEEMED and code.redeemed_by_user_id == "d-friend2"


async def test_lifted_restriction_stays_lifted_when_dispute_events_come_again(world: StripeWorld) -> None:
    bought = await buy(world, "d-lift", request(ProductType.PREMIUM_MONTHLY, gift=True))
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(
        bought.payment.stripe_payment_intent_id
    )
    await world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    events = await world.new_events()
    await world.deliver(events)
    assert (await Customer.get(user_id="d-lift")).purchase_restricted
    await set_restriction("d-lift", False, None, world.services.clock.now(), actor="support-1")
    await world.deliver(events)  # a redelivery, or a replay from the CLI
    assert not (await Customer.get(user_id="d-lift")).purchase_restricted
    await create_checkout(world.services, "d-lift", request(ProductType.PREMIUM_MONTHLY))


async def test_partially_refunded_payment_can_be_disputed(world: StripeWorld) -> None:
    bought = await buy(world, "d-partial", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await world.services.stripe.v1.refunds.create_async(
        params={"payment_intent": bought.payment.stripe_payment_intent_id, "amount": 200}
    )
    await world.deliver_new()
    await bought.payment.refresh_from_db()
    assert bought.payment.status == PaymentStatus.PARTIALLY_REFUNDED
    code = await GiftCode.get(payment_id=bought.payment.id)
    assert code.status == GiftCodeStatus.AVAILABLE, "a partial refund takes nothing back"
    dispute_id = await open_dispute(world, bought.payment)
    assert bought.payment.status == PaymentStatus.DISPUTED
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REVOKED
    await close_dispute(world, bought.payment, dispute_id, "won")
    assert bought.payment.status == PaymentStatus.COMPLETED
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.AVAILABLE


async def dispute_settled_before_we_hear(world: StripeWorld, user: str, outcome: str) -> list[dict]:
    """A subscriber disputes; Stripe closes the dispute before the gateway handles either event."""
    bought = await buy(world, user, request(ProductType.PREMIUM_MONTHLY))
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(
        bought.payment.stripe_payment_intent_id
    )
    dispute = await world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    await world.control(f"/_sandbox/disputes/{dispute['id']}/close", {"status": outcome})
    events = [e for e in await world.new_events() if e["type"].startswith("charge.dispute.")]
    reinstated = ["charge.dispute.funds_reinstated"] if outcome == "won" else []
    assert [e["type"] for e in events] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        *reinstated,
        "charge.dispute.closed",
    ]
    return events


async def outcome_of(world: StripeWorld, user: str) -> tuple[str, str, bool, bool]:
    """What the user and support see: payment status, subscription status, premium, restriction."""
    payment = await Payment.get(user_id=user)
    sub = await Subscription.get(user_id=user)
    premium = await load_premium(user, world.services.clock.now())
    restricted = (await Customer.get(user_id=user)).purchase_restricted
    return payment.status, sub.status, premium.active, restricted


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        # Lost: the chargeback stands; what it paid for is taken back and the account restricted.
        ("lost", (PaymentStatus.DISPUTED, SubscriptionStatus.CANCELED, False, True)),
        # Won before we heard of it: the money stayed with us, nothing to take back or restrict.
        ("won", (PaymentStatus.COMPLETED, SubscriptionStatus.ACTIVE, True, False)),
    ],
)
async def test_dispute_events_in_either_order_end_in_the_same_state(
    world: StripeWorld, outcome: str, expected: tuple[str, str, bool, bool]
) -> None:
    in_order = await dispute_settled_before_we_hear(world, f"d-order-{outcome}", outcome)
    reversed_ = await dispute_settled_before_we_hear(world, f"d-reverse-{outcome}", outcome)
    await world.deliver(in_order)
    await world.deliver(list(reversed(reversed_)))  # charge.dispute.closed first
    assert await outcome_of(world, f"d-order-{outcome}") == expected
    assert await outcome_of(world, f"d-reverse-{outcome}") == expected
    # Only the closed event arrives (created lost for good), then again: the same end.
    only_closed = await dispute_settled_before_we_hear(world, f"d-closed-{outcome}", outcome)
    await world.deliver([e for e in only_closed if e["type"] == "charge.dispute.closed"] * 2)
    assert await outcome_of(world, f"d-closed-{outcome}") == expected
