"""Work Stripe does by itself as time passes, run in time order.

Why: advancing the clock a month must replay what happens in that month in
the order it would happen (a renewal before its invoice's finalization, each
smart retry, a session expiring), with each object stamped at its own moment.
Due work is recomputed from state after every step, so a step that schedules
more work (a renewal schedules its invoice) is picked up in the same advance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Sandbox

log = logging.getLogger("stripe_sandbox.scheduler")

MAX_STEPS = 100_000

Job = tuple[int, int, str, Callable[[], None]]


def due_jobs(sb: Sandbox, until: int) -> list[Job]:
    from . import checkout, subscriptions

    jobs: list[Job] = []
    for session in sb.store.all("checkout.session"):
        if session["status"] == "open" and session["expires_at"] <= until:
            jobs.append((session["expires_at"], 0, session["id"], _bind(checkout.expire, sb, session)))
    for sub in sb.store.all("subscription"):
        when = subscriptions.due_at(sub)
        if when is not None and when <= until:
            jobs.append((when, 1, sub["id"], _bind(subscriptions.on_period_end, sb, sub)))
    for invoice in sb.store.all("invoice"):
        when = subscriptions.invoice_due_at(sb, invoice)
        if when is not None and when <= until:
            jobs.append((when, 2, invoice["id"], _bind(subscriptions.on_invoice_due, sb, invoice)))
    return jobs


def _bind(func: Callable[[Any, Any], Any], sb: Any, obj: Any) -> Callable[[], None]:
    return lambda: func(sb, obj)


def run_until(sb: Sandbox, until: int) -> int:
    """Run every job due at or before ``until``; return how many ran.

    A job that raises is logged and skipped for the rest of this run (it would
    otherwise be found due again at once), so one broken object cannot wedge
    the clock.
    """
    ran = 0
    broken: set[tuple[str, int]] = set()
    for _ in range(MAX_STEPS):
        jobs = [j for j in due_jobs(sb, until) if (j[2], j[0]) not in broken]
        if not jobs:
            return ran
        when, _priority, key, job = min(jobs, key=lambda j: (j[0], j[1], j[2]))
        with sb.clock.pinned(when):
            try:
                job()
            except Exception:
                log.exception("scheduled work for %s failed", key)
                broken.add((key, when))
        ran += 1
    raise RuntimeError("scheduler did not settle; a job keeps rescheduling itself")
