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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from billing import stripe_calls, stripe_pacing
from billing import stripe_objects as so
from billing.backoff import Backoff
from billing.charges import local_payment
from billing.disputes import sync_dispute
from billing.fulfilment import settle_session
from billing.invoices import sync_invoice
from billing.premium import PremiumSource, PremiumState, next_access_window
from billing.refunds import sync_charge
from billing.services import Services
from billing.subscriptions import apply_subscription, owner_of
from models import Customer, Payment, StaleVersionError
from models.enums import PaymentStatus, SubscriptionLiveness

log = logging.getLogger("billing.reconcile")
T = TypeVar("T")

PAGE_SIZE = 100  # Stripe's largest page
PROGRESS_EVERY = 50
# Customers at once. They only share the process's pace toward Stripe (STRIPE_MAX_REQUESTS_PER_SECOND,
# `billing.stripe_pacing`): more would only queue there.
WALK_CONCURRENCY = 8
# From this many customers on, a walk over every customer lists the account's subscriptions, invoices
# and charges once (100 a call) instead of three list calls per customer (see `_Listings`).
ACCOUNT_WIDE_FROM = 50
# An item (a page, an object to converge) that met Stripe's limits after the client's own retries is
# tried again after a pause, this many times: a long run outlasts a burst of 429s instead of failing.
PATIENCE = 3
PATIENCE_BACKOFF = Backoff(timedelta(seconds=1), 2.0, timedelta(seconds=8))
DEFAULT_SINCE = timedelta(days=30)  # Stripe lists events of the last 30 days only
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WAITING_FOR_CHECKOUT = (PaymentStatus.PENDING, PaymentStatus.AWAITING_SETTLEMENT)
# A payment in one of these must be re-checked against its charge even when Stripe shows no refund
# any more (a refund that failed after we recorded it).
_HELD_AS_REFUNDED = frozenset({PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED})

Progress = Callable[[str], None]
# Said in every report, so an operator knows what only the events (within --since) can bring back.
CANNOT_REBUILD = (
    "not rebuilt from Stripe's objects (only from events within --since): renewal failure details, "
    "a past UNPAID gap in access (premium.since), disputes of payments the gateway never recorded"
)


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


async def list_all(
    services: Services, name: str, method: Callable[..., Awaitable[Any]], params: dict[str, Any]
) -> AsyncIterator[Any]:
    """Every object (SDK `StripeObject`) of a Stripe list, newest first as Stripe pages it.

    One bounded call per page (tried again after a pause if Stripe said 429).
    Callers convert: `so.as_dict` for objects to apply, `to_dict(for_json=True)`
    for events to store verbatim.
    """
    after: str | None = None
    while True:
        page_params = {**params, "limit": PAGE_SIZE, **({"starting_after": after} if after else {})}
        page = await patiently(partial(_page, services, name, method, page_params))
        for item in page.data:
            yield item
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id


async def _page(
    services: Services, name: str, method: Callable[..., Awaitable[Any]], params: dict[str, Any]
) -> Any:
    return await stripe_calls.call(
        name, method(params=params), timeout=services.config.stripe_timeout_seconds
    )


async def patiently(work: Callable[[], Awaitable[T]]) -> T:
    """`work()`, tried again after a growing pause while it fails because Stripe said "later".

    The client already retried within each call's budget; this is the batch job's extra patience
    (a reconcile has no user waiting), so a long run outlasts a burst of 429s. Anything else raises.
    """
    for attempt in range(1, PATIENCE + 1):
        try:
            return await work()
        except Exception as exc:
            if not stripe_pacing.transient(exc):
                raise
            pause = PATIENCE_BACKOFF.seconds(attempt)
            log.warning(
                "reconcile: Stripe is limiting us (%s); trying again in %.1f s", type(exc).__name__, pause
            )
            await asyncio.sleep(pause)
    return await work()


class _Listings:
    """Where the walk reads a customer's subscriptions, invoices and charges.

    Per customer: three list calls for each customer, whatever it has. For a
    walk over many customers, each list is read once for the whole account
    (100 objects a call) and grouped by customer, keeping only the customers
    the walk knows: 200 customers cost a few pages instead of 600 calls. On an
    account shared with other products this reads their objects too (and drops
    them), so it is used for walks over all customers, and the grouped lists
    are held in memory while the walk runs.
    """

    _LISTS: dict[str, tuple[str, str, dict[str, Any]]] = {
        "subscriptions": ("subscriptions", "subscriptions.list", {"status": "all"}),
        "invoices": ("invoices", "invoices.list", {}),
        "charges": ("charges", "charges.list", {"expand": ["data.refunds"]}),
    }

    def __init__(self, services: Services, account_wide_for: set[str] | None) -> None:
        self.services = services
        self.known = account_wide_for  # None: list per customer
        self._grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._failed: dict[str, Exception] = {}
        self._locks = {kind: asyncio.Lock() for kind in self._LISTS}

    def _listing(self, kind: str, extra: dict[str, Any]) -> AsyncIterator[Any]:
        resource, name, params = self._LISTS[kind]
        method = getattr(self.services.stripe.v1, resource).list_async
        return list_all(self.services, name, method, {**params, **extra})

    async def of(self, kind: str, customer_id: str) -> list[dict[str, Any]]:
        """The customer's objects of `kind`, newest first (as Stripe lists them)."""
        if self.known is None:
            return [so.as_dict(obj) async for obj in self._listing(kind, {"customer": customer_id})]
        async with self._locks[kind]:  # the first walker lists the account; the others wait for it
            if kind in self._failed:
                raise self._failed[kind]  # listed once, failed once: every customer reports it
            if kind not in self._grouped:
                grouped: dict[str, list[dict[str, Any]]] = {}
                try:
                    async for obj in self._listing(kind, {}):
                        owner = so.obj_id(obj["customer"] if "customer" in obj else None)
                        if owner in self.known:
                            grouped.setdefault(owner, []).append(so.as_dict(obj))
                except Exception as exc:
                    self._failed[kind] = exc
                    raise
                self._grouped[kind] = grouped
        return self._grouped[kind].get(customer_id, [])


