"""Property: whatever the order, access ends where the surviving payments say (issue 13, item 1).

Each example: a buyer subscribes monthly and buys two yearly gifts; Hypothesis draws a sequence of
what can then happen: either code redeemed by the buyer or by a friend (so one user may hold two
gifts' time, stacked or not, one after the other), any
payment refunded (support) or charged back (dispute opened), a refund failing or a dispute won (the
reversal undone), a dispute lost, the clock moving on, Stripe delivering everything again. After
every step, each user's Premium end must equal what an independent model of the payments says:

- the subscription, while its payment stands: its paid period; a gift redeemed while it is live is
  stacked after it (Stripe's trial_end). Once reversed it is cancelled and stays so (Stripe cannot
  revive a cancelled subscription: a won dispute does not bring it back; support decides);
- a gift redeemed without a live subscription, or stacked on one that was cancelled: gift time
  after the gift time already held, from now at the earliest;
- a reversed gift loses what was not yet used; an undone reversal gives exactly that back once,
  stacked again on a live subscription, else as gift time from now;
- an unredeemed gift's code is revoked while its payment is reversed and works again once undone.

The clock moves at most 20 days in all, so the monthly subscription never renews (a renewal would
be another payment). Domain functions are called directly (no HTTP), against the Stripe sandbox
over HTTP and PostgreSQL (real row locks; skipped on SQLite). LEDGER_EXAMPLES sets how many
examples Hypothesis runs (200 by default, as CI runs it); a failing one is shrunk and printed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.catalog.sync import sync_catalog
from billing.errors import BillingError, ErrorCode
from billing.gifts.redeem import redeem
from billing.months import add_months
from billing.premium.rule import load_premium
from models import GiftCode, Payment, Refund, Subscription
from models.enums import ProductType
from stripe_sandbox.testing import SandboxServer
from tests.billing.test_purchase_flows import buy, request
from tests.billing.test_refunds import refund
from tests.stripe_world import StripeWorld

EXAMPLES = int(os.environ.get("LEDGER_EXAMPLES", "200"))
SLACK = timedelta(minutes=2)  # the sandbox clock follows real time while an example runs
MAX_ADVANCE_DAYS = 20  # before the monthly period ends: no renewal payment
EXAMPLES_PER_SANDBOX = 20
REFUND_WINDOW_DAYS = 14  # billing.reversals.refunds: REFUND_WINDOW_EXPIRED after that
PAYMENTS = ("sub", "gift1", "gift2")
GIFTS = ("gift1", "gift2")
REDEEMERS = ("buyer", "friend")

pytestmark = pytest.mark.postgres_only


@st.composite
def plans(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A sequence of (verb, object): each payment reversed at most once, each gift redeemed once."""
    steps: list[tuple[str, str]] = []
    reversed_by: dict[str, str] = {}
    closed: set[str] = set()
    redeemed: set[str] = set()
    advanced = 0
    for _ in range(draw(st.integers(1, 8))):
        options: list[tuple[str, str]] = [
            (f"redeem by {who}", g) for g in GIFTS if g not in redeemed for who in REDEEMERS
        ]
        if advanced < REFUND_WINDOW_DAYS:  # support refunds within 14 days of the payment
            options += [("refund", p) for p in PAYMENTS if p not in reversed_by]
        options += [("chargeback", p) for p in PAYMENTS if p not in reversed_by]
        options += [("undo", p) for p in reversed_by if p not in closed]
        options += [("lose", p) for p, how in reversed_by.items() if how == "chargeback" and p not in closed]
        options += [("redeliver", "")]
        if advanced < MAX_ADVANCE_DAYS:
            options.append(("advance", ""))
        verb, what = draw(st.sampled_from(options))
        if verb == "advance":
            days = draw(st.integers(1, MAX_ADVANCE_DAYS - advanced))
            advanced += days
            what = str(days)
        elif verb in ("refund", "chargeback"):
            reversed_by[what] = verb
        elif verb in ("undo", "lose"):
            closed.add(what)
        elif verb.startswith("redeem"):
            redeemed.add(what)
        steps.append((verb, what))
    return steps


@dataclass
class Gift:
    """The model's view of one gift payment."""

    redeemer: str = ""
    standing: bool = True
    redeemed: bool = False
    stacked: bool = False
    start: datetime | None = None
    end: datetime | None = None
    taken: timedelta = timedelta(0)


