"""`reconcile` brings the database to what the webhooks would have made of the same Stripe history.

Each comparison runs one lifecycle (purchase, renewal, cancel at period end,
refund of the renewal) twice against the sandbox: once with every event handed
to the webhook handlers as it happens, once with no webhook at all followed by
`reconcile`. The two users' rows must agree, once Stripe ids, user ids and the
moment each run started are factored out (times are compared to the second,
with a little slack for the real time a run takes).
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

import billing.reconcile.walk
from billing.checkout.sessions import create_checkout
from billing.premium.rule import load_premium
from billing.reconcile.walk import parse_since, walk_stripe
from models import Customer, GiftCode, Invoice, Payment, Refund, Subscription, WebhookEvent
from models.enums import (
    Currency,
    GiftCodeStatus,
    InboxStatus,
    PaymentStatus,
    ProductType,
    SubscriptionStatus,
)
from tests.billing.test_purchase_flows import request
from tests.stripe_world import StripeWorld
from webhooks import inbox
from webhooks.reconcile import reconcile

DAY = 86_400
SLACK_SECONDS = 5
_STRIPE_ID = re.compile(r"\b(cus|sub|si|in|inpay|pi|cs_test|ch|py|re|seti|pm|dp)_[0-9A-Za-z]+")
_INVOICE_NUMBER = re.compile(r"^[0-9A-Z]+-(\d{4})$")
# `code`: a gift code's letters are random, whoever issues it; `stripe_synced_at`: when we last asked.
DROP = {
    *("id", "version", "updated_at", "user_id", "reference", "idempotency_key", "payment_id", "code"),
    "stripe_synced_at",
}

# Stored as Stripe's epoch seconds inside JSON columns (an invoice's `lines`): times like the rest.
EPOCH_KEYS = {"period_start", "period_end"}


@dataclass
class Run:
    user: str
    started: datetime
    customer_id: str = ""
    subscription_id: str = ""
    refunded_at: datetime | None = None


def owner_of(event: dict[str, Any], refunded: dict[str, str]) -> str | None:
    """The Stripe customer an event is about (a refund names only its payment intent)."""
    obj = event["data"]["object"]
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    return customer or refunded.get(obj.get("payment_intent") or "")


async def lifecycle(world: StripeWorld, hooks: str, lost: str, *, refund: bool = True) -> tuple[Run, Run]:
    """Two users live the same lifecycle side by side, on the same calendar.

    Purchase, renewal, cancel at period end, refund of the renewal. Events about
    `hooks` go to the webhook handlers as they happen; events about `lost` go
    nowhere (as with a disabled endpoint).
    """
    stripe = world.services.stripe.v1
    started = world.services.clock.now()
    runs = (Run(hooks, started), Run(lost, started))
    refunded: dict[str, str] = {}

    async def step() -> None:
        events = await world.new_events()
        await world.deliver([e for e in events if owner_of(e, refunded) == runs[0].customer_id])

    sessions = []
    for run in runs:
        checkout = await create_checkout(
            world.services, run.user, request(ProductType.PREMIUM_MONTHLY, Currency.EUR)
        )
        run.customer_id = (await Customer.get(user_id=run.user)).stripe_customer_id
        sessions.append(checkout.session_id)
    for session_id in sessions:
        await world.control(
            f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid", "country": "DE"}
        )
    await step()
    for run, session_id in zip(runs, sessions, strict=True):
        run.subscription_id = (await stripe.checkout.sessions.retrieve_async(session_id)).subscription

    await world.advance(32 * DAY)  # renewal
    await step()

    for run in runs:
        await stripe.subscriptions.update_async(
            run.subscription_id,
            params={
                "cancel_at_period_end": True,
                "cancellation_details": {"feedback": "too_expensive", "comment": "reconcile test"},
            },
        )
    await step()

    if refund:
        for run in runs:
            run.refunded_at = world.services.clock.now()
            params = {"subscription": run.subscription_id, "limit": 1}
            latest = (await stripe.invoices.list_async(params=params)).data[0]
            latest = await stripe.invoices.retrieve_async(latest.id, params={"expand": ["payments"]})
            assert latest.billing_reason == "subscription_cycle"
            intent = latest.payments.data[0].payment.payment_intent
            refunded[intent] = run.customer_id
            await stripe.refunds.create_async(params={"payment_intent": intent})
        await step()
    return runs


# -- comparing two users' rows -------------------------------------------------------------------


async def raw_rows(user: str) -> dict[str, list[dict[str, Any]]]:
    payments = await Payment.filter(user_id=user).order_by("created_at", "id").values()
    payment_ids = [p["id"] for p in payments]
    return {
        "payments": payments,
        "subscriptions": await Subscription.filter(user_id=user).order_by("created_at", "id").values(),
        "invoices": await Invoice.filter(user_id=user).order_by("created_at", "number").values(),
        "customer": await Customer.filter(user_id=user).values(),
        "refunds": await Refund.filter(payment_id__in=payment_ids).order_by("created_at", "id").values(),
        "gift_codes": await GiftCode.filter(payment_id__in=payment_ids).values(),
    }


def normalise(rows: dict[str, list[dict[str, Any]]], run: Run) -> dict[str, list[dict[str, Any]]]:
    """Stripe ids -> `kind#n` in order of appearance; times -> seconds since the run started."""
    names: dict[str, str] = {}

    def stripe_name(match: re.Match[str]) -> str:
        return names.setdefault(
            match[0], f"{match[1]}#{sum(v.startswith(match[1] + '#') for v in names.values())}"
        )

    def value(key: str, v: Any) -> Any:
        if isinstance(v, datetime):
            return ("t", round((v - run.started).total_seconds()))
        if key in EPOCH_KEYS and isinstance(v, int):
            return ("t", round(v - run.started.timestamp()))
        if isinstance(v, str):
            if key == "number" and _INVOICE_NUMBER.match(v):
                return _INVOICE_NUMBER.sub(r"N-\1", v)
            return _STRIPE_ID.sub(stripe_name, v.replace(run.user, "<user>"))
        if isinstance(v, list):
            return [value(key, item) for item in v]
        if isinstance(v, dict):
            return {k: value(k, item) for k, item in v.items()}
        return v

    return {
        table: [{k: value(k, v) for k, v in row.items() if k not in DROP} for row in table_rows]
        for table, table_rows in rows.items()
    }


# Set when the gateway acted on what it learnt: a refunded subscription payment ends the
# subscription when the gateway learns of the refund, and a gift code is issued when it
# learns of the payment, which for the lost run is during reconcile, later than in the
# webhook run (by up to the reconcile's duration, or the whole scenario for a walk).
ACTED_ON_LEARNING = re.compile(
    r"^\.(subscriptions\[0\]\.(canceled_at|ended_at)|gift_codes\[\d+\]\.created_at)$"
)


def differences(a: Any, b: Any, path: str = "", *, late: int = 0) -> list[str]:
    """Where two normalised snapshots differ (times within SLACK_SECONDS count as equal).

    `late`: how much later (seconds) the reconciled side may have acted (ACTED_ON_LEARNING).
    """
    if isinstance(a, tuple) and isinstance(b, tuple) and a[:1] == b[:1] == ("t",):
        allowed = SLACK_SECONDS + (late if ACTED_ON_LEARNING.match(path) else 0)
        return [] if -SLACK_SECONDS <= a[1] - b[1] <= allowed else [f"{path}: {a[1]}s vs {b[1]}s"]
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{path}.{k}", late=late)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} rows vs {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]", late=late)
        ]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


async def compare(hooks: Run, recon: Run, *, late: float = 0) -> list[str]:
    """The differences between the reconciled user's rows and the webhook user's."""
    expected = normalise(await raw_rows(hooks.user), hooks)
    got = normalise(await raw_rows(recon.user), recon)
    return differences(got, expected, late=math.ceil(late))


async def versions(user: str) -> dict[str, Any]:
    """Every row of the user with its version and updated_at: a second run must not move one."""
    rows = await raw_rows(user)
    inbox = await WebhookEvent.all().order_by("id").values("id", "status", "version", "attempts")
    return {**rows, "inbox": inbox}


# -- tests ---------------------------------------------------------------------------------------


async def test_reconcile_after_lost_webhooks_matches_the_delivered_run(world: StripeWorld) -> None:
    hooks, recon = await lifecycle(world, "rc-hooks", "rc-lost")

    # With no webhook, the gateway knows only the pending checkout it made.
    lost = await Payment.get(user_id="rc-lost")
    assert lost.status == PaymentStatus.PENDING and not await Subscription.exists(user_id="rc-lost")

    report = await reconcile(world.services, recon.started)
    took = (world.services.clock.now() - hooks.refunded_at).total_seconds()
    assert report.failed == 0, report.lines()
    assert report.events.recorded >= 10 and report.walk.customers.seen >= 2
    assert await compare(hooks, recon, late=took) == []

    # And what the rows say is the lifecycle that happened.
    payments = await Payment.filter(user_id="rc-lost").order_by("created_at")
    assert [p.kind for p in payments] == ["CHECKOUT", "RENEWAL"]
    assert payments[0].status == PaymentStatus.COMPLETED
    sub = await Subscription.get(user_id="rc-lost")
    assert sub.cancel_at_period_end or sub.status == SubscriptionStatus.CANCELED
    assert sub.cancellation_feedback == "reconcile test"
    assert await Invoice.filter(user_id="rc-lost").count() == 2


async def test_second_reconcile_changes_nothing(world: StripeWorld) -> None:
    _, run = await lifecycle(world, "rc-twice-hooks", "rc-twice")
    first = await reconcile(world.services, run.started)
    assert first.failed == 0, first.lines()
    # What the first run made Stripe do (a refunded subscription payment ends the
    # subscription at once) is news to the second run; nothing else is.
    emitted = {e["id"] for e in await world.new_events()}
    echoes = emitted - set(await WebhookEvent.all().values_list("stripe_event_id", flat=True))
    before = await versions("rc-twice")

    second = await reconcile(world.services, run.started)
    assert second.failed == 0, second.lines()
    after = await versions("rc-twice")
    assert {k: v for k, v in after.items() if k != "inbox"} == {
        k: v for k, v in before.items() if k != "inbox"
    }
    assert second.events.recorded == len(echoes)
    assert second.events.already_done == second.events.listed - len(echoes)
    assert after["inbox"][: len(before["inbox"])] == before["inbox"]
    assert await world.new_events() == []  # and the second run asked Stripe for no change

    third = await reconcile(world.services, run.started)
    assert (third.failed, third.events.recorded) == (0, 0)
    assert await versions("rc-twice") == after


async def test_webhooks_and_reconcile_store_each_event_once(world: StripeWorld) -> None:
    """Events the webhook handled are recorded once; reconcile only counts them as done."""
    _, run = await lifecycle(world, "rc-both-hooks", "rc-both", refund=False)
    events = await world.sandbox.acontrol("/_sandbox/events")
    mine = [e["event"] for e in events["data"] if e["event"]["created"] >= int(run.started.timestamp())]
    for event in mine[:3]:  # a few arrived as webhooks before the run
        row, _ = await inbox.record_event(event, now=world.services.clock.now())
        await inbox.process(row, world.services)
    report = await reconcile(world.services, run.started)
    assert report.failed == 0 and report.events.already_done >= 3
    ids = await WebhookEvent.all().values_list("stripe_event_id", flat=True)
    assert len(ids) == len(set(ids)) == report.events.listed
    assert not await WebhookEvent.filter(status=InboxStatus.FAILED).exists()


async def test_walk_alone_repairs_rows_when_the_events_are_too_old(world: StripeWorld) -> None:
    """Past Stripe's 30-day event window only the objects remain: the walk mirrors them."""
    hooks, recon = await lifecycle(world, "rc-old-hooks", "rc-old", refund=False)
    report = await walk_stripe(world.services)  # no events at all
    assert report.failed == 0, report.lines()
    assert report.sessions.seen >= 1 and report.invoices.seen >= 2
    # Every row as the webhooks made it, `access_since` too: seen first in its second
    # period, the subscription has given access since its start (decided: Stripe's periods
    # are back to back), which is where the webhooks started the stretch.
    assert await compare(hooks, recon) == []
    now = world.services.clock.now()
    sub = await Subscription.get(user_id="rc-old")
    since = (await load_premium("rc-old", now)).since
    assert since is not None and since < sub.current_period_start
    assert abs((since - sub.created_at).total_seconds()) <= SLACK_SECONDS
    assert (since - recon.started) - (
        (await load_premium("rc-old-hooks", now)).since - hooks.started
    ) < timedelta(seconds=SLACK_SECONDS)


