"""What billing operations need from the outside world, passed in explicitly.

Built once by `gateway` (app start, CLI) and handed to resolvers, webhook
handlers and commands alike, so one operation serves all three and tests can
build it around the sandbox without touching the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import stripe

from billing.clock import Clock
from billing.deps import BillingConfig


@dataclass(frozen=True)
class Services:
    clock: Clock
    stripe: stripe.StripeClient
    config: BillingConfig = field(default_factory=BillingConfig)
