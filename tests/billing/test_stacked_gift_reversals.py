"""A gift redeemed on the buyer's own subscription, then both payments reversed, in both orders, by
refund and by chargeback (issue 13, item 1): what a reversed payment granted is taken back exactly
once, and what a restored payment granted is given back exactly once.

The hole this closes: reversing the subscription first turned the stacked gift time into gift time
counted from now, but the gift code still named its old stretch, so reversing the gift took nothing
back (a year of Premium stayed), and winning the gift's dispute then added the whole year again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing.gifts.redeem import redeem
from billing.premium.rule import PremiumSource, load_premium
from models import GiftCode, Payment, Refund, Subscription
from models.enums import GiftCodeStatus, ProductType, SubscriptionStatus
from tests.billing.test_disputes import open_dispute
from tests.billing.test_purchase_flows import buy, request
from tests.billing.test_refunds import refund
from tests.stripe_world import StripeWorld

YEAR = timedelta(days=365)


async def reverse(world: StripeWorld, payment: Payment, how: str) -> str | None:
    """Refund (support) or charge back `payment`; the dispute's id for a chargeback."""
    if how == "refund":
        await refund(world, payment)
        return None
    return await open_dispute(world, payment)


async def restore(world: StripeWorld, payment: Payment, how: str, dispute_id: str | None) -> list[dict]:
    """The reversal does not stand: the refund fails, or the dispute is won; the events it made."""
    if how == "refund":
        (row,) = await Refund.filter(payment_id=payment.id)
        await world.control(f"/_sandbox/refunds/{row.stripe_refund_id}/fail")
    else:
        await world.control(f"/_sandbox/disputes/{dispute_id}/close", {"status": "won"})
    events = await world.deliver_new()
    await payment.refresh_from_db()
    return events


@pytest.mark.parametrize("how", ["refund", "chargeback"])
@pytest.mark.parametrize("order", ["subscription first", "gift first"])
async def test_stacked_gift_reversed_in_any_order_then_restored_once(
    world: StripeWorld, how: str, order: str
) -> None:
    user = f"stack-{how}-{order.split()[0]}"
    own = await buy(world, user, request(ProductType.PREMIUM_MONTHLY))
    gift = await buy(world, user, request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=gift.payment.id)
    await redeem(world.services, user, code.code)
    await world.deliver_new()
    assert (await Subscription.get(user_id=user)).status == SubscriptionStatus.TRIALING

    first, second = (own, gift) if order == "subscription first" else (gift, own)
    disputes = {}
    disputes[first.payment.id] = await reverse(world, first.payment, how)
    disputes[second.payment.id] = await reverse(world, second.payment, how)
    now = world.services.clock.now()
    premium = await load_premium(user, now)
    assert not premium.active, f"both payments reversed, yet Premium until {premium.until}"
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REVOKED

    # The gift's reversal does not stand: exactly the gift's year comes back, as gift time, once.
    events = await restore(world, gift.payment, how, disputes[gift.payment.id])
    premium = await load_premium(user, now)
    assert premium.active and premium.source == PremiumSource.GIFT
    assert YEAR - timedelta(days=1) < premium.until - now <= YEAR + timedelta(days=1), premium.until - now
    until = premium.until
    await world.deliver(events)  # Stripe delivers again: nothing more is given back
    assert (await load_premium(user, now)).until == until
    assert (await GiftCode.get(id=code.id)).status == GiftCodeStatus.REDEEMED
