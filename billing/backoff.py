"""How long to wait before trying again: one rule for every retry the gateway schedules.

The webhook inbox (a handler that failed), the outbound notifications (a
receiver that did not answer 2xx) and the Stripe client (a 429, a 409, a
`Stripe-Should-Retry: true`) all back off the same way: exponential from a
base, capped, and jittered so that processes which failed together do not
retry in lockstep (the thundering herd Stripe's rate-limit guide warns about).
Each caller keeps its own schedule (base, factor, cap, jitter); the rule is here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    """``base * factor**(attempts - 1)``, at most ``cap``, times a random factor in ``1 ± jitter``."""

    base: timedelta
    factor: float
    cap: timedelta
    jitter: float = 0.2

    def seconds(self, attempts: int, rng: random.Random | None = None) -> float:
        """Delay in seconds after `attempts` failed tries (the first retry follows attempt 1)."""
        exponent = min(max(0, attempts - 1), 64)  # past the cap anyway; avoids float overflow
        plain = min(self.cap.total_seconds(), self.base.total_seconds() * self.factor**exponent)
        return plain * (rng or random).uniform(1 - self.jitter, 1 + self.jitter)

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        return timedelta(seconds=self.seconds(attempts, rng))

    def shortest(self, attempts: int) -> float:
        """The least `seconds(attempts)` can be (jitter at its low end)."""
        exponent = min(max(0, attempts - 1), 64)
        plain = min(self.cap.total_seconds(), self.base.total_seconds() * self.factor**exponent)
        return plain * (1 - self.jitter)
