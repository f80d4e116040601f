"""Reconciliation: bring the database back to Stripe's truth when webhooks were missed.

Two halves (DESIGN.md "reconcile"):
- Stripe's events since a moment, recorded and run through the webhook inbox
  (that half lives in `webhooks.reconcile`, because billing must not import
  webhooks); this module only pages the list for it.
- This module's walk over what the gateway knows, applied with the same
  convergent functions the handlers use, so events older than Stripe keeps
  them (30 days) are no loss: the walk reads the objects themselves.
  1. Every customer's subscriptions (any status; `apply_subscription`) and
     invoices (`sync_invoice`, the very function of the invoice webhooks: a
     renewal's status comes from Stripe's invoice and its default payment
     intent, so the walk and the webhooks agree).
  2. The checkout sessions of payments still waiting for their checkout
     events (`settle_session`), so first payments are COMPLETED before step 3.
  3. Every customer's charges: a charge with refunds (or a payment we hold as
     refunded) is converged with `sync_charge` (refund rows, REFUNDED /
     PARTIALLY_REFUNDED, what it granted taken back, the refund policy); a
     disputed charge's disputes with `sync_dispute` (DISPUTED, taken back,
     restricted; a won dispute leaves COMPLETED).
- The start of the unbroken stretch of access (`premium.since`): a live
  subscription first seen by the walk in a later period has, as far as the
  webhooks would have recorded, given access since its `start_date` (Stripe's
  periods are back to back), so the walk carries the stored stretch back to
  it before applying the subscription (`_carry_stretch_back`).

What the walk cannot rebuild (the events are the only record, so only a
reconcile whose `--since` still reaches them brings these back):
- a renewal payment's failure details (code and message) and PENDING renewal
  attempts that Stripe has since replaced;
- the order of past states: a subscription that was UNPAID and paid again
  later is taken as unbroken since its start (`premium.since` earlier than
  the webhooks would have said);
- a dispute on a charge whose payment the gateway never recorded.

Everything here writes only through functions that compare before writing, so a
second run changes nothing. A failure on one object is counted and logged, and
the walk goes on; the caller decides the exit code from the counts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from billing.checkout.charges import local_payment
from billing.checkout.fulfilment import settle_session
from billing.customers.accounts import owner_of
from billing.invoices.sync import sync_invoice
from billing.premium.rule import PremiumSource, PremiumState, next_access_window
from billing.reconcile import restore
from billing.reconcile.report import Progress, Ticker, WalkReport
from billing.reconcile.stripe_lists import Listings, list_all, patiently
from billing.reversals.disputes import sync_dispute
from billing.reversals.duplicates import cancel_if_duplicate
from billing.reversals.refunds import sync_charge
from billing.services import Services
from billing.stripe import calls as stripe_calls
from billing.stripe import objects as so
from billing.subscriptions.sync import apply_subscription
from models import Customer, Payment, retry_on_conflict
from models.enums import PaymentStatus, SubscriptionLiveness

log = logging.getLogger("billing.reconcile.walk")
T = TypeVar("T")

PROGRESS_EVERY = 50
# Customers at once. They only share the process's pace toward Stripe (STRIPE_MAX_REQUESTS_PER_SECOND,
# `billing.stripe.pacing`): more would only queue there.
WALK_CONCURRENCY = 8
# From this many customers on, a walk over every customer lists the account's subscriptions, invoices
# and charges once (100 a call) instead of three list calls per customer (see `Listings`).
ACCOUNT_WIDE_FROM = 50
DEFAULT_SINCE = timedelta(days=30)  # Stripe lists events of the last 30 days only
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WAITING_FOR_CHECKOUT = (PaymentStatus.PENDING, PaymentStatus.AWAITING_SETTLEMENT)
# A payment in one of these must be re-checked against its charge even when Stripe shows no refund
# any more (a refund that failed after we recorded it).
_HELD_AS_REFUNDED = frozenset({PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED})


def parse_since(text: str | None, now: datetime) -> datetime:
    """``"2026-11-01T00:00:00Z"`` or a duration back from now (``"90m"``, ``"12h"``, ``"7d"``, ``"2w"``).

    A naive ISO time is taken as UTC. Raises ValueError with a readable message.
    """
    if text is None or not text.strip():
        return now - DEFAULT_SINCE
    match = _DURATION.match(text)
    if match:
        try:
            return now - timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
        except OverflowError:
            raise ValueError(f"--since {text!r} reaches back before year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: give an ISO time or a duration like 90m, 12h, 7d") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    if moment > now:
        raise ValueError(f"--since {text!r} is in the future")
    return moment


async def _paid_at(services: Services, session_id: str) -> datetime | None:
    """When the checkout was paid, as Stripe recorded it (the event that said so may be long gone).

    A session has no completion time of its own: a subscription's first invoice
    has `status_transitions.paid_at`, a one-time payment its charge's `created`.
    None (the handler then uses "now") while it is unpaid.
    """
    session = await stripe_calls.call(
        "checkout.sessions.retrieve",
        services.stripe.v1.checkout.sessions.retrieve_async(
            session_id, params={"expand": ["invoice", "payment_intent.latest_charge"]}
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    session = so.as_dict(session)
    invoice = session.get("invoice")
    if isinstance(invoice, dict) and (invoice.get("status_transitions") or {}).get("paid_at"):
        return so.ts(invoice["status_transitions"]["paid_at"])
    intent = session.get("payment_intent")
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    if isinstance(charge, dict) and charge.get("paid"):
        return so.ts(charge.get("created"))
    return None


async def _settle_waiting(services: Services, session_id: str) -> None:
    occurred_at = await _paid_at(services, session_id)
    await settle_session(services, session_id, "checkout.session.completed", occurred_at)


async def _walk_customer(
    services: Services, customer_id: str, report: WalkReport, ticker: Ticker, lists: Listings
) -> None:
    for sub in await lists.of("subscriptions", customer_id):
        report.subscriptions.seen += 1
        ticker.tick("subscriptions")
        try:
            await _carry_stretch_back(sub)
            row = await patiently(partial(apply_subscription, services, sub))
            await patiently(partial(cancel_if_duplicate, services, row))  # one live per user
        except Exception as exc:
            report.subscriptions.fail(f"subscription {sub.get('id')}", exc)
    invoices = await lists.of("invoices", customer_id)
    for invoice in reversed(invoices):  # oldest first, as their events came (and rows were made)
        if invoice.get("status") == "draft":
            continue  # not final yet; its invoice.finalized event (or the next run) brings it
        report.invoices.seen += 1
        ticker.tick("invoices")
        try:
            # Re-fetched inside, with the expansions its status and tax lines need.
            await patiently(partial(sync_invoice, services, invoice["id"]))
        except Exception as exc:
            report.invoices.fail(f"invoice {invoice.get('id')}", exc)


async def _walk_charges(
    services: Services, customer_id: str, report: WalkReport, ticker: Ticker, lists: Listings
) -> None:
    """Refunds and disputes of the customer's charges, converged in the order Stripe made them.

    Order matters for one thing only: which reversal restricted the account
    first (its reason is kept), so refunds and disputes run by their `created`.
    """
    v1 = services.stripe.v1
    # (when the reversal happened, refund before dispute, the charge's own time, what, how to converge)
    work: list[tuple[int, int, int, str, Callable[[], Awaitable[Any]]]] = []
    for charge in await lists.of("charges", customer_id):
        payment = await local_payment(charge)
        if payment is None:
            continue  # not a payment of ours (or a failed attempt of one): nothing to converge
        refunds = (charge.get("refunds") or {}).get("data") or []
        if refunds or int(charge.get("amount_refunded") or 0) > 0 or payment.status in _HELD_AS_REFUNDED:
            first = min((int(r["created"]) for r in refunds), default=int(charge["created"]))
            converge = partial(sync_charge, services, charge["id"])
            work.append((first, 0, int(charge["created"]), f"charge {charge['id']}", converge))
        if charge.get("disputed"):
            params = {"charge": charge["id"]}
            async for dispute in list_all(services, "disputes.list", v1.disputes.list_async, params):
                what = f"dispute {dispute.id}"
                converge = partial(sync_dispute, services, dispute.id)
                work.append((int(dispute.created), 1, int(charge["created"]), what, converge))
    for *_, what, converge in sorted(work, key=lambda w: w[:4]):
        report.charges.seen += 1
        ticker.tick("charges")
        try:
            await patiently(converge)
        except Exception as exc:
            report.charges.fail(what, exc)


async def _carry_stretch_back(sub: dict[str, Any]) -> None:
    """Let the stored stretch of access reach back to the start of a live subscription met late.

    The webhooks, delivered as they happened, would have started the stretch
    at the subscription's first period and kept it through every renewal (a
    subscription's periods are back to back, and PAST_DUE still gives access).
    The walk, and a late replay of the events, see only the current period, so
    `premium.since` would be that period's start. Here the stored stretch is
    made to start where the webhooks would have started it, by premium's own
    rule (`next_access_window`): an earlier stretch that reached the
    subscription's start is continued, anything known only from later is
    replaced by the subscription's start. `apply_subscription`'s `record_access`
    then carries it to the current period's end. Unchanged rows are not
    written, so a second run changes nothing.
    """
    if so.subscription_status(str(sub.get("status"))) not in SubscriptionLiveness.GIVES_ACCESS:
        return
    started = so.ts(sub.get("start_date") or sub.get("created"))
    period_start = so.ts(so.subscription_item(sub).get("current_period_start"))
    if started is None or period_start is None or period_start <= started:
        return  # in its first period: `record_access` starts the stretch right
    user_id = await owner_of(sub, so.obj_id(sub.get("customer")))
    customer = await Customer.get_or_none(user_id=user_id) if user_id else None
    if customer is None:
        return

    async def attempt() -> None:
        known_before = customer.access_since is not None and customer.access_since <= started
        until = max(customer.access_until or period_start, period_start)
        since, until = next_access_window(
            previous_since=customer.access_since if known_before else None,
            previous_until=customer.access_until if known_before else None,
            state=PremiumState(True, PremiumSource.SUBSCRIPTION, None, None, None, until, False),
            resumes_from=started,
        )
        if (since, until) != (customer.access_since, customer.access_until):
            await customer.save_versioned(access_since=since, access_until=until)

    await retry_on_conflict(f"customer {user_id}: access stretch", attempt, reread=customer.refresh_from_db)


async def _each(items: list[str], concurrency: int, work: Callable[[str], Awaitable[None]]) -> None:
    """Run `work` over `items` with at most `concurrency` at a time (a pool pulling from one queue)."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:  # shared iterator: each item taken by exactly one worker
            await work(item)

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(items))))))


