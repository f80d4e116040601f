"""What billing operations need from the outside world, passed in explicitly.

Built once by `gateway` (app start, CLI) and handed to resolvers, webhook
handlers and commands alike, so one operation serves all three and tests can
build it around the sandbox without touching the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import stripe

from billing.clock import Clock


@dataclass(frozen=True)
class Policy:
    """The business numbers of DESIGN.md's settings table."""

    refund_window: timedelta = timedelta(days=14)
    refund_abuse_limit: int = 2
    refund_abuse_window: timedelta = timedelta(days=365)
    gift_code_ttl: timedelta = timedelta(days=365)
    redeem_limit_count: int = 10
    redeem_limit_window: timedelta = timedelta(seconds=600)
    redirect_allowed_origins: tuple[str, ...] = ("http://localhost:3000",)
    stripe_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Services:
    clock: Clock
    stripe: stripe.StripeClient
    policy: Policy = field(default_factory=Policy)
