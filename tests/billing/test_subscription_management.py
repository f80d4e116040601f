"""Cancel, reactivate and failed renewals, through billing and the sandbox (Stripe's side over HTTP).

What a user notices: the answer of each call, `premium` (active, until,
willCancel) now and after Stripe's clock passes the period end, and that
Stripe itself holds what the gateway shows. Concurrency claims run on
PostgreSQL with real concurrent tasks (`postgres_only`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from billing.premium.rule import PremiumSource, load_premium
from billing.read_queries import current_subscription
from billing.subscriptions.actions import (
    CancelRequest,
    cancel_subscription,
    reactivate_subscription,
    write_back,
)
from models import GiftCode, Payment, Subscription
from models.enums import CancellationReason, PaymentStatus, ProductType, SubscriptionStatus
from tests.billing.test_provider_errors import closed_port, services_at
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

DAY = 86_400


async def subscribe(world: StripeWorld, user: str, product: ProductType = ProductType.PREMIUM_MONTHLY):
    await buy(world, user, request(product))
    return await Subscription.get(user_id=user)


async def stripe_sub(world: StripeWorld, subscription_id: str) -> dict:
    """Stripe's own view of the subscription (not the gateway's row)."""
    return (await world.services.stripe.v1.subscriptions.retrieve_async(subscription_id)).to_dict()


async def error_of(awaitable) -> BillingError:
    with pytest.raises(BillingError) as caught:
        await awaitable
    return caught.value


# --- cancel ------------------------------------------------------------------------------------


async def test_cancel_keeps_premium_until_period_end_then_stripe_ends_it(world: StripeWorld) -> None:
    sub = await subscribe(world, "leaver")
    request_ = CancelRequest(CancellationReason.TOO_EXPENSIVE, "  Too pricey for me.  ")
    row = await cancel_subscription(world.services, "leaver", request_)

    # The answer is current without waiting for the webhook, and it is what Stripe holds.
    assert row.cancel_at_period_end and row.version > sub.version
    assert (row.cancellation_reason, row.cancellation_feedback) == (
        CancellationReason.TOO_EXPENSIVE,
        "Too pricey for me.",
    )
    remote = await stripe_sub(world, sub.stripe_subscription_id)
    assert remote["cancel_at_period_end"] is True
    assert remote["cancellation_details"]["feedback"] == "too_expensive"
    assert remote["cancellation_details"]["comment"] == "Too pricey for me."

    now = world.services.clock.now()
    premium = await load_premium("leaver", now)
    assert premium.active and premium.will_cancel and premium.until == sub.current_period_end
    await world.deliver_new()  # the webhook of the change agrees
    assert (await Subscription.get(id=sub.id)).cancel_at_period_end

    # Stripe ends it at the period end: access ends then, and nothing renews.
    await world.advance(int((sub.current_period_end - now).total_seconds()) - 60)
    await world.deliver_new()
    assert (await load_premium("leaver", world.services.clock.now())).active, "paid time is kept"
    await world.advance(2 * 3600)
    await world.deliver_new()
    ended = await Subscription.get(id=sub.id)
    assert ended.status == SubscriptionStatus.CANCELED and ended.ended_at is not None
    assert not (await load_premium("leaver", world.services.clock.now())).active
    assert await current_subscription("leaver") is None
    assert await Payment.filter(user_id="leaver").count() == 1, "a cancelled subscription renewed"


async def test_cancel_without_reason_or_feedback(world: StripeWorld) -> None:
    sub = await subscribe(world, "quiet")
    row = await cancel_subscription(world.services, "quiet", CancelRequest())
    assert row.cancel_at_period_end
    assert (row.cancellation_reason, row.cancellation_feedback) == (None, None)
    remote = await stripe_sub(world, sub.stripe_subscription_id)
    assert remote["cancel_at_period_end"] is True and remote["cancellation_details"]["feedback"] is None


async def test_cancelling_twice_is_refused_and_keeps_the_first_feedback(world: StripeWorld) -> None:
    sub = await subscribe(world, "twice")
    await cancel_subscription(world.services, "twice", CancelRequest(CancellationReason.UNUSED, "first"))
    again = await error_of(
        cancel_subscription(world.services, "twice", CancelRequest(CancellationReason.OTHER, "second"))
    )
    assert again.code == ErrorCode.SUBSCRIPTION_ALREADY_CANCELING
    remote = await stripe_sub(world, sub.stripe_subscription_id)
    assert remote["cancellation_details"]["comment"] == "first"
    assert (await Subscription.get(id=sub.id)).cancellation_feedback == "first"


async def test_nothing_to_cancel(world: StripeWorld) -> None:
    assert (await error_of(cancel_subscription(world.services, "nobody", CancelRequest()))).code == (
        ErrorCode.NO_ACTIVE_SUBSCRIPTION
    )
    # A gift buyer has paid, but has no subscription.
    await buy(world, "gift-buyer", request(ProductType.PREMIUM_MONTHLY, gift=True))
    failure = await error_of(cancel_subscription(world.services, "gift-buyer", CancelRequest()))
    assert failure.code == ErrorCode.NO_ACTIVE_SUBSCRIPTION


async def test_feedback_longer_than_1000_characters_is_invalid(world: StripeWorld) -> None:
    sub = await subscribe(world, "verbose")
    failure = await error_of(
        cancel_subscription(world.services, "verbose", CancelRequest(feedback="x" * 1001))
    )
    assert (failure.code, failure.field) == (ErrorCode.INVALID_INPUT, ["input", "feedback"])
    assert not (await stripe_sub(world, sub.stripe_subscription_id))["cancel_at_period_end"]
    control = await error_of(cancel_subscription(world.services, "verbose", CancelRequest(feedback="a\x00b")))
    assert control.field == ["input", "feedback"]
    row = await cancel_subscription(world.services, "verbose", CancelRequest(feedback="é" * 1000))
    assert row.cancellation_feedback == "é" * 1000


async def test_another_users_subscription_is_untouched(world: StripeWorld) -> None:
    sub = await subscribe(world, "owner")
    failure = await error_of(cancel_subscription(world.services, "intruder", CancelRequest()))
    assert failure.code == ErrorCode.NO_ACTIVE_SUBSCRIPTION
    assert not (await stripe_sub(world, sub.stripe_subscription_id))["cancel_at_period_end"]


async def test_gift_time_outlasts_a_cancelled_subscription(world: StripeWorld) -> None:
    gift = await buy(world, "giver", request(ProductType.PREMIUM_YEARLY, gift=True))
    code = await GiftCode.get(payment_id=gift.payment.id)
    await redeem(world.services, "gifted", code.code)
    sub = await subscribe(world, "gifted")
    await cancel_subscription(world.services, "gifted", CancelRequest(CancellationReason.SWITCHED_SERVICE))
    premium = await load_premium("gifted", world.services.clock.now())
    assert premium.source == PremiumSource.SUBSCRIPTION and premium.will_cancel
    gift_until = premium.until

    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 3600)
    await world.deliver_new()
    assert (await Subscription.get(id=sub.id)).status == SubscriptionStatus.CANCELED
    after = await load_premium("gifted", world.services.clock.now())
    assert after.active and after.source == PremiumSource.GIFT and not after.will_cancel
    assert after.until == gift_until and after.until > sub.current_period_end + timedelta(days=300)


async def test_gift_redeemed_while_cancelling_moves_the_end(world: StripeWorld) -> None:
    """Stripe moves the pending cancel with the gifted trial: access runs to the new end."""
    sub = await subscribe(world, "late-gift")
    await cancel_subscription(world.services, "late-gift", CancelRequest())
    gift = await buy(world, "giver2", request(ProductType.PREMIUM_MONTHLY, gift=True))
    await redeem(world.services, "late-gift", (await GiftCode.get(payment_id=gift.payment.id)).code)
    await world.deliver_new()
    moved = await Subscription.get(id=sub.id)
    assert moved.cancel_at_period_end and moved.current_period_end > sub.current_period_end + timedelta(
        days=27
    )
    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 3600)
    await world.deliver_new()
    premium = await load_premium("late-gift", world.services.clock.now())
    assert premium.active and premium.until == moved.current_period_end and premium.will_cancel
    await world.advance(int((moved.current_period_end - world.services.clock.now()).total_seconds()) + 3600)
    await world.deliver_new()
    assert (await Subscription.get(id=sub.id)).status == SubscriptionStatus.CANCELED
    assert not (await load_premium("late-gift", world.services.clock.now())).active
    assert await Payment.filter(user_id="late-gift").count() == 1


# --- reactivate --------------------------------------------------------------------------------


async def test_reactivate_undoes_the_cancel_and_it_renews(world: StripeWorld) -> None:
    sub = await subscribe(world, "comeback")
    await cancel_subscription(world.services, "comeback", CancelRequest(CancellationReason.OTHER, "hmm"))
    row = await reactivate_subscription(world.services, "comeback")
    assert not row.cancel_at_period_end
    remote = await stripe_sub(world, sub.stripe_subscription_id)
    assert remote["cancel_at_period_end"] is False and remote["cancel_at"] is None
    premium = await load_premium("comeback", world.services.clock.now())
    assert premium.active and not premium.will_cancel
    await world.deliver_new()

    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 2 * 3600)
    await world.deliver_new()
    renewed = await Subscription.get(id=sub.id)
    assert renewed.status == SubscriptionStatus.ACTIVE and renewed.current_period_end > sub.current_period_end
    statuses = await Payment.filter(user_id="comeback").order_by("id").values_list("status", flat=True)
    assert statuses == [PaymentStatus.COMPLETED, PaymentStatus.COMPLETED]


async def test_reactivate_errors(world: StripeWorld) -> None:
    assert (await error_of(reactivate_subscription(world.services, "never"))).code == (
        ErrorCode.NO_ACTIVE_SUBSCRIPTION
    )
    sub = await subscribe(world, "steady")
    assert (await error_of(reactivate_subscription(world.services, "steady"))).code == (
        ErrorCode.SUBSCRIPTION_NOT_CANCELING
    )
    await cancel_subscription(world.services, "steady", CancelRequest())
    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 3600)
    await world.deliver_new()
    failure = await error_of(reactivate_subscription(world.services, "steady"))
    assert failure.code == ErrorCode.SUBSCRIPTION_NOT_REACTIVATABLE
    assert (await error_of(cancel_subscription(world.services, "steady", CancelRequest()))).code == (
        ErrorCode.NO_ACTIVE_SUBSCRIPTION
    )


async def test_a_change_stripe_made_without_telling_us_is_learnt_and_judged(world: StripeWorld) -> None:
    """The webhook that ended it was lost: Stripe refuses, the gateway re-reads and answers truthfully."""
    sub = await subscribe(world, "stale")
    await world.services.stripe.v1.subscriptions.cancel_async(sub.stripe_subscription_id)
    await world.new_events()  # dropped: the gateway never hears of it
    failure = await error_of(cancel_subscription(world.services, "stale", CancelRequest()))
    assert failure.code == ErrorCode.NO_ACTIVE_SUBSCRIPTION
    assert (await Subscription.get(id=sub.id)).status == SubscriptionStatus.CANCELED
    assert not (await load_premium("stale", world.services.clock.now())).active


async def test_stripe_unreachable_gives_provider_error_and_changes_nothing(world: StripeWorld) -> None:
    sub = await subscribe(world, "offline")
    down = services_at(closed_port(), world)
    failure = await error_of(cancel_subscription(down, "offline", CancelRequest()))
    assert failure.code == ErrorCode.PAYMENT_PROVIDER_ERROR
    row = await Subscription.get(id=sub.id)
    assert not row.cancel_at_period_end and row.version == sub.version
    # Once Stripe answers again the same request goes through.
    assert (await cancel_subscription(world.services, "offline", CancelRequest())).cancel_at_period_end


async def test_an_older_answer_written_last_does_not_stick(world: StripeWorld) -> None:
    """A slow caller's Stripe answer can predate another caller's change: it must not win in the row."""
    sub = await subscribe(world, "slowpoke")
    await cancel_subscription(world.services, "slowpoke", CancelRequest())
    await reactivate_subscription(world.services, "slowpoke")
    slow_answer = await stripe_sub(world, sub.stripe_subscription_id)  # not cancelling
    await cancel_subscription(world.services, "slowpoke", CancelRequest(feedback="final answer"))
    row = await write_back(world.services, slow_answer)  # arrives last
    assert row.cancel_at_period_end and row.cancellation_feedback == "final answer"
    stored = await Subscription.get(id=sub.id)
    assert stored.cancel_at_period_end and stored.version == row.version
    assert (await load_premium("slowpoke", world.services.clock.now())).will_cancel


# --- failed renewals ---------------------------------------------------------------------------


@pytest.fixture
async def retries_exhausted(world: StripeWorld) -> AsyncIterator[callable]:
    """Set Stripe's "after all retries fail" setting for one test; the sandbox default comes back after."""

    async def choose(outcome: str) -> None:
        await world.control("/_sandbox/settings", {"retries_exhausted": outcome})

    yield choose
    await world.control("/_sandbox/settings", {"retries_exhausted": "canceled"})


