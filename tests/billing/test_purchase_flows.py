"""Purchases end to end through billing and the sandbox: checkout, Stripe's events, final rows.

Stripe's side is driven only through the SDK and the sandbox's control API;
the gateway's side is its real checkout code and its real webhook handlers.
(The HTTP route in front of the handlers is tested in tests/e2e.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing.checkout.sessions import CheckoutRequest, create_checkout
from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from billing.premium.rule import PremiumSource, load_premium
from models import GiftCode, Invoice, Payment, Subscription
from models.enums import Currency, InvoiceStatus, PaymentStatus, ProductType, SubscriptionStatus
from stripe_sandbox.testing import ControlError
from tests.stripe_world import CANCEL_URL, SUCCESS_URL, StripeWorld

DAY = 86_400


def request(product: ProductType, currency: Currency = Currency.USD, *, gift: bool = False, key=None):
    return CheckoutRequest(product, gift, SUCCESS_URL, CANCEL_URL, currency, key)


async def buy(world: StripeWorld, user: str, req: CheckoutRequest, outcome: str = "paid", country="US"):
    result = await create_checkout(world.services, user, req)
    try:
        await world.control(
            f"/_sandbox/checkout/sessions/{result.session_id}/complete",
            {"outcome": outcome, "country": country},
        )
    except ControlError as exc:
        assert exc.status == 402 and outcome == "declined", exc  # the card error the page would show
    await world.deliver_new()
    await result.payment.refresh_from_db()
    return result


async def test_monthly_usd_subscription(world: StripeWorld) -> None:
    result = await buy(world, "alice", request(ProductType.PREMIUM_MONTHLY))
    payment = result.payment
    assert payment.status == PaymentStatus.COMPLETED
    assert (payment.amount, payment.currency, payment.is_gift) == (499, Currency.USD, False)
    assert payment.stripe_subscription_id and payment.stripe_invoice_id and payment.completed_at
    sub = await Subscription.get(user_id="alice")
    assert sub.status == SubscriptionStatus.ACTIVE and sub.price_amount == 499
    assert sub.stripe_subscription_id == payment.stripe_subscription_id
    invoice = await Invoice.get(stripe_invoice_id=payment.stripe_invoice_id)
    assert invoice.status == InvoiceStatus.PAID and invoice.total == 499 and invoice.amount_paid == 499
    assert await Payment.filter(user_id="alice").count() == 1, "first invoice counted twice"
    premium = await load_premium("alice", world.services.clock.now())
    assert premium.active and premium.source == PremiumSource.SUBSCRIPTION
    assert premium.until == sub.current_period_end


async def test_yearly_jpy_subscription_with_german_vat(world: StripeWorld) -> None:
    result = await buy(world, "kenji", request(ProductType.PREMIUM_YEARLY, Currency.JPY), country="DE")
    assert result.payment.status == PaymentStatus.COMPLETED
    assert (result.payment.amount, result.payment.currency) == (7800, Currency.JPY)
    invoice = await Invoice.get(user_id="kenji")
    assert invoice.total == 7800 and invoice.currency == Currency.JPY
    # 19 % included in 7800 JPY: 7800 - round(7800 / 1.19) = 1245
    assert invoice.tax == 1245, invoice.tax_breakdown
    assert invoice.tax_breakdown[0]["inclusive"] is True
    sub = await Subscription.get(user_id="kenji")
    assert (sub.current_period_end - sub.current_period_start) >= timedelta(days=365)


async def test_gift_bought_by_one_user_redeemed_by_another(world: StripeWorld) -> None:
    result = await buy(world, "giver", request(ProductType.PREMIUM_MONTHLY, Currency.EUR, gift=True))
    assert result.payment.status == PaymentStatus.COMPLETED and result.payment.is_gift
    code = await GiftCode.get(payment_id=result.payment.id)
    assert code.purchaser_user_id == "giver" and code.duration_months == 1
    now = world.services.clock.now()
    assert timedelta(days=364) < code.expires_at - now <= timedelta(days=366)
    assert not await Subscription.filter(user_id="giver").exists(), "a gift must not subscribe the buyer"

    redemption = await redeem(world.services, "friend", code.code.lower().replace("-", " "))
    assert redemption.premium.active and redemption.premium.source == PremiumSource.GIFT
    # A month from redemption: up to 31 days, and the moments between `now` and the redemption.
    assert timedelta(days=27) < redemption.premium.until - now <= timedelta(days=31, seconds=5)
    with pytest.raises(BillingError) as again:
        await redeem(world.services, "someone-else", code.code)
    assert again.value.code == ErrorCode.GIFT_CODE_ALREADY_REDEEMED
    assert not (await load_premium("giver", now)).active


async def test_gift_for_a_subscriber_moves_the_next_charge(world: StripeWorld) -> None:
    await buy(world, "sub", request(ProductType.PREMIUM_MONTHLY))
    before = await Subscription.get(user_id="sub")
    gift = await buy(world, "giver", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=gift.payment.id)
    await redeem(world.services, "sub", code.code)
    await world.deliver_new()
    after = await Subscription.get(user_id="sub")
    assert after.status == SubscriptionStatus.TRIALING, "the gift year is shown as a trial in Stripe"
    assert after.current_period_end >= before.current_period_end + timedelta(days=365)
    premium = await load_premium("sub", world.services.clock.now())
    assert premium.source == PremiumSource.SUBSCRIPTION and premium.until == after.current_period_end
    # Nothing was charged for the gifted time: advancing past the old period end bills nothing.
    await world.advance(40 * DAY)
    await world.deliver_new()
    assert await Payment.filter(user_id="sub").count() == 1


async def test_declined_card_leaves_payment_pending_with_the_failure(world: StripeWorld) -> None:
    result = await buy(world, "bob", request(ProductType.PREMIUM_MONTHLY, gift=True), outcome="declined")
    assert result.payment.status == PaymentStatus.PENDING  # Stripe lets the user try again
    assert result.payment.failure_code
    assert not (await load_premium("bob", world.services.clock.now())).active


async def test_delayed_method_that_settles(world: StripeWorld) -> None:
    result = await buy(
        world, "sepa", request(ProductType.PREMIUM_MONTHLY, Currency.EUR, gift=True), outcome="delayed"
    )
    assert result.payment.status == PaymentStatus.AWAITING_SETTLEMENT
    assert not await GiftCode.filter(payment_id=result.payment.id).exists()
    await world.control(
        f"/_sandbox/payment_intents/{result.payment.stripe_payment_intent_id}/settle", {"succeeded": True}
    )
    await world.deliver_new()
    await result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.COMPLETED
    assert await GiftCode.filter(payment_id=result.payment.id).count() == 1


async def test_delayed_method_that_fails(world: StripeWorld) -> None:
    result = await buy(world, "sepa2", request(ProductType.PREMIUM_MONTHLY, Currency.EUR), outcome="delayed")
    assert result.payment.status == PaymentStatus.AWAITING_SETTLEMENT
    await world.control(
        f"/_sandbox/payment_intents/{result.payment.stripe_payment_intent_id}/settle", {"succeeded": False}
    )
    await world.deliver_new()
    await result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.FAILED
    # Stripe keeps the subscription and retries the debit (PAST_DUE); the row mirrors that.
    assert (await Subscription.get(user_id="sepa2")).status == SubscriptionStatus.PAST_DUE


async def test_abandoned_checkout_expires(world: StripeWorld) -> None:
    result = await create_checkout(world.services, "quitter", request(ProductType.PREMIUM_MONTHLY))
    await world.advance(25 * 3600)
    await world.deliver_new()
    await result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.EXPIRED


async def test_renewal_then_failed_renewal(world: StripeWorld) -> None:
    first = await buy(world, "renewer", request(ProductType.PREMIUM_MONTHLY))
    await world.advance(32 * DAY)
    await world.deliver_new()
    renewals = await Payment.filter(user_id="renewer").exclude(id=first.payment.id)
    assert [(p.status, p.amount) for p in renewals] == [(PaymentStatus.COMPLETED, 499)]
    assert renewals[0].stripe_invoice_id != first.payment.stripe_invoice_id
    assert await Invoice.filter(user_id="renewer").count() == 2

    customer = (await Subscription.get(user_id="renewer")).stripe_customer_id
    await world.control(f"/_sandbox/customers/{customer}/card", {"outcome": "declined"})
    await world.advance(31 * DAY)
    await world.deliver_new()
    sub = await Subscription.get(user_id="renewer")
    assert sub.status == SubscriptionStatus.PAST_DUE
    failed = await Payment.filter(user_id="renewer", status=PaymentStatus.FAILED)
    assert len(failed) == 1
    premium = await load_premium("renewer", world.services.clock.now())
    assert premium.active, "Stripe is still retrying: access continues while PAST_DUE"


async def test_second_subscription_is_refused(world: StripeWorld) -> None:
    await buy(world, "twice", request(ProductType.PREMIUM_MONTHLY))
    with pytest.raises(BillingError) as refused:
        await create_checkout(world.services, "twice", request(ProductType.PREMIUM_YEARLY))
    assert refused.value.code == ErrorCode.ALREADY_SUBSCRIBED
    # A gift is still fine.
    await create_checkout(world.services, "twice", request(ProductType.PREMIUM_YEARLY, gift=True))


async def test_idempotency_key_returns_the_same_checkout(world: StripeWorld) -> None:
    first = await create_checkout(world.services, "idem", request(ProductType.PREMIUM_MONTHLY, key="k-1"))
    again = await create_checkout(world.services, "idem", request(ProductType.PREMIUM_MONTHLY, key="k-1"))
    assert (again.session_id, again.payment.id) == (first.session_id, first.payment.id)
    with pytest.raises(BillingError) as reused:
        await create_checkout(world.services, "idem", request(ProductType.PREMIUM_YEARLY, key="k-1"))
    assert reused.value.code == ErrorCode.IDEMPOTENCY_KEY_REUSED
    # Another user's identical key is theirs alone.
    other = await create_checkout(world.services, "idem2", request(ProductType.PREMIUM_MONTHLY, key="k-1"))
    assert other.session_id != first.session_id
    assert await Payment.filter(user_id="idem").count() == 1
