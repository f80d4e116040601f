"""Refunds through billing and the sandbox: support's refund, Stripe's events, what is taken back.

Stripe's side is driven through the SDK and the sandbox's control API; the
gateway's side is its real refund code and webhook handlers.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from billing import ids
from billing.checkout.sessions import create_checkout
from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from billing.payments.status import Happening
from billing.premium.rule import PremiumSource, load_premium
from billing.read_queries import refund_count
from billing.reversals.refunds import refund_happenings, refund_payment, refunded_amount
from billing.reversals.restrictions import set_restriction
from models import AuditEntry, Customer, GiftCode, Payment, Refund, Subscription
from models.enums import (
    AuditAction,
    Currency,
    GiftCodeStatus,
    PaymentStatus,
    ProductType,
    RefundReason,
    SubscriptionStatus,
)
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

DAY = 86_400
ADMIN = "support-1"


def gid(payment: Payment) -> str:
    return ids.encode("Payment", payment.id)


async def refund(world: StripeWorld, payment: Payment, **kwargs) -> Payment:
    """Support refunds; Stripe's events are then delivered to the gateway."""
    returned = await refund_payment(world.services, ADMIN, gid(payment), **kwargs)
    await world.deliver_new()
    await payment.refresh_from_db()
    return returned


async def stripe_refunds(world: StripeWorld, payment: Payment) -> list:
    listing = await world.services.stripe.v1.refunds.list_async(
        params={"payment_intent": payment.stripe_payment_intent_id}
    )
    return listing.data


async def test_refunded_subscription_payment_ends_the_subscription_at_once(world: StripeWorld) -> None:
    bought = await buy(world, "r-sub", request(ProductType.PREMIUM_MONTHLY))
    assert (await load_premium("r-sub", world.services.clock.now())).active

    returned = await refund(world, bought.payment, reason=RefundReason.DUPLICATE, note="asked by mail")
    assert returned.status == PaymentStatus.COMPLETED, "the status moves by Stripe's webhook, not here"

    payment = bought.payment
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, 499)
    assert payment.status_before_reversal == PaymentStatus.COMPLETED
    (row,) = await Refund.filter(payment_id=payment.id)
    assert (row.amount, row.currency, row.status, row.reason) == (499, "USD", "succeeded", "duplicate")
    assert (row.requested_by, row.note, row.user_id) == (ADMIN, "asked by mail", "r-sub")
    (in_stripe,) = await stripe_refunds(world, payment)
    assert in_stripe.metadata["payment_reference"] == payment.reference
    assert in_stripe.metadata["requested_by"] == ADMIN

    sub = await Subscription.get(user_id="r-sub")
    assert sub.status == SubscriptionStatus.CANCELED and sub.ended_at is not None
    stripe_sub = await world.services.stripe.v1.subscriptions.retrieve_async(sub.stripe_subscription_id)
    assert stripe_sub.status == "canceled", "cancelled in Stripe, not only in our row"
    assert not (await load_premium("r-sub", world.services.clock.now())).active
    # Nothing more is billed: a month later there is no renewal.
    await world.advance(35 * DAY)
    await world.deliver_new()
    assert await Payment.filter(user_id="r-sub").count() == 1


async def test_refunded_unredeemed_gift_revokes_its_code(world: StripeWorld) -> None:
    bought = await buy(world, "r-giver", request(ProductType.PREMIUM_YEARLY, Currency.EUR, gift=True))
    await refund(world, bought.payment)
    assert bought.payment.status == PaymentStatus.REFUNDED
    code = await GiftCode.get(payment_id=bought.payment.id)
    assert code.status == GiftCodeStatus.REVOKED and code.revoked_reason
    with pytest.raises(BillingError) as refused:
        await redeem(world.services, "r-friend", code.code)
    assert refused.value.code == ErrorCode.GIFT_CODE_REVOKED