async def _renewal_declined(world: StripeWorld, user: str) -> Subscription:
    sub = await subscribe(world, user)
    await world.control(f"/_sandbox/customers/{sub.stripe_customer_id}/card", {"outcome": "declined"})
    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 2 * 3600)
    await world.deliver_new()
    return await Subscription.get(id=sub.id)


@pytest.mark.parametrize(
    ("outcome", "final"), [("canceled", SubscriptionStatus.CANCELED), ("unpaid", SubscriptionStatus.UNPAID)]
)
async def test_access_continues_while_stripe_retries_and_ends_when_it_gives_up(
    world: StripeWorld, retries_exhausted, outcome: str, final: SubscriptionStatus
) -> None:
    user = f"declined-{outcome}"
    await retries_exhausted(outcome)
    sub = await _renewal_declined(world, user)
    assert sub.status == SubscriptionStatus.PAST_DUE
    premium = await load_premium(user, world.services.clock.now())
    assert premium.active and premium.source == PremiumSource.SUBSCRIPTION, "Stripe is still retrying"
    assert await Payment.filter(user_id=user, status=PaymentStatus.FAILED).count() == 1

    await world.advance(7 * DAY)  # half-way through Stripe's retries
    await world.deliver_new()
    assert (await Subscription.get(id=sub.id)).status == SubscriptionStatus.PAST_DUE
    assert (await load_premium(user, world.services.clock.now())).active

    await world.advance(7 * DAY)  # past the last retry (13 days after the first try)
    await world.deliver_new()
    assert (await Subscription.get(id=sub.id)).status == final
    assert not (await load_premium(user, world.services.clock.now())).active
    visible = await current_subscription(user)
    # UNPAID has not ended (Stripe keeps it; paying the invoice revives it), CANCELED has.
    assert (visible is not None) == (final == SubscriptionStatus.UNPAID)


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


