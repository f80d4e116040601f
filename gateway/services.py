"""Building billing's `Services` from settings: the clock, the Stripe client, the policy."""

from __future__ import annotations

from datetime import timedelta

from billing.clock import Clock
from billing.deps import BillingConfig, EarlyFraudWarningAction, RateLimitRule
from billing.services import Services
from gateway.clock import make_clock
from gateway.settings import Settings
from gateway.stripe_client import make_stripe_client


def billing_config(settings: Settings) -> BillingConfig:
    rule, budget = settings.redeem_rate_limit, settings.user_stripe_call_limit
    return BillingConfig(
        redeem_rate_limit=RateLimitRule(rule.count, rule.window),
        stripe_call_limit=RateLimitRule(budget.count, budget.window),
        refund_window=timedelta(days=settings.refund_window_days),
        refund_abuse_limit=settings.refund_abuse_limit,
        refund_abuse_window=timedelta(days=settings.refund_abuse_window_days),
        gift_code_ttl=timedelta(days=settings.gift_code_ttl_days),
        redirect_allowed_origins=tuple(settings.redirect_allowed_origins),
        stripe_timeout_seconds=settings.stripe_timeout_seconds,
        early_fraud_warning_action=EarlyFraudWarningAction(settings.early_fraud_warning_action),
        payment_methods=settings.payment_method_list,
        trial_days=settings.trial_days,
    )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Everything a billing operation needs, built once per process."""
    return Services(
        clock=clock or make_clock(settings.clock, settings.stripe_api_base),
        stripe=make_stripe_client(settings),
        config=billing_config(settings),
    )
