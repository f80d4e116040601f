"""The sandbox clock: real time plus everything advanced.

Why: a month of renewals must take a second.  Every ``created`` and period
field reads :meth:`Clock.now`.  While the scheduler replays due work during an
advance, it *pins* the clock to each due moment so objects made then carry
the time Stripe would give them, not the end of the jump.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Clock:
    """Unix-seconds clock with an offset and an optional pin."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        self._pinned: int | None = None

    def real(self) -> int:
        return int(time.time())

    def now(self) -> int:
        if self._pinned is not None:
            return self._pinned
        return self.real() + self.offset

    @contextmanager
    def pinned(self, moment: int) -> Iterator[None]:
        """Make :meth:`now` answer ``moment`` (never earlier than it already is)."""
        previous = self._pinned
        self._pinned = max(moment, self.now())
        try:
            yield
        finally:
            self._pinned = previous

    def advance(self, seconds: int) -> None:
        self.offset += seconds