def _outcomes(results: list) -> tuple[list, list[ErrorCode]]:
    wins = [r for r in results if isinstance(r, Subscription)]
    codes = [r.code for r in results if isinstance(r, BillingError)]
    others = [r for r in results if not isinstance(r, Subscription | BillingError)]
    assert not others, others
    return wins, codes


async def _updates_of(world: StripeWorld, subscription_id: str) -> list[dict]:
    return [
        e["data"]["object"]
        for e in await world.new_events()
        if e["type"] == "customer.subscription.updated" and e["data"]["object"]["id"] == subscription_id
    ]


@pytest.mark.postgres_only
async def test_concurrent_cancels_have_one_winner_whose_feedback_is_kept(world: StripeWorld) -> None:
    sub = await subscribe(world, "clicker")
    await world.new_events()
    feedbacks = [f"reason number {i}" for i in range(10)]
    results = await asyncio.gather(
        *(cancel_subscription(world.services, "clicker", CancelRequest(feedback=f)) for f in feedbacks),
        return_exceptions=True,
    )
    wins, codes = _outcomes(results)
    assert len(wins) == 1 and set(codes) == {ErrorCode.SUBSCRIPTION_ALREADY_CANCELING}, results
    winner = feedbacks[results.index(wins[0])]
    row = await Subscription.get(id=sub.id)
    remote = await stripe_sub(world, sub.stripe_subscription_id)
    assert row.cancellation_feedback == remote["cancellation_details"]["comment"] == winner
    assert row.cancel_at_period_end and remote["cancel_at_period_end"]
    assert len(await _updates_of(world, sub.stripe_subscription_id)) == 1, "Stripe was changed more than once"