async def test_refunded_redeemed_gift_takes_back_the_time_it_granted(world: StripeWorld) -> None:
    own = await buy(world, "r-friend2", request(ProductType.PREMIUM_MONTHLY, gift=True))
    own_code = await GiftCode.get(payment_id=own.payment.id)
    await redeem(world.services, "r-friend2", own_code.code)  # a month of their own
    bought = await buy(world, "r-giver2", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=bought.payment.id)
    now = world.services.clock.now()
    with_gift = await redeem(world.services, "r-friend2", code.code)
    assert with_gift.premium.until - now > timedelta(days=390)

    await world.advance(3 * DAY)
    await refund(world, bought.payment)
    now = world.services.clock.now()
    premium = await load_premium("r-friend2", now)
    assert premium.active and premium.source == PremiumSource.GIFT
    # The year stacked after their own month is gone; their own month is left.
    assert timedelta(days=24) < premium.until - now < timedelta(days=29), premium.until - now
    code = await GiftCode.get(id=code.id)
    assert code.status == GiftCodeStatus.REVOKED and code.redeemed_by_user_id == "r-friend2"


async def test_refunded_gift_applied_to_a_subscription_moves_the_next_charge_back(
    world: StripeWorld,
) -> None:
    await buy(world, "r-subscriber", request(ProductType.PREMIUM_MONTHLY))
    before = await Subscription.get(user_id="r-subscriber")
    bought = await buy(world, "r-giver3", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=bought.payment.id)
    await redeem(world.services, "r-subscriber", code.code)
    await world.deliver_new()
    moved = await Subscription.get(user_id="r-subscriber")
    assert moved.current_period_end >= before.current_period_end + timedelta(days=365)

    await refund(world, bought.payment)
    after = await Subscription.get(user_id="r-subscriber")
    stripe_sub = await world.services.stripe.v1.subscriptions.retrieve_async(after.stripe_subscription_id)
    assert stripe_sub.trial_end == int(before.current_period_end.timestamp()), "back to the paid period's end"
    assert after.current_period_end == before.current_period_end
    premium = await load_premium("r-subscriber", world.services.clock.now())
    assert premium.active and premium.until == before.current_period_end
    # And the subscriber is billed again when the paid month ends.
    await world.advance(32 * DAY)
    await world.deliver_new()
    assert await Payment.filter(user_id="r-subscriber", status=PaymentStatus.COMPLETED).count() == 2


async def test_what_cannot_be_refunded(world: StripeWorld) -> None:
    services = world.services
    with pytest.raises(BillingError) as unknown:
        await refund_payment(services, ADMIN, "not-an-id")
    assert (unknown.value.code, unknown.value.field) == (ErrorCode.NOT_FOUND, ["input", "paymentId"])
    bought = await buy(world, "r-rules", request(ProductType.PREMIUM_MONTHLY, gift=True))
    code = await GiftCode.get(payment_id=bought.payment.id)
    with pytest.raises(BillingError) as wrong_type:
        await refund_payment(services, ADMIN, ids.encode("GiftCode", code.id))
    assert wrong_type.value.code == ErrorCode.NOT_FOUND

    pending = await create_checkout(services, "r-rules", request(ProductType.PREMIUM_YEARLY, gift=True))
    with pytest.raises(BillingError) as not_paid:
        await refund_payment(services, ADMIN, gid(pending.payment))
    assert not_paid.value.code == ErrorCode.NOT_REFUNDABLE

    with pytest.raises(BillingError) as long_note:
        await refund_payment(services, ADMIN, gid(bought.payment), note="x" * 1001)
    assert long_note.value.code == ErrorCode.INVALID_INPUT

    await world.advance(14 * DAY + 3600)
    with pytest.raises(BillingError) as late:
        await refund_payment(services, ADMIN, gid(bought.payment))
    assert late.value.code == ErrorCode.REFUND_WINDOW_EXPIRED
    assert await stripe_refunds(world, bought.payment) == []