@dataclass
class Model:
    """What the payments paid for: independent of the gateway's ledger."""

    buyer: str
    friend: str
    paid_end: datetime
    sub_standing: bool = True
    gifts: dict[str, Gift] = field(default_factory=dict)

    def sub_live(self, now: datetime) -> bool:
        return self.sub_standing and self.sub_end() > now

    def sub_end(self) -> datetime:
        stacked = [g.end for g in self.gifts.values() if g.stacked and g.end is not None]
        return max([self.paid_end, *stacked])

    def own_end(self, user: str, now: datetime) -> datetime:
        ends = [
            g.end
            for g in self.gifts.values()
            if g.redeemer == user and g.standing and g.redeemed and not g.stacked
        ]
        return max([now, *[e for e in ends if e is not None]])

    def place(self, gift: Gift, length: timedelta | int, now: datetime) -> None:
        """Stack on the buyer's live subscription, else after the redeemer's gift time."""
        if gift.redeemer == self.buyer and self.sub_live(now):
            start, gift.stacked = self.sub_end(), True
        else:
            start, gift.stacked = self.own_end(gift.redeemer, now), False
        end = add_months(start, length) if isinstance(length, int) else start + length
        gift.start, gift.end = start, end

    def redeem(self, name: str, user: str, now: datetime) -> bool:
        gift = self.gifts[name]
        if not gift.standing:
            return False
        gift.redeemed, gift.redeemer = True, user
        self.place(gift, 12, now)
        return True

    def reverse(self, name: str, now: datetime) -> None:
        if name == "sub":
            self.sub_standing = False
            # Stacked gifts not yet used become gift time from now, in order.
            for gift in sorted(self.gifts.values(), key=lambda g: g.start or now):
                if gift.stacked and gift.standing and gift.end is not None and gift.end > now:
                    left = gift.end - max(gift.start or now, now)
                    gift.start = self.own_end(gift.redeemer, now)
                    gift.stacked = False
                    gift.end = gift.start + left
            return
        gift = self.gifts[name]
        gift.standing = False
        if gift.redeemed and gift.start is not None and gift.end is not None:
            cut = min(max(now, gift.start), gift.end)
            old_end, gift.taken, gift.end = gift.end, gift.end - cut, cut
            # The time after it (the same user's, stacked or not alike) comes forward: no gap.
            for later in self.gifts.values():
                if (
                    later is not gift
                    and later.standing
                    and later.redeemer == gift.redeemer
                    and later.stacked == gift.stacked
                    and later.start is not None
                    and later.end is not None
                    and later.start >= old_end
                ):
                    later.start, later.end = later.start - gift.taken, later.end - gift.taken

    def undo(self, name: str, now: datetime) -> None:
        if name == "sub":
            return  # the cancelled subscription is not revived
        gift = self.gifts[name]
        gift.standing = True
        if gift.redeemed:
            self.place(gift, gift.taken, now)
            gift.taken = timedelta(0)

    def access_end(self, user: str, now: datetime) -> datetime | None:
        ends = [self.own_end(user, now)]
        if user == self.buyer and self.sub_live(now):
            ends.append(self.sub_end())
        end = max(ends)
        return end if end > now else None


@dataclass
class Run:
    world: StripeWorld
    model: Model
    payments: dict[str, Payment]
    codes: dict[str, str]
    disputes: dict[str, str] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)


async def _reverse(run: Run, name: str, how: str) -> None:
    payment = run.payments[name]
    if how == "refund":
        await refund(run.world, payment)
        return
    intent = await run.world.services.stripe.v1.payment_intents.retrieve_async(
        payment.stripe_payment_intent_id
    )
    dispute = await run.world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    run.disputes[name] = dispute["id"]
    run.events += await run.world.deliver_new()


async def _close(run: Run, name: str, outcome: str) -> None:
    if name in run.disputes:
        await run.world.control(f"/_sandbox/disputes/{run.disputes[name]}/close", {"status": outcome})
    else:
        (row,) = await Refund.filter(payment_id=run.payments[name].id)
        await run.world.control(f"/_sandbox/refunds/{row.stripe_refund_id}/fail")
    run.events += await run.world.deliver_new()