@pytest.mark.postgres_only
async def test_concurrent_reactivations_change_stripe_once(world: StripeWorld) -> None:
    sub = await subscribe(world, "undoer")
    await cancel_subscription(world.services, "undoer", CancelRequest())
    await world.new_events()
    results = await asyncio.gather(
        *(reactivate_subscription(world.services, "undoer") for _ in range(10)), return_exceptions=True
    )
    wins, codes = _outcomes(results)
    assert wins and set(codes) <= {ErrorCode.SUBSCRIPTION_NOT_CANCELING}, results
    assert all(not w.cancel_at_period_end for w in wins)
    assert len(await _updates_of(world, sub.stripe_subscription_id)) == 1
    assert not (await Subscription.get(id=sub.id)).cancel_at_period_end


@pytest.mark.postgres_only
async def test_cancel_racing_reactivate_ends_in_stripes_state(world: StripeWorld) -> None:
    """Many cancels (each with its own feedback) and reactivations at once, three rounds.

    Whatever the interleaving: the row equals Stripe, `willCancel` agrees, and
    Stripe's own history alternates cancel / reactivate (no cancel silently
    overwritten by another), with one Stripe cancel per successful call.
    """
    sub = await subscribe(world, "flipper")
    for round_ in range(3):
        await world.new_events()
        before = await Subscription.get(id=sub.id)
        calls = []
        for i in range(6):
            calls.append(
                cancel_subscription(world.services, "flipper", CancelRequest(feedback=f"r{round_}-c{i}"))
            )
            calls.append(reactivate_subscription(world.services, "flipper"))
        results = await asyncio.gather(*calls, return_exceptions=True)
        _, codes = _outcomes(results)
        assert set(codes) <= {
            ErrorCode.SUBSCRIPTION_ALREADY_CANCELING,
            ErrorCode.SUBSCRIPTION_NOT_CANCELING,
        }, results

        row = await Subscription.get(id=sub.id)
        remote = await stripe_sub(world, sub.stripe_subscription_id)
        assert row.cancel_at_period_end == remote["cancel_at_period_end"]
        assert row.cancellation_feedback == remote["cancellation_details"]["comment"]
        assert row.version > before.version
        premium = await load_premium("flipper", world.services.clock.now())
        assert premium.will_cancel == remote["cancel_at_period_end"]

        history = [u["cancel_at_period_end"] for u in await _updates_of(world, sub.stripe_subscription_id)]
        assert history and history[-1] == remote["cancel_at_period_end"]
        flags = [before.cancel_at_period_end, *history]
        assert all(a != b for a, b in itertools.pairwise(flags)), flags
        cancels_won = [i // 2 for i, r in enumerate(results) if i % 2 == 0 and isinstance(r, Subscription)]
        assert len(cancels_won) == history.count(True), (results, history)
        if remote["cancel_at_period_end"]:
            assert remote["cancellation_details"]["comment"] in {f"r{round_}-c{i}" for i in cancels_won}
