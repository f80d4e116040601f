"""Work Stripe does by itself as time passes, run in time order.

Why: advancing the clock a month must replay what happens in that month in
the order it would happen (a renewal before its invoice's finalization, each
smart retry, a session expiring), with each object stamped at its own moment.

Due work is found by scanning state.  Every job only ever schedules new work
at least :data:`HORIZON` seconds after its own time (an invoice is finalized
an hour after its renewal; retries and periods are days apart), so after one
scan all jobs earlier than ``first + HORIZON`` can run in order without a
rescan; each job re-checks that it is still due just before it runs, since an
earlier one may have changed its object (a cancellation stops retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Sandbox

log = logging.getLogger("stripe_sandbox.scheduler")

#: No job schedules follow-up work sooner than this after its own time.
HORIZON = 3600
MAX_STEPS = 1_000_000

# (when, priority, object id, due-time probe, action)
Job = tuple[int, int, str, Callable[[], int | None], Callable[[], None]]


def due_jobs(sb: Sandbox, until: int) -> list[Job]:
    from . import checkout, prorations, subscriptions

    def session_due(session: dict[str, Any]) -> int | None:
        return session["expires_at"] if session["status"] == "open" else None

    jobs: list[Job] = []
    for session in sb.store.all("checkout.session"):
        when = session_due(session)
        if when is not None and when <= until:
            jobs.append(
                (
                    when,
                    0,
                    session["id"],
                    _bind(session_due, session),
                    _bind(checkout.expire, sb, session),
                )
            )
    for sub in sb.store.all("subscription"):  # pending updates expire (prorations.py)
        when = prorations.pending_due_at(sub)
        if when is not None and when <= until:
            jobs.append(
                (
                    when,
                    0,
                    sub["id"] + ":pending_update",
                    _bind(prorations.pending_due_at, sub),
                    _bind(prorations.on_pending_expired, sb, sub),
                )
            )
    for sub in sb.store.all("subscription"):
        when = subscriptions.due_at(sub)
        if when is not None and when <= until:
            jobs.append(
                (
                    when,
                    1,
                    sub["id"],
                    _bind(subscriptions.due_at, sub),
                    _bind(subscriptions.on_period_end, sb, sub),
                )
            )
    for invoice in sb.store.all("invoice"):
        when = subscriptions.invoice_due_at(sb, invoice)
        if when is not None and when <= until:
            jobs.append(
                (
                    when,
                    2,
                    invoice["id"],
                    _bind(subscriptions.invoice_due_at, sb, invoice),
                    _bind(subscriptions.on_invoice_due, sb, invoice),
                )
            )
    from . import trials  # customer.subscription.trial_will_end

    jobs += [(when, 1, key, probe, act) for when, key, probe, act in trials.due_jobs(sb, until)]
    jobs.sort(key=lambda j: (j[0], j[1], j[2]))
    return jobs


def _bind(func: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: func(*args)


def run_until(sb: Sandbox, until: int) -> int:
    """Run every job due at or before ``until``, in time order; return how many ran.

    A job that raises is logged and skipped for the rest of this run (it would
    otherwise be found due again at once), so one broken object cannot wedge
    the clock.
    """
    ran = 0
    broken: set[tuple[str, int]] = set()
    while ran < MAX_STEPS:
        jobs = [j for j in due_jobs(sb, until) if (j[2], j[0]) not in broken]
        if not jobs:
            return ran
        window_end = jobs[0][0] + HORIZON
        for when, _priority, key, probe, action in jobs:
            if when >= window_end:
                break
            if probe() != when:
                continue  # an earlier job changed this object
            with sb.clock.pinned(when):
                try:
                    action()
                except Exception:
                    log.exception("scheduled work for %s failed", key)
                    broken.add((key, when))
            ran += 1
    raise RuntimeError("scheduler did not settle; a job keeps rescheduling itself")