async def test_just_inside_the_window_and_refunded_twice(world: StripeWorld) -> None:
    bought = await buy(world, "r-window", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await world.advance(14 * DAY - 3600)
    await refund(world, bought.payment)
    assert bought.payment.status == PaymentStatus.REFUNDED
    with pytest.raises(BillingError) as again:
        await refund_payment(world.services, ADMIN, gid(bought.payment))
    assert again.value.code == ErrorCode.NOT_REFUNDABLE
    assert len(await stripe_refunds(world, bought.payment)) == 1


async def test_failed_refund_puts_status_and_code_back(world: StripeWorld) -> None:
    bought = await buy(world, "r-bank", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await refund(world, bought.payment)
    code = await GiftCode.get(payment_id=bought.payment.id)
    assert code.status == GiftCodeStatus.REVOKED
    (row,) = await Refund.filter(payment_id=bought.payment.id)

    await world.control(f"/_sandbox/refunds/{row.stripe_refund_id}/fail")
    await world.deliver_new()
    await bought.payment.refresh_from_db()
    await row.refresh_from_db()
    assert (bought.payment.status, bought.payment.amount_refunded) == (PaymentStatus.COMPLETED, 0)
    assert row.status == "failed"
    assert await refund_count("r-bank") == 0, "a failed refund is not counted"
    code = await GiftCode.get(id=code.id)
    assert code.status == GiftCodeStatus.AVAILABLE, "we kept the money: the code works again"
    await redeem(world.services, "r-bank-friend", code.code)

    # Support may try again: a new attempt in Stripe, not the failed one replayed.
    await refund(world, bought.payment)
    assert bought.payment.status == PaymentStatus.REFUNDED
    assert len(await stripe_refunds(world, bought.payment)) == 2
    assert not (await load_premium("r-bank-friend", world.services.clock.now())).active


async def test_partial_refund_in_the_dashboard_then_the_rest(world: StripeWorld) -> None:
    bought = await buy(world, "r-partial", request(ProductType.PREMIUM_MONTHLY))
    await world.services.stripe.v1.refunds.create_async(
        params={"payment_intent": bought.payment.stripe_payment_intent_id, "amount": 100}
    )
    await world.deliver_new()
    await bought.payment.refresh_from_db()
    assert (bought.payment.status, bought.payment.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 100)
    assert (await load_premium("r-partial", world.services.clock.now())).active, "a goodwill credit"
    assert await refund_count("r-partial") == 1

    await refund(world, bought.payment)
    assert (bought.payment.status, bought.payment.amount_refunded) == (PaymentStatus.REFUNDED, 499)
    assert [r.amount for r in await stripe_refunds(world, bought.payment)] == [399, 100]
    assert not (await load_premium("r-partial", world.services.clock.now())).active


async def test_second_refund_in_a_year_restricts_until_support_lifts_it(world: StripeWorld) -> None:
    first = await buy(world, "r-abuser", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await refund(world, first.payment)
    customer = await Customer.get(user_id="r-abuser")
    assert not customer.purchase_restricted, "one refund is fine"
    second = await buy(world, "r-abuser", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await refund(world, second.payment)
    await customer.refresh_from_db()
    assert customer.purchase_restricted and "2 refunds" in customer.restriction_reason
    with pytest.raises(BillingError) as blocked:
        await create_checkout(world.services, "r-abuser", request(ProductType.PREMIUM_MONTHLY))
    assert blocked.value.code == ErrorCode.PURCHASE_BLOCKED

    await set_restriction("r-abuser", False, None, world.services.clock.now(), actor="support-1")
    # Re-running every old event (redelivery, replay) does not restrict again.
    await world.deliver(sorted(await _all_events(world, "r-abuser"), key=lambda e: e["id"]))
    await customer.refresh_from_db()
    assert not customer.purchase_restricted and customer.restriction_reason is None
    await create_checkout(world.services, "r-abuser", request(ProductType.PREMIUM_MONTHLY))


async def test_refunds_more_than_a_window_apart_do_not_restrict(world: StripeWorld) -> None:
    first = await buy(world, "r-yearly", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await refund(world, first.payment)
    await world.advance(366 * DAY)
    second = await buy(world, "r-yearly", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await refund(world, second.payment)
    assert not (await Customer.get(user_id="r-yearly")).purchase_restricted
    assert await refund_count("r-yearly") == 2


async def _all_events(world: StripeWorld, user_id: str) -> list[dict]:
    listing = await world.sandbox.acontrol("/_sandbox/events")
    refs = set(await Payment.filter(user_id=user_id).values_list("stripe_payment_intent_id", flat=True))
    return [
        entry["event"]
        for entry in listing["data"]
        if entry["event"]["data"]["object"].get("payment_intent") in refs
    ]


async def test_refund_events_in_any_order_and_twice_end_the_same(world: StripeWorld) -> None:
    bought = await buy(world, "r-order", request(ProductType.PREMIUM_MONTHLY))
    await refund_payment(world.services, ADMIN, gid(bought.payment))
    events = await world.new_events()
    assert {e["type"] for e in events} >= {"charge.refunded", "refund.updated"}
    await world.deliver(list(reversed(events)))
    await world.deliver(events)
    await bought.payment.refresh_from_db()
    assert bought.payment.status == PaymentStatus.REFUNDED
    assert await Refund.filter(payment_id=bought.payment.id).count() == 1
    assert (await Subscription.get(user_id="r-order")).status == SubscriptionStatus.CANCELED


async def test_two_paid_subscription_checkouts_keep_the_first_and_refund_the_second(
    world: StripeWorld,
) -> None:
    """The race Stripe allows: both sessions paid before the gateway heard of either."""
    services = world.services
    first = await create_checkout(services, "r-double", request(ProductType.PREMIUM_MONTHLY))
    await world.control(f"/_sandbox/checkout/sessions/{first.session_id}/complete", {"outcome": "paid"})
    await world.advance(5)
    second = await create_checkout(services, "r-double", request(ProductType.PREMIUM_YEARLY))
    await world.control(f"/_sandbox/checkout/sessions/{second.session_id}/complete", {"outcome": "paid"})
    await world.deliver_new()
    await world.deliver_new()  # the cancel and refund made while handling them
    await first.payment.refresh_from_db()
    await second.payment.refresh_from_db()
    assert first.payment.status == PaymentStatus.COMPLETED
    assert second.payment.status == PaymentStatus.REFUNDED
    assert second.payment.amount_refunded == second.payment.amount
    subs = {s.stripe_subscription_id: s for s in await Subscription.filter(user_id="r-double")}
    assert subs[first.payment.stripe_subscription_id].status == SubscriptionStatus.ACTIVE
    assert subs[second.payment.stripe_subscription_id].status == SubscriptionStatus.CANCELED
    (row,) = await Refund.filter(user_id="r-double")
    assert row.reason == "duplicate"
    premium = await load_premium("r-double", services.clock.now())
    assert premium.active and premium.product_type == ProductType.PREMIUM_MONTHLY
    assert not (await Customer.get(user_id="r-double")).purchase_restricted, "our doing, not abuse"
    assert len(await stripe_refunds(world, second.payment)) == 1
    (entry,) = await AuditEntry.filter(user_id="r-double")
    assert (entry.action, entry.actor_id, entry.subject) == (
        AuditAction.DOUBLE_SUBSCRIPTION_REFUND,
        "system",
        second.payment.stripe_subscription_id,
    )


@pytest.mark.postgres_only
async def test_double_click_refunds_once(world: StripeWorld) -> None:
    """Eight concurrent refundPayment calls for one payment: one Stripe refund, one row."""
    bought = await buy(world, "r-click", request(ProductType.PREMIUM_YEARLY))
    results = await asyncio.gather(
        *(refund_payment(world.services, ADMIN, gid(bought.payment)) for _ in range(8)),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert len(await stripe_refunds(world, bought.payment)) == 1
    assert await Refund.filter(payment_id=bought.payment.id).count() == 1
    await world.deliver_new()
    await bought.payment.refresh_from_db()
    assert (bought.payment.status, bought.payment.amount_refunded) == (
        PaymentStatus.REFUNDED,
        bought.payment.amount,
    )
    assert not (await Customer.get(user_id="r-click")).purchase_restricted, "one refund, counted once"


async def test_refunded_subscription_keeps_the_gift_time_stacked_on_it(world: StripeWorld) -> None:
    bought = await buy(world, "r-stacked", request(ProductType.PREMIUM_MONTHLY))
    gift = await buy(world, "r-giver4", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=gift.payment.id)
    await redeem(world.services, "r-stacked", code.code)
    await world.deliver_new()
    assert (await Subscription.get(user_id="r-stacked")).status == SubscriptionStatus.TRIALING

    await refund(world, bought.payment)
    assert bought.payment.status == PaymentStatus.REFUNDED
    assert (await Subscription.get(user_id="r-stacked")).status == SubscriptionStatus.CANCELED
    now = world.services.clock.now()
    premium = await load_premium("r-stacked", now)
    # The refunded month is gone; the gifted year is theirs, now as gift time.
    assert premium.active and premium.source == PremiumSource.GIFT
    assert timedelta(days=364) < premium.until - now <= timedelta(days=366), premium.until - now
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REDEEMED


@pytest.mark.postgres_only
async def test_concurrent_deliveries_take_the_gift_time_back_once(world: StripeWorld) -> None:
    """Six replicas handle the same refund events at once: the redeemer loses the year once."""
    own = await buy(world, "r-race-friend", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await redeem(world.services, "r-race-friend", (await GiftCode.get(payment_id=own.payment.id)).code)
    bought = await buy(world, "r-race-giver", request(ProductType.PREMIUM_YEARLY, gift=True))
    await redeem(world.services, "r-race-friend", (await GiftCode.get(payment_id=bought.payment.id)).code)
    await refund_payment(world.services, ADMIN, gid(bought.payment))
    events = await world.new_events()
    results = await asyncio.gather(*(world.deliver(events) for _ in range(6)), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    now = world.services.clock.now()
    premium = await load_premium("r-race-friend", now)
    assert premium.active, "their own month is not taken as well"
    assert timedelta(days=27) < premium.until - now <= timedelta(days=31), premium.until - now
    await bought.payment.refresh_from_db()
    assert bought.payment.status == PaymentStatus.REFUNDED
    assert await Refund.filter(payment_id=bought.payment.id).count() == 1


@pytest.mark.postgres_only
async def test_double_subscription_handled_by_racing_replicas_refunds_once(world: StripeWorld) -> None:
    services = world.services
    first = await create_checkout(services, "r-double-race", request(ProductType.PREMIUM_MONTHLY))
    await world.control(f"/_sandbox/checkout/sessions/{first.session_id}/complete", {"outcome": "paid"})
    await world.advance(5)
    second = await create_checkout(services, "r-double-race", request(ProductType.PREMIUM_MONTHLY))
    await world.control(f"/_sandbox/checkout/sessions/{second.session_id}/complete", {"outcome": "paid"})
    events = await world.new_events()
    results = await asyncio.gather(
        world.deliver(events),
        world.deliver(list(reversed(events))),
        world.deliver(events),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    await world.deliver_new()
    await second.payment.refresh_from_db()
    assert second.payment.status == PaymentStatus.REFUNDED
    assert len(await stripe_refunds(world, second.payment)) == 1
    statuses = sorted(s.status for s in await Subscription.filter(user_id="r-double-race"))
    assert statuses == [SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED]
    actions = await AuditEntry.filter(user_id="r-double-race").values_list("action", flat=True)
    assert actions == [AuditAction.DOUBLE_SUBSCRIPTION_REFUND], "one decision, one row, however many replicas"


def test_a_failed_refund_does_not_count_even_before_the_charge_total_goes_down() -> None:
    charge = {
        "amount": 499,
        "amount_refunded": 499,  # as a charge may still say while the failure propagates
        "refunds": {"data": [{"amount": 499, "status": "failed"}], "has_more": False},
    }
    assert refunded_amount(charge) == 0
    assert refund_happenings(499, 0, PaymentStatus.REFUNDED) == [Happening.REFUND_FAILED]
    partly = {"amount": 499, "amount_refunded": 100, "refunds": {"data": [], "has_more": True}}
    assert refunded_amount(partly) == 100, "an incomplete list: Stripe's total is the truth"
    assert refund_happenings(499, 100, PaymentStatus.REFUNDED) == [
        Happening.REFUND_FAILED,
        Happening.REFUNDED_PARTIAL,
    ]
