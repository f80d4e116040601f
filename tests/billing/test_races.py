"""Races on PostgreSQL: many concurrent callers, exactly one effect.

These run real concurrent statements over a pool of connections (asyncio
tasks, each with its own connection from the pool), against real PostgreSQL;
on SQLite they are skipped (a single writer cannot race).
"""

from __future__ import annotations

import asyncio

import pytest

from billing.checkout.sessions import MAX_OPEN_GIFT_CHECKOUTS, create_checkout
from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from models import Customer, GiftCode, Payment
from models.enums import ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

pytestmark = pytest.mark.postgres_only


async def test_fifty_concurrent_redemptions_of_one_code_have_one_winner(world: StripeWorld) -> None:
    gift = await buy(world, "giver", request(ProductType.PREMIUM_MONTHLY, gift=True))
    code = await GiftCode.get(payment_id=gift.payment.id)
    users = [f"racer-{i}" for i in range(50)]
    results = await asyncio.gather(
        *(redeem(world.services, user, code.code) for user in users), return_exceptions=True
    )
    winners = [u for u, r in zip(users, results, strict=True) if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert all(
        isinstance(r, BillingError) and r.code == ErrorCode.GIFT_CODE_ALREADY_REDEEMED for r in losers
    ), {repr(r) for r in losers}
    await code.refresh_from_db()
    assert code.redeemed_by_user_id == winners[0]
    granted = await Customer.filter(user_id__in=users, gift_until__isnull=False).values_list(
        "user_id", flat=True
    )
    assert granted == winners, "only the winner got time"


async def test_concurrent_first_purchases_make_one_stripe_customer(world: StripeWorld) -> None:
    """Ten gift checkouts at once by a user Stripe has never seen: one customer for all; the cap
    on open gift checkouts holds (the ones past it are refused and their sessions expired)."""
    outcomes = await asyncio.gather(
        *(
            create_checkout(world.services, "newbie", request(ProductType.PREMIUM_MONTHLY, gift=True))
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(results) == MAX_OPEN_GIFT_CHECKOUTS, refused
    assert all(isinstance(e, BillingError) and e.code == ErrorCode.RATE_LIMITED for e in refused), refused
    customers = {r.payment.stripe_customer_id for r in results}
    assert len(customers) == 1 and None not in customers
    assert await Customer.filter(user_id="newbie").count() == 1
    assert (await Customer.get(user_id="newbie")).stripe_customer_id == customers.pop()
    listed = await world.services.stripe.v1.customers.list_async(params={"limit": 100})
    assert sum(1 for c in listed.data if c.to_dict().get("metadata", {}).get("user_id") == "newbie") == 1


async def test_concurrent_checkouts_with_one_idempotency_key_make_one_session(world: StripeWorld) -> None:
    req = request(ProductType.PREMIUM_MONTHLY, key="double-click")
    results = await asyncio.gather(*(create_checkout(world.services, "clicker", req) for _ in range(10)))
    assert len({r.session_id for r in results}) == 1
    assert len({r.payment.id for r in results}) == 1
    assert await Payment.filter(user_id="clicker").count() == 1


async def test_concurrent_deliveries_of_a_gift_completion_issue_one_code(world: StripeWorld) -> None:
    result = await create_checkout(world.services, "gifter", request(ProductType.PREMIUM_YEARLY, gift=True))
    await world.control(f"/_sandbox/checkout/sessions/{result.session_id}/complete", {"outcome": "paid"})
    events = await world.new_events()
    completed = [e for e in events if e["type"] == "checkout.session.completed"]
    assert len(completed) == 1
    await asyncio.gather(*(world.deliver(completed) for _ in range(20)))
    assert await GiftCode.filter(payment_id=result.payment.id).count() == 1
    await result.payment.refresh_from_db()
    assert result.payment.status == "COMPLETED"