async def _check(run: Run, history: list[tuple[str, str]]) -> None:
    now = run.world.services.clock.now()
    for user in (run.model.buyer, run.model.friend):
        expected = run.model.access_end(user, now)
        premium = await load_premium(user, now)
        got = premium.until if premium.active else None
        where = (history, user, got, expected)
        if expected is None or expected <= now + SLACK:
            assert got is None or got <= now + SLACK, where
        else:
            assert got is not None and abs(got - expected) <= SLACK, where


async def _step(run: Run, verb: str, what: str) -> None:
    world, model = run.world, run.model
    now = world.services.clock.now()
    if verb.startswith("redeem"):
        user = model.buyer if verb.endswith("buyer") else model.friend
        expected = model.redeem(what, user, now)
        try:
            await redeem(world.services, user, run.codes[what])
            run.events += await world.deliver_new()
            assert expected, "a revoked code was redeemed"
        except BillingError as error:
            assert not expected and error.code == ErrorCode.GIFT_CODE_REVOKED, error
    elif verb in ("refund", "chargeback"):
        model.reverse(what, now)
        await _reverse(run, what, verb)
    elif verb == "undo":
        model.undo(what, now)
        await _close(run, what, "won")
    elif verb == "lose":
        await _close(run, what, "lost")
    elif verb == "advance":
        await world.advance(int(what) * 86_400)
        run.events += await world.deliver_new()
    else:
        await world.deliver(run.events)  # Stripe delivers everything again: nothing changes


async def _run(world: StripeWorld, steps: list[tuple[str, str]], n: int) -> None:
    buyer, friend = f"lp{n}-buyer", f"lp{n}-friend"
    sub = (await buy(world, buyer, request(ProductType.PREMIUM_MONTHLY))).payment
    paid_end = (await Subscription.get(user_id=buyer)).current_period_end
    payments, codes = {"sub": sub}, {}
    for name in GIFTS:
        payments[name] = (await buy(world, buyer, request(ProductType.PREMIUM_YEARLY, gift=True))).payment
        codes[name] = (await GiftCode.get(payment_id=payments[name].id)).code
    model = Model(buyer, friend, paid_end, gifts={name: Gift() for name in GIFTS})
    run = Run(world, model, payments, codes)
    try:
        await _check(run, [])
        for i, (verb, what) in enumerate(steps):
            try:
                await _step(run, verb, what)
            except Exception as error:
                error.add_note(f"steps so far: {steps[: i + 1]}")
                raise
            await _check(run, steps[: i + 1])
    finally:
        # Later examples move the shared sandbox clock: this one's subscription must not renew then.
        stripe_sub = await world.services.stripe.v1.subscriptions.retrieve_async(sub.stripe_subscription_id)
        if stripe_sub.status != "canceled":
            await world.services.stripe.v1.subscriptions.cancel_async(sub.stripe_subscription_id)
        await world.new_events()  # and its cancellation is none of the next example's business


async def test_access_always_matches_the_surviving_payments(db: str) -> None:
    loop = asyncio.get_running_loop()
    numbers = itertools.count()
    ran: list[int] = []
    servers: list[SandboxServer] = []
    worlds: list[StripeWorld] = []

    async def fresh_world() -> StripeWorld:
        world = StripeWorld.start(servers[-1])
        await world.services.clock.refresh()
        await sync_catalog(world.services)
        await world.new_events()
        return world

    @settings(max_examples=EXAMPLES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(plans())
    def example(steps: list[tuple[str, str]]) -> None:
        # Hypothesis runs in a thread; each example runs on the test's loop (tortoise lives there).
        n = next(numbers)
        if n % EXAMPLES_PER_SANDBOX == 0:
            # A fresh sandbox now and then: listing its events costs what it holds.
            if servers:
                servers.pop().stop()
            servers.append(SandboxServer().start())
            worlds[:] = [asyncio.run_coroutine_threadsafe(fresh_world(), loop).result()]
        asyncio.run_coroutine_threadsafe(_run(worlds[0], steps, n), loop).result()
        ran.append(n)

    try:
        await asyncio.to_thread(example)
    finally:
        for server in servers:
            server.stop()
    assert len(ran) >= min(EXAMPLES, 50)
