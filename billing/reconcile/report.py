"""What a reconcile walk reports: per kind of object, how many were checked and which failed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("billing.reconcile")

Progress = Callable[[str], None]
# Said in every report, so an operator knows what only the events (within --since) can bring back.
CANNOT_REBUILD = (
    "not rebuilt from Stripe's objects (only from events within --since): renewal failure details, "
    "a past UNPAID gap in access (premium.since), disputes of payments the gateway never recorded"
)


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
    stripe_customers: Tally = field(default_factory=Tally)  # rows and restrictions (restore.py)
    gifts: Tally = field(default_factory=Tally)  # codes and redemptions (restore.py)

    def tallies(self) -> list[tuple[str, Tally]]:
        return [
            ("stripe customers (rows, restrictions)", self.stripe_customers),
            ("customers", self.customers),
            ("subscriptions", self.subscriptions),
            ("invoices", self.invoices),
            ("checkout sessions", self.sessions),
            ("charges (refunds, disputes)", self.charges),
            ("gift purchases (codes, redemptions)", self.gifts),
        ]

    @property
    def failed(self) -> int:
        return sum(t.failed for _, t in self.tallies())

    def lines(self) -> list[str]:
        return [
            *(f"{name}: {tally.seen} checked, {tally.failed} failed" for name, tally in self.tallies()),
            CANNOT_REBUILD,
        ]


class Ticker:
    """Calls `progress` every `every` items, so a long run shows it is moving."""

    def __init__(self, progress: Progress | None, every: int) -> None:
        self.progress, self.every, self.count = progress, max(1, every), 0

    def tick(self, what: str) -> None:
        self.count += 1
        if self.progress is not None and self.count % self.every == 0:
            self.progress(f"… {self.count} objects walked ({what})")