@dataclass
class Tally:
    """Counts for one kind of object: seen, and how many failed (with the first few errors)."""

    seen: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, what: str, exc: BaseException) -> None:
        self.failed += 1
        log.error("reconcile: %s failed: %s: %s", what, type(exc).__name__, exc)
        log.debug("reconcile: %s failed", what, exc_info=exc)
        if len(self.errors) < 20:
            self.errors.append(f"{what}: {type(exc).__name__}: {exc}")


@dataclass
class WalkReport:
    customers: Tally = field(default_factory=Tally)
    subscriptions: Tally = field(default_factory=Tally)
    invoices: Tally = field(default_factory=Tally)
    sessions: Tally = field(default_factory=Tally)
    charges: Tally = field(default_factory=Tally)  # refunds and disputes

    def tallies(self) -> list[tuple[str, Tally]]:
        return [
            ("customers", self.customers),
            ("subscriptions", self.subscriptions),
            ("invoices", self.invoices),
            ("checkout sessions", self.sessions),
            ("charges (refunds, disputes)", self.charges),
        ]

    @property
    def failed(self) -> int:
        return sum(t.failed for _, t in self.tallies())

    def lines(self) -> list[str]:
        return [
            *(f"{name}: {tally.seen} checked, {tally.failed} failed" for name, tally in self.tallies()),
            CANNOT_REBUILD,
        ]


class _Ticker:
    """Calls `progress` every `every` items, so a long run shows it is moving."""

    def __init__(self, progress: Progress | None, every: int) -> None:
        self.progress, self.every, self.count = progress, max(1, every), 0

    def tick(self, what: str) -> None:
        self.count += 1
        if self.progress is not None and self.count % self.every == 0:
            self.progress(f"… {self.count} objects walked ({what})")


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
    services: Services, customer_id: str, report: WalkReport, ticker: _Ticker, lists: _Listings
) -> None:
    for sub in await lists.of("subscriptions", customer_id):
        report.subscriptions.seen += 1
        ticker.tick("subscriptions")
        try:
            await _carry_stretch_back(sub)
            await patiently(partial(apply_subscription, services, sub))
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
    services: Services, customer_id: str, report: WalkReport, ticker: _Ticker, lists: _Listings
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
    for _ in range(8):
        if customer is None:
            return
        known_before = customer.access_since is not None and customer.access_since <= started
        until = max(customer.access_until or period_start, period_start)
        since, until = next_access_window(
            previous_since=customer.access_since if known_before else None,
            previous_until=customer.access_until if known_before else None,
            state=PremiumState(True, PremiumSource.SUBSCRIPTION, None, None, None, until, False),
            resumes_from=started,
        )
        if (since, until) == (customer.access_since, customer.access_until):
            return
        try:
            await customer.save_versioned(access_since=since, access_until=until)
            return
        except StaleVersionError:
            await customer.refresh_from_db()
    raise StaleVersionError(f"customer {user_id}: access stretch kept changing")


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
) -> WalkReport:
    """Mirror every known customer's subscriptions and invoices, settle waiting checkouts, then refunds
    and disputes (after the checkouts, so a refunded first payment is COMPLETED before it is REFUNDED).

    Customers are independent (one user each), so several are walked at once;
    each customer's own objects are applied in order, subscriptions first.
    `user_ids` limits the walk to those users (support's "I paid but have no
    Premium"): a few Stripe calls instead of a few per customer of the platform.
    A walk over all of at least `ACCOUNT_WIDE_FROM` customers lists the account
    once per kind instead of each customer (`_Listings`). Every call waits for
    the process's pace, so the walk runs at STRIPE_MAX_REQUESTS_PER_SECOND at
    most, and an item that met Stripe's limits is tried again (`patiently`).
    """
    report = WalkReport()
    ticker = _Ticker(progress, every)
    await services.clock.refresh()
    only = {} if user_ids is None else {"user_id__in": list(user_ids)}
    customer_ids = await (
        Customer.filter(stripe_customer_id__isnull=False, **only)
        .order_by("id")
        .values_list("stripe_customer_id", flat=True)
    )
    account_wide = user_ids is None and len(customer_ids) >= ACCOUNT_WIDE_FROM
    lists = _Listings(services, set(customer_ids) if account_wide else None)

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
    return report
