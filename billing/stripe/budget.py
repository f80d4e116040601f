"""Each user's budget of mutations that cost a Stripe call (USER_STRIPE_CALL_LIMIT).

Why: every Stripe account has one rate limit (25 requests/s in test mode, 100
live) shared by all users; without a per-user budget one script creating
checkouts in a loop blocks checkout for everyone and fills the database with
PENDING rows. The count lives in the database (`billing.rate_limit`), so every
replica shares it, and is taken *before* the Stripe call: one atomic increment,
so concurrent requests cannot all slip under the limit.
"""

from __future__ import annotations

from datetime import datetime

from billing import rate_limit
from billing.errors import BillingError, ErrorCode
from billing.services import Services
from billing.telemetry import telemetry


def budget_key(user_id: str) -> str:
    return f"stripe:{user_id}"


async def spend(services: Services, user_id: str, now: datetime) -> None:
    """Count one Stripe-costing mutation for `user_id`; RATE_LIMITED once the budget is spent."""
    rule = services.config.stripe_call_limit
    if await rate_limit.record(budget_key(user_id), rule, now) > rule.count:
        telemetry().rate_limit_hit("stripe")
        minutes = max(1, int(rule.window.total_seconds() // 60))
        raise BillingError(
            ErrorCode.RATE_LIMITED,
            f"Too many checkouts or card changes: at most {rule.count} in {minutes} minutes. "
            "Try again later.",
        )