async def test_walk_of_chosen_users_repairs_them_and_touches_no_one_else(world: StripeWorld) -> None:
    """`reconcile --user`: support repairs one user with a few Stripe calls; other users wait."""
    hooks, recon = await lifecycle(world, "rc-one-hooks", "rc-one", refund=False)
    lost = await Payment.filter(user_id="rc-one").values_list("status", flat=True)
    assert lost == [PaymentStatus.PENDING], lost  # the webhooks never came

    other = await walk_stripe(world.services, user_ids=["rc-one-hooks", "rc-nobody"])
    assert other.failed == 0 and other.customers.seen == 1, other.lines()
    assert await Payment.filter(user_id="rc-one").values_list("status", flat=True) == lost

    report = await reconcile(world.services, None, user_ids=["rc-one"])
    assert report.failed == 0 and report.walk.customers.seen == 1, report.lines()
    assert report.events.listed == 0 and "events: not read" in report.lines()[0]
    assert await compare(hooks, recon) == []
    with pytest.raises(ValueError):
        await reconcile(world.services, world.services.clock.now(), user_ids=["rc-one"])


async def reversals(world: StripeWorld, hooks: str, lost: str) -> tuple[Run, Run]:
    """Two users side by side: a subscription whose renewal is partly refunded, a gift refunded in
    full, a gift charged back and lost, then a renewal waiting for 3D Secure.

    Events about `hooks` go to the webhook handlers as they happen; `lost` gets none.
    """
    stripe = world.services.stripe.v1
    started = world.services.clock.now()
    runs = (Run(hooks, started), Run(lost, started))
    intents: dict[str, str] = {}  # payment intent -> customer, for refund and dispute events

    async def step() -> None:
        events = await world.new_events()
        await world.deliver([e for e in events if owner_of(e, intents) == runs[0].customer_id])

    async def paid_intents(product: ProductType, gift: bool) -> list[str]:
        found = []
        for run in runs:
            checkout = await create_checkout(
                world.services, run.user, request(product, Currency.EUR, gift=gift)
            )
            run.customer_id = (await Customer.get(user_id=run.user)).stripe_customer_id
            await world.control(
                f"/_sandbox/checkout/sessions/{checkout.session_id}/complete",
                {"outcome": "paid", "country": "DE"},
            )
            session = await stripe.checkout.sessions.retrieve_async(checkout.session_id)
            run.subscription_id = session.subscription or run.subscription_id
            if session.payment_intent:
                intents[session.payment_intent] = run.customer_id
                found.append(session.payment_intent)
        await step()
        return found

    await paid_intents(ProductType.PREMIUM_MONTHLY, gift=False)
    await world.advance(32 * DAY)  # the renewal, paid
    await step()
    # Two gifts bought before anything is reversed (the second refund restricts purchases).
    refunded_gifts = await paid_intents(ProductType.PREMIUM_MONTHLY, gift=True)
    disputed_gifts = await paid_intents(ProductType.PREMIUM_MONTHLY, gift=True)
    for run in runs:  # support refunds part of the renewal in Stripe's dashboard
        latest = (
            await stripe.invoices.list_async(params={"subscription": run.subscription_id, "limit": 1})
        ).data[0]
        latest = await stripe.invoices.retrieve_async(latest.id, params={"expand": ["payments"]})
        intent = latest.payments.data[0].payment.payment_intent
        intents[intent] = run.customer_id
        await stripe.refunds.create_async(params={"payment_intent": intent, "amount": 100})
    await step()
    for intent in refunded_gifts:
        await stripe.refunds.create_async(params={"payment_intent": intent})
    await step()
    for intent in disputed_gifts:
        charge = (await stripe.payment_intents.retrieve_async(intent)).latest_charge
        dispute = await world.control(f"/_sandbox/charges/{charge}/dispute")
        await step()
        await world.control(f"/_sandbox/disputes/{dispute['id']}/close", {"status": "lost"})
        await step()
    for run in runs:
        await world.control(
            f"/_sandbox/customers/{run.customer_id}/card", {"outcome": "authentication_required"}
        )
    sub = await stripe.subscriptions.retrieve_async(runs[1].subscription_id)
    await world.advance(
        sub["items"].data[0].current_period_end - int(world.services.clock.now().timestamp()) + 3600
    )
    await step()
    return runs


