"""The one notion of "now" that billing decides by.

Billing never calls `datetime.now()`: premium expiry, gift-code expiry, refund
windows and rate-limit windows all read `Clock.now()`. Production uses the
system clock; against the Stripe sandbox the gateway follows the sandbox's
clock, so advancing it (a month of renewals in a second) moves the gateway too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    async def refresh(self) -> None:
        """Re-read the time source; called at the start of each request and job."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def refresh(self) -> None:
        return None


class FixedClock:
    """A clock that only moves when told to: for code that needs a settled "now"."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    async def refresh(self) -> None:
        return None
