"""What a billing operation needs to know about its caller and its configuration.

Plain dataclasses, free of web frameworks: the GraphQL layer, webhooks and
the CLI all build these and pass them down. `gateway` fills `BillingConfig`
from its settings (only `gateway` reads the environment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller: the JWT `sub` and whether it carries the "admin" role."""

    user_id: str
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """At most `count` events per fixed `window`."""

    count: int
    window: timedelta


class EarlyFraudWarningAction(StrEnum):
    """What an early fraud warning does (EARLY_FRAUD_WARNING_ACTION)."""

    REFUND = "refund"  # refund at once (no chargeback, no dispute fee) and take back what it granted
    FLAG = "flag"  # restrict the account; support decides


@dataclass(frozen=True, slots=True)
class BillingConfig:
    """Policy values billing decides by, taken from the settings once at start."""

    redeem_rate_limit: RateLimitRule = field(
        default_factory=lambda: RateLimitRule(10, timedelta(seconds=600))
    )
    # Stripe-costing mutations (createCheckout, updatePaymentMethod) per user: billing.stripe.budget
    stripe_call_limit: RateLimitRule = field(default_factory=lambda: RateLimitRule(20, timedelta(hours=1)))
    refund_window: timedelta = timedelta(days=14)
    refund_abuse_limit: int = 2
    refund_abuse_window: timedelta = timedelta(days=365)
    gift_code_ttl: timedelta = timedelta(days=365)
    redirect_allowed_origins: tuple[str, ...] = ("http://localhost:3000",)
    stripe_timeout_seconds: float = 10.0
    early_fraud_warning_action: EarlyFraudWarningAction = EarlyFraudWarningAction.REFUND
    # None: Checkout offers what the Stripe account has on (PAYMENT_METHODS=dynamic, Stripe's advice);
    # else only these types (`allowed_payment_method_types`, a filter on that dynamic set).
    payment_methods: tuple[str, ...] | None = None
    # Free days before the first charge for a first-time subscriber (0: no trials; DESIGN "Trials").
    trial_days: int = 0
