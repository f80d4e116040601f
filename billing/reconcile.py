"""Reconciliation: bring the database back to Stripe's truth when webhooks were missed.

Two halves (DESIGN.md "reconcile"):
- Stripe's events since a moment, recorded and run through the webhook inbox
  (that half lives in `webhooks.reconcile`, because billing must not import
  webhooks); this module only pages the list for it.
- This module's walk over what the gateway knows: for every customer, Stripe's
  subscriptions (any status) and invoices, applied with the same convergent
  functions the handlers use (`apply_subscription`, `sync_invoice`); and the
  checkout sessions of payments still waiting for their checkout events
  (`settle_session`). Events older than Stripe keeps them (30 days) are then no
  loss: the walk reads the objects themselves.

Everything here writes only through functions that compare before writing, so a
second run changes nothing. A failure on one object is counted and logged, and
the walk goes on; the caller decides the exit code from the counts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from billing import stripe_calls
from billing import stripe_objects as so
from billing.fulfilment import settle_session
from billing.invoices import sync_invoice
from billing.services import Services
from billing.subscriptions import apply_subscription
from models import Customer, Payment
from models.enums import PaymentStatus

log = logging.getLogger("billing.reconcile")

PAGE_SIZE = 100  # Stripe's largest page
PROGRESS_EVERY = 50
WALK_CONCURRENCY = 8  # customers at once; Stripe allows about 100 requests/s live, 25/s in test mode
DEFAULT_SINCE = timedelta(days=30)  # Stripe lists events of the last 30 days only
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
# What an invoice's current state would have been announced as (the handler reads the rest).
_INVOICE_EVENT = {
    "paid": "invoice.paid",
    "void": "invoice.voided",
    "uncollectible": "invoice.marked_uncollectible",
}
_WAITING_FOR_CHECKOUT = (PaymentStatus.PENDING, PaymentStatus.AWAITING_SETTLEMENT)

Progress = Callable[[str], None]


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

    One bounded call per page. Callers convert: `so.as_dict` for objects to
    apply, `to_dict(for_json=True)` for events to store verbatim.
    """
    after: str | None = None
    while True:
        page_params = {**params, "limit": PAGE_SIZE, **({"starting_after": after} if after else {})}
        page = await stripe_calls.call(
            name, method(params=page_params), timeout=services.config.stripe_timeout_seconds
        )
        for item in page.data:
            yield item
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id


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

    @property
    def failed(self) -> int:
        return sum(t.failed for t in (self.customers, self.subscriptions, self.invoices, self.sessions))

    def lines(self) -> list[str]:
        return [
            f"{name}: {tally.seen} checked, {tally.failed} failed"
            for name, tally in (
                ("customers", self.customers),
                ("subscriptions", self.subscriptions),
                ("invoices", self.invoices),
                ("checkout sessions", self.sessions),
            )
        ]


class _Ticker:
    """Calls `progress` every `every` items, so a long run shows it is moving."""

    def __init__(self, progress: Progress | None, every: int) -> None:
        self.progress, self.every, self.count = progress, max(1, every), 0

    def tick(self, what: str) -> None:
        self.count += 1
        if self.progress is not None and self.count % self.every == 0:
            self.progress(f"… {self.count} objects walked ({what})")


def invoice_event_type(invoice: dict[str, Any]) -> str:
    """The invoice event Stripe would have sent for the invoice as it is now."""
    status = invoice.get("status")
    if status in _INVOICE_EVENT:
        return _INVOICE_EVENT[status]
    if status == "open" and invoice.get("attempted"):
        return "invoice.payment_failed"
    return "invoice.finalized"


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


async def _walk_customer(services: Services, customer_id: str, report: WalkReport, ticker: _Ticker) -> None:
    v1 = services.stripe.v1
    async for sub in list_all(
        services,
        "subscriptions.list",
        v1.subscriptions.list_async,
        {"customer": customer_id, "status": "all"},
    ):
        sub = so.as_dict(sub)
        report.subscriptions.seen += 1
        ticker.tick("subscriptions")
        try:
            await apply_subscription(services, sub)
        except Exception as exc:
            report.subscriptions.fail(f"subscription {sub.get('id')}", exc)
    invoices = list_all(services, "invoices.list", v1.invoices.list_async, {"customer": customer_id})
    async for listed in invoices:
        invoice = so.as_dict(listed)
        if invoice.get("status") == "draft":
            continue  # not final yet; its invoice.finalized event (or the next run) brings it
        report.invoices.seen += 1
        ticker.tick("invoices")
        try:
            # Re-fetched inside, with the expansions the tax lines need.
            await sync_invoice(services, invoice["id"], invoice_event_type(invoice))
        except Exception as exc:
            report.invoices.fail(f"invoice {invoice.get('id')}", exc)


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
) -> WalkReport:
    """Mirror every known customer's subscriptions and invoices, and settle waiting checkouts.

    Customers are independent (one user each), so several are walked at once;
    each customer's own objects are applied in order, subscriptions first.
    """
    report = WalkReport()
    ticker = _Ticker(progress, every)
    await services.clock.refresh()
    customer_ids = await (
        Customer.filter(stripe_customer_id__isnull=False)
        .order_by("id")
        .values_list("stripe_customer_id", flat=True)
    )

    async def walk_customer(customer_id: str) -> None:
        report.customers.seen += 1
        try:
            await _walk_customer(services, customer_id, report, ticker)
        except Exception as exc:  # the list itself failed (Stripe down): count it, go on
            report.customers.fail(f"customer {customer_id}", exc)

    await _each(customer_ids, concurrency, walk_customer)

    sessions = await (
        Payment.filter(status__in=list(_WAITING_FOR_CHECKOUT), checkout_session_id__isnull=False)
        .order_by("id")
        .values_list("checkout_session_id", flat=True)
    )

    async def settle(session_id: str) -> None:
        report.sessions.seen += 1
        ticker.tick("checkout sessions")
        try:
            occurred_at = await _paid_at(services, session_id)
            await settle_session(services, session_id, "checkout.session.completed", occurred_at)
        except Exception as exc:
            report.sessions.fail(f"checkout session {session_id}", exc)

    await _each(sessions, concurrency, settle)
    return report
