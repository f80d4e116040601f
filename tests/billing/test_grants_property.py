"""Property: whatever the order, access ends where the surviving payments say (issue 13, item 1).

Hypothesis draws sequences of what can happen to a subscriber's two payments (their monthly
subscription, and a yearly gift redeemed on their own account or by a friend): each payment
refunded or charged back, a gift's reversal undone (refund failed, dispute won), a dispute lost,
Stripe delivering everything again. After every step the buyer's and the friend's access end must
equal what the payments still standing paid for:

- the subscription standing: its paid month; a gift standing and redeemed on it: a year after that;
- the subscription reversed: it is cancelled (and stays so: Stripe cannot revive it); a standing
  gift redeemed on it is then a year of gift time from the moment it ended;
- a friend's gift: a year of gift time while the gift stands, nothing once it is reversed.

Examples are drawn with Hypothesis in a thread and run on the test's event loop (the gateway is
async; Hypothesis runs sync tests), so a failure names its sequence rather than shrinking it.
LEDGER_EXAMPLES sets how many (200 by default, as CI runs it). PostgreSQL only (real locking).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.gifts import add_months, redeem
from billing.premium import load_premium
from models import GiftCode, Payment, Refund, Subscription
from models.enums import ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.billing.test_refunds import refund
from tests.stripe_world import StripeWorld

EXAMPLES = int(os.environ.get("LEDGER_EXAMPLES", "200"))
SLACK = timedelta(minutes=5)  # the sandbox clock follows real time while an example runs

pytestmark = pytest.mark.postgres_only


@dataclass(frozen=True)
class Plan:
    friend: bool  # the gift is redeemed by a friend, not stacked on the buyer's subscription
    ways: dict[str, str]  # payment -> "refund" | "chargeback"
    steps: tuple[str, ...]  # "reverse sub", "reverse gift", "restore gift", "lose sub", ...


def _plans(n: int) -> list[Plan]:
    found: list[Plan] = []
    way = st.sampled_from(["refund", "chargeback"])

    @st.composite
    def plan(draw: st.DrawFn) -> Plan:
        ways = {"sub": draw(way), "gift": draw(way)}
        pool = ["reverse sub", "reverse gift"]
        steps: list[str] = []
        done: set[str] = set()
        for _ in range(draw(st.integers(1, 5))):
            options = [s for s in pool if s not in done]
            if "reverse gift" in done and "restore gift" not in done and "lose gift" not in done:
                options.append("restore gift")
            for payment in ("sub", "gift"):
                if (
                    f"reverse {payment}" in done
                    and ways[payment] == "chargeback"
                    and f"lose {payment}" not in done
                ):
                    if f"restore {payment}" not in done:
                        options.append(f"lose {payment}")
            options.append("redeliver")
            step = draw(st.sampled_from(options))
            steps.append(step)
            done.add(step)
        return Plan(friend=draw(st.booleans()), ways=ways, steps=tuple(steps))

    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(plan())
    def collect(drawn: Plan) -> None:
        found.append(drawn)

    collect()
    return found


@dataclass
class Run:
    world: StripeWorld
    buyer: str
    friend: str
    sub: Payment
    gift: Payment
    paid_end: datetime
    disputes: dict[int, str] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    standing: dict[str, bool] = field(default_factory=lambda: {"sub": True, "gift": True})
    gift_from_subscription_end: datetime | None = None


async def _reverse(run: Run, payment: Payment, way: str) -> None:
    if way == "refund":
        await refund(run.world, payment)
        return
    intent = await run.world.services.stripe.v1.payment_intents.retrieve_async(
        payment.stripe_payment_intent_id
    )
    dispute = await run.world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    run.disputes[payment.id] = dispute["id"]
    run.events += await run.world.deliver_new()


async def _close(run: Run, payment: Payment, way: str, outcome: str) -> None:
    if way == "refund":
        (row,) = await Refund.filter(payment_id=payment.id)
        await run.world.control(f"/_sandbox/refunds/{row.stripe_refund_id}/fail")
    else:
        await run.world.control(f"/_sandbox/disputes/{run.disputes[payment.id]}/close", {"status": outcome})
    run.events += await run.world.deliver_new()


def _expected(run: Run, plan: Plan, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(buyer's access end, friend's access end), None for no access."""
    year_from = add_months(now, 12) - now
    sub = run.paid_end if run.standing["sub"] else None
    gift = None
    if run.standing["gift"]:
        if plan.friend:
            return sub, now + year_from
        gift = add_months(run.paid_end, 12) if run.standing["sub"] else now + year_from
    ends = [end for end in (sub, gift) if end is not None]
    return (max(ends) if ends else None), None


async def _check(run: Run, plan: Plan, after: str) -> None:
    now = run.world.services.clock.now()
    buyer, friend = _expected(run, plan, now)
    for user, expected in ((run.buyer, buyer), (run.friend, friend)):
        premium = await load_premium(user, now)
        got = premium.until if premium.active else None
        if expected is None or got is None:
            assert got == expected, (plan, after, user, got, expected)
        else:
            assert abs(got - expected) <= SLACK + timedelta(days=1), (plan, after, user, got, expected)


async def _run(world: StripeWorld, plan: Plan, n: int) -> None:
    buyer, friend = f"lp-{n}-buyer", f"lp-{n}-friend"
    sub = (await buy(world, buyer, request(ProductType.PREMIUM_MONTHLY))).payment
    paid_end = (await Subscription.get(user_id=buyer)).current_period_end
    gift = (await buy(world, buyer, request(ProductType.PREMIUM_YEARLY, gift=True))).payment
    code = await GiftCode.get(payment_id=gift.id)
    await redeem(world.services, friend if plan.friend else buyer, code.code)
    world_events = await world.deliver_new()
    run = Run(world, buyer, friend, sub, gift, paid_end, events=list(world_events))
    await _check(run, plan, "start")
    for step in plan.steps:
        verb, _, which = step.partition(" ")
        payment = run.sub if which == "sub" else run.gift
        if verb == "reverse":
            await _reverse(run, payment, plan.ways[which])
            run.standing[which] = False
        elif verb == "restore":
            await _close(run, payment, plan.ways[which], "won")
            run.standing[which] = True
        elif verb == "lose":
            await _close(run, payment, plan.ways[which], "lost")
        else:
            await world.deliver(run.events)  # Stripe redelivers everything: nothing changes
        await _check(run, plan, step)


async def test_access_always_matches_the_surviving_payments(world: StripeWorld) -> None:
    plans = await asyncio.to_thread(_plans, EXAMPLES)
    assert len(plans) >= min(EXAMPLES, 50)
    for n, plan in enumerate(plans):
        await _run(world, plan, n)