async def walk_stripe(
    services: Services,
    *,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
    concurrency: int = WALK_CONCURRENCY,
    user_ids: Sequence[str] | None = None,
    since: datetime | None = None,
) -> WalkReport:
    """Mirror every known customer's subscriptions and invoices, settle waiting checkouts, then refunds
    and disputes (after the checkouts, so a refunded first payment is COMPLETED before it is REFUNDED).

    Customers are independent (one user each), so several are walked at once;
    each customer's own objects are applied in order, subscriptions first.
    `user_ids` limits the walk to those users (support's "I paid but have no
    Premium"): a few Stripe calls instead of a few per customer of the platform.
    A walk over all of at least `ACCOUNT_WIDE_FROM` customers lists the account
    once per kind instead of each customer (`Listings`). Every call waits for
    the process's pace, so the walk runs at STRIPE_MAX_REQUESTS_PER_SECOND at
    most, and an item that met Stripe's limits is tried again (`patiently`).

    Before all this, Stripe's customers give back rows and restrictions a restore lost, and after
    it the gift purchases give back their codes and redemptions (`billing.reconcile.restore`).
    """
    report = WalkReport()
    ticker = Ticker(progress, every)
    await services.clock.refresh()
    try:  # first: after a restore (or with no database at all) this is who the walk knows
        report.stripe_customers.seen = await restore.customers_from_stripe(services, user_ids, since)
    except Exception as exc:
        report.stripe_customers.fail("Stripe's customers", exc)
    only = {} if user_ids is None else {"user_id__in": list(user_ids)}
    customer_ids = await (
        Customer.filter(stripe_customer_id__isnull=False, **only)
        .order_by("id")
        .values_list("stripe_customer_id", flat=True)
    )
    account_wide = user_ids is None and len(customer_ids) >= ACCOUNT_WIDE_FROM
    lists = Listings(services, set(customer_ids) if account_wide else None)

    async def walk_customer(customer_id: str) -> None:
        report.customers.seen += 1
        try:
            await _walk_customer(services, customer_id, report, ticker, lists)
        except Exception as exc:  # the list itself failed (Stripe down): count it, go on
            report.customers.fail(f"customer {customer_id}", exc)

    await _each(customer_ids, concurrency, walk_customer)

    sessions = await (
        Payment.filter(status__in=list(_WAITING_FOR_CHECKOUT), checkout_session_id__isnull=False, **only)
        .order_by("id")
        .values_list("checkout_session_id", flat=True)
    )

    async def settle(session_id: str) -> None:
        report.sessions.seen += 1
        ticker.tick("checkout sessions")
        try:
            await patiently(partial(_settle_waiting, services, session_id))
        except Exception as exc:
            report.sessions.fail(f"checkout session {session_id}", exc)

    await _each(sessions, concurrency, settle)

    async def walk_charges(customer_id: str) -> None:
        try:
            await _walk_charges(services, customer_id, report, ticker, lists)
        except Exception as exc:  # the list itself failed: count it, go on
            report.charges.fail(f"charges of customer {customer_id}", exc)

    await _each(customer_ids, concurrency, walk_charges)
    try:  # last: the codes' payments are settled, and reversed where Stripe says so
        report.gifts.seen = await restore.gifts_from_stripe(services, user_ids)
    except Exception as exc:
        report.gifts.fail("gift purchases", exc)
    return report
