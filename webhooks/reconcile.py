"""Reconciliation's event half: Stripe's events since a moment, through the webhook inbox.

Each event is stored with `inbox.record_event` (the same unique insert as a
delivered webhook, so an event that both a webhook and a reconcile run meet
is stored and handled once) and, unless it already finished, run with
`inbox.process` (the same claim, handler and bookkeeping as the webhook route).
Events are handled oldest first, the order Stripe emitted them in.

`reconcile` then runs billing's walk over the known customers
(`billing.reconcile.walk.walk_stripe`), which repairs what events older than
Stripe's 30-day window can no longer tell.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from billing import audit
from billing.errors import PaymentProviderError
from billing.reconcile import restore, walk
from billing.reconcile.report import Progress, WalkReport
from billing.reconcile.stripe_lists import PATIENCE, PATIENCE_BACKOFF, list_all
from billing.services import Services
from models.enums import AuditAction, InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox

log = logging.getLogger("webhooks.reconcile")

_FINISHED = (InboxStatus.PROCESSED, InboxStatus.IGNORED)


@dataclass
class EventReport:
    listed: int = 0
    recorded: int = 0  # new to the inbox (the webhook never arrived)
    already_done: int = 0  # the webhook (or an earlier run) already handled it
    outcomes: Counter[str] = field(default_factory=Counter)  # inbox.Outcome of the ones run now
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)  # one per FAILED outcome and one per exception

    def lines(self) -> list[str]:
        ran = ", ".join(f"{count} {name.lower()}" for name, count in sorted(self.outcomes.items())) or "none"
        return [
            f"events: {self.listed} listed, {self.recorded} new to the inbox, "
            f"{self.already_done} already handled; run now: {ran}"
        ]


@dataclass
class ReconcileReport:
    since: datetime | None  # None: no events read (a walk of chosen users only)
    events: EventReport
    walk: WalkReport
    restored: list[str] = field(default_factory=list)  # rows there now and not before, per kind

    @property
    def failed(self) -> int:
        return self.events.failed + self.walk.failed

    def lines(self) -> list[str]:
        errors = [*self.events.errors, *(e for _, t in self.walk.tallies() for e in t.errors)]
        return [
            *(
                [f"since {self.since.isoformat()}", *self.events.lines()]
                if self.since is not None
                else ["events: not read (users chosen: Stripe's event list cannot be narrowed to them)"]
            ),
            *self.walk.lines(),
            f"restored: {', '.join(self.restored) if self.restored else 'nothing (no row was missing)'}",
            *(f"error: {e}" for e in errors),
        ]


async def feed_events(
    services: Services,
    since: datetime,
    *,
    progress: Progress | None = None,
    every: int = walk.PROGRESS_EVERY,
) -> EventReport:
    """Record and run every Stripe event created at or after `since`."""
    report = EventReport()
    v1 = services.stripe.v1
    try:
        events = [  # JSON-ready (Decimal fields back to strings), as a delivered webhook's body
            event.to_dict(for_json=True)
            async for event in list_all(
                services, "events.list", v1.events.list_async, {"created": {"gte": int(since.timestamp())}}
            )
        ]
    except PaymentProviderError as exc:  # Stripe unreachable: say so; the walk still runs (and reports)
        log.error("reconcile: listing Stripe's events failed: %s", exc)
        report.errors.append(f"events.list: {exc}")
        return report
    events.sort(key=lambda e: (e["created"], e["id"]))  # Stripe pages newest first
    report.listed = len(events)
    if progress is not None:
        progress(f"{len(events)} event(s) from Stripe since {since.isoformat()}")
    for n, event in enumerate(events, 1):
        try:
            row, new = await inbox.record_event(event, now=services.clock.now())
            report.recorded += int(new)
            if row.status in _FINISHED:
                report.already_done += 1
            else:
                result = await _process_patiently(row, services)
                report.outcomes[result.outcome] += 1
                if result.outcome in (inbox.Outcome.FAILED, inbox.Outcome.DEFERRED):
                    report.errors.append(f"event {event['id']} ({event['type']}): {result.error}")
        except Exception as exc:  # a malformed event or the database: count, log, go on
            log.error("reconcile: event %s failed: %s", event.get("id"), exc)
            log.debug("reconcile: event %s failed", event.get("id"), exc_info=exc)
            report.errors.append(f"event {event.get('id')}: {type(exc).__name__}: {exc}")
        if progress is not None and n % every == 0:
            progress(f"… {n}/{len(events)} events")
    return report


async def _process_patiently(row: WebhookEvent, services: Services) -> inbox.ProcessResult:
    """`inbox.process`, run again after a pause while its handler meets Stripe's limits (DEFERRED).

    Events are handled in the order Stripe emitted them, so the run waits here rather than going
    on; one still deferred after the pauses is reported (the retry loop of `serve` runs it later).
    """
    result = await inbox.process(row, services)
    for attempt in range(1, PATIENCE + 1):
        if result.outcome != inbox.Outcome.DEFERRED:
            break
        await asyncio.sleep(PATIENCE_BACKOFF.seconds(attempt))
        result = await inbox.process(row, services)
    return result


async def reconcile(
    services: Services,
    since: datetime | None,
    *,
    progress: Progress | None = None,
    every: int = walk.PROGRESS_EVERY,
    user_ids: Sequence[str] | None = None,
    actor: str | None = None,
) -> ReconcileReport:
    """Events first (they carry what objects cannot: failures, refunds), then the walk.

    With `user_ids` only those users' Stripe objects are walked and no events are
    read (`since` must be None): Stripe's event list cannot be narrowed to a customer.
    Reconciling chosen users is a support action: each user gets a RECONCILED
    audit row by `actor`.
    """
    if user_ids is not None and since is not None:
        raise ValueError("events cannot be limited to users: give users or a since, not both")
    await services.clock.refresh()
    before = await restore.count_rows(user_ids)
    events = EventReport()
    if since is not None:
        events = await feed_events(services, since, progress=progress, every=every)
    walked = await walk.walk_stripe(services, progress=progress, every=every, user_ids=user_ids, since=since)
    for user_id in user_ids or ():
        await audit.record(
            AuditAction.RECONCILED,
            actor=actor or audit.SYSTEM,
            now=services.clock.now(),
            user_id=user_id,
            reason=f"Stripe's objects walked: {walked.failed} failure(s).",
        )
    restored = (await restore.count_rows(user_ids)).restored_since(before)
    return ReconcileReport(since, events, walked, restored)