@pytest.mark.parametrize("listing", ["per_customer", "account_wide"])
async def test_walk_alone_rebuilds_refunds_disputes_and_renewals_needing_action(
    world: StripeWorld, listing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events older than 30 days are gone from Stripe's list: the walk rebuilds from the objects,
    whether it lists each customer's objects or (a walk over many customers) the account's."""
    if listing == "account_wide":
        monkeypatch.setattr(billing.reconcile.walk, "ACCOUNT_WIDE_FROM", 1)
    hooks, recon = await reversals(world, "rc-rev-hooks", "rc-rev")
    assert (
        await Payment.filter(user_id="rc-rev").values_list("status", flat=True) == [PaymentStatus.PENDING] * 3
    )

    report = await walk_stripe(world.services)  # no events at all
    assert report.failed == 0, report.lines()
    assert (
        await compare(hooks, recon, late=(world.services.clock.now() - hooks.started).total_seconds()) == []
    )
    statuses = await Payment.filter(user_id="rc-rev").order_by("created_at").values_list("status", flat=True)
    assert statuses == [
        PaymentStatus.COMPLETED,  # the first month
        PaymentStatus.PARTIALLY_REFUNDED,  # the renewal
        PaymentStatus.REFUNDED,  # the first gift
        PaymentStatus.DISPUTED,  # the second gift
        PaymentStatus.REQUIRES_ACTION,  # the next renewal, waiting for 3D Secure
    ], statuses
    assert await Refund.filter(user_id="rc-rev").count() == 2
    codes = await GiftCode.filter(purchaser_user_id="rc-rev").values_list("status", flat=True)
    assert codes == [GiftCodeStatus.REVOKED] * 2
    customer = await Customer.get(user_id="rc-rev")
    assert customer.purchase_restricted and "2 refunds" in (customer.restriction_reason or "")
    sub = await Subscription.get(user_id="rc-rev")
    assert (
        sub.status == SubscriptionStatus.PAST_DUE
        and (await load_premium("rc-rev", world.services.clock.now())).active
    )

    before = await versions("rc-rev")
    again = await walk_stripe(world.services)
    assert again.failed == 0 and again.charges.seen == report.charges.seen >= 3
    assert await versions("rc-rev") == before, "a second walk changed rows"
    assert [e for e in await world.new_events() if owner_of(e, {}) == recon.customer_id] == []


@pytest.mark.postgres_only
async def test_two_reconciles_racing_late_webhooks_end_in_the_same_rows(world: StripeWorld) -> None:
    """Two operators reconcile while the lost webhooks finally arrive: each event runs once."""
    hooks, recon = await lifecycle(world, "rc-race-hooks", "rc-race")
    listing = await world.sandbox.acontrol("/_sandbox/events")
    late = sorted(
        (e["event"] for e in listing["data"] if owner_of(e["event"], {}) == recon.customer_id),
        key=lambda e: (e["created"], e["id"]),
    )

    async def webhooks() -> None:
        for event in late:
            row, _ = await inbox.record_event(event, now=world.services.clock.now())
            result = await inbox.process(row, world.services)
            assert result.outcome != inbox.Outcome.FAILED, (event["type"], result.error)

    first, second, _ = await asyncio.gather(
        reconcile(world.services, recon.started),
        reconcile(world.services, recon.started),
        webhooks(),
    )
    took = (world.services.clock.now() - hooks.refunded_at).total_seconds()
    assert first.failed == second.failed == 0, (first.lines(), second.lines())
    ids = await WebhookEvent.all().values_list("stripe_event_id", flat=True)
    assert len(ids) == len(set(ids))
    statuses = set(await WebhookEvent.all().values_list("status", flat=True))
    assert statuses <= {InboxStatus.PROCESSED, InboxStatus.IGNORED}
    # Every event was claimed, so run, exactly once among the three (a claim counts an attempt).
    twice = await WebhookEvent.filter(attempts__gt=1).values_list("type", flat=True)
    assert twice == [], f"claimed twice: {twice}"
    assert await compare(hooks, recon, late=took) == []


def test_since_accepts_iso_times_and_durations() -> None:
    now = datetime.fromisoformat("2026-11-25T12:00:00+00:00")
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since(None, now) == now - timedelta(days=30)
    assert parse_since("2026-11-01T00:00:00Z", now) == datetime.fromisoformat("2026-11-01T00:00:00+00:00")
    assert parse_since("2026-11-01T00:00:00", now).tzinfo is not None
    for bad in ("yesterday", "7x", "2027-01-01T00:00:00Z", "99999999999d"):
        with pytest.raises(ValueError, match="--since"):
            parse_since(bad, now)
