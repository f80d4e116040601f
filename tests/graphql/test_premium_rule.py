"""The one Premium rule (billing.premium.rule), as a pure function and through its loaders."""

from __future__ import annotations

from datetime import timedelta

from billing.notifications.access import record_access
from billing.premium.rule import (
    PremiumSource,
    SubscriptionFacts,
    derive,
    load_premium,
    next_access_window,
)
from models import Customer
from models.enums import BillingCycle, GiftCodeStatus, ProductType, SubscriptionStatus
from tests import factories as f
from tests.factories import NOW

DAY = timedelta(days=1)


def sub(
    status=SubscriptionStatus.ACTIVE, end=NOW + 10 * DAY, cancel=False, yearly=False
) -> SubscriptionFacts:
    return SubscriptionFacts(
        status=status,
        product_type=ProductType.PREMIUM_YEARLY if yearly else ProductType.PREMIUM_MONTHLY,
        billing_cycle=BillingCycle.YEARLY if yearly else BillingCycle.MONTHLY,
        current_period_start=end - 30 * DAY,
        current_period_end=end,
        cancel_at_period_end=cancel,
    )


def test_no_rows_no_premium():
    state = derive(now=NOW)
    assert (state.active, state.source, state.until, state.since) == (False, PremiumSource.NONE, None, None)


def test_statuses_that_give_access():
    for status in SubscriptionStatus:
        state = derive(now=NOW, subscriptions=[sub(status)])
        gives = status in (
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.TRIALING,
            SubscriptionStatus.PAST_DUE,
        )
        assert state.active is gives, status
        assert state.source is (PremiumSource.SUBSCRIPTION if gives else PremiumSource.NONE)


def test_period_end_is_the_limit():
    assert derive(now=NOW, subscriptions=[sub(end=NOW)]).active is False
    assert derive(now=NOW, subscriptions=[sub(end=NOW + timedelta(seconds=1))]).active is True


def test_subscription_wins_over_gift_and_until_is_the_later_end():
    state = derive(
        now=NOW,
        subscriptions=[sub(end=NOW + 5 * DAY, cancel=True, yearly=True)],
        gift_until=NOW + 40 * DAY,
        last_gift_product=ProductType.PREMIUM_MONTHLY,
    )
    assert state.source is PremiumSource.SUBSCRIPTION
    assert state.until == NOW + 40 * DAY
    assert state.product_type is ProductType.PREMIUM_YEARLY and state.billing_cycle is BillingCycle.YEARLY
    assert state.will_cancel is True


def test_gift_only():
    state = derive(now=NOW, gift_until=NOW + DAY, last_gift_product=ProductType.PREMIUM_YEARLY)
    assert state.source is PremiumSource.GIFT and state.until == NOW + DAY
    assert state.billing_cycle is BillingCycle.YEARLY and state.will_cancel is False
    assert derive(now=NOW, gift_until=NOW).active is False


def test_since_trusts_the_stored_stretch_only_while_it_is_current():
    stored = derive(now=NOW, subscriptions=[sub()], access_since=NOW - 90 * DAY, access_until=NOW + 10 * DAY)
    assert stored.since == NOW - 90 * DAY
    stale = derive(now=NOW, subscriptions=[sub()], access_since=NOW - 90 * DAY, access_until=NOW - 60 * DAY)
    assert stale.since == NOW + 10 * DAY - 30 * DAY  # the live period's start


def test_access_window_keeps_an_unbroken_stretch_across_a_late_renewal():
    renewed = derive(now=NOW, subscriptions=[sub(end=NOW + 29 * DAY)])  # period began yesterday
    since, until = next_access_window(
        previous_since=NOW - 60 * DAY,
        previous_until=NOW - DAY,  # old period ended yesterday; the webhook came today
        state=renewed,
        resumes_from=NOW - DAY,
    )
    assert (since, until) == (NOW - 60 * DAY, NOW + 29 * DAY)
    lapsed = next_access_window(
        previous_since=NOW - 60 * DAY, previous_until=NOW - 5 * DAY, state=renewed, resumes_from=NOW
    )
    assert lapsed == (NOW, NOW + 29 * DAY)
    assert next_access_window(
        previous_since=NOW, previous_until=NOW, state=derive(now=NOW), resumes_from=NOW
    ) == (None, None)


async def test_loader_and_record_access(db):
    await f.customer("u1", gift_until=NOW + 3 * DAY)
    await f.gift_purchase(
        "u2",
        product_type=ProductType.PREMIUM_YEARLY,
        code_kw={"status": GiftCodeStatus.REDEEMED, "redeemed_by_user_id": "u1", "redeemed_at": NOW - DAY},
    )
    state = await load_premium("u1", NOW)
    assert state.source is PremiumSource.GIFT and state.product_type is ProductType.PREMIUM_YEARLY
    assert state.since is None  # nothing recorded yet
    recorded = await record_access("u1", NOW)
    assert recorded.since == NOW and recorded.until == NOW + 3 * DAY
    customer = await Customer.get(user_id="u1")
    assert (customer.access_since, customer.access_until) == (NOW, NOW + 3 * DAY)
    assert (await load_premium("u1", NOW + DAY)).since == NOW
    # Time runs out, then access is granted again: a new stretch.
    later = NOW + 10 * DAY
    await customer.save_versioned(gift_until=later + 5 * DAY)
    again = await record_access("u1", later)
    assert again.since == later
    # A user without a Customer row has nothing to record.
    assert (await record_access("nobody", NOW)).active is False
