"""Free trials: who gets one, and one per card.

DESIGN.md "Trials": with `TRIAL_DAYS > 0` a first-time subscriber's Checkout gets
`subscription_data.trial_period_days` (CheckoutSessionCreateParams; Stripe still
collects the card); premium is active from the start (the subscription is TRIALING)
and the first charge happens at `trial_end`. One trial per user, ever: a user who
ever had a subscription, or a trial, gets none.

A card that had a trial on another account gets none either: when the checkout of
a trial completes, the subscription's default payment method's `card.fingerprint`
(Stripe's: the same physical card on any customer, `stripe/_payment_method.py`)
is recorded once (`TrialCard`, unique); if another subscription holds it, this
trial is ended at once (`trial_end=now`, SubscriptionUpdateParams), so Stripe
charges now.
"""

from __future__ import annotations

import logging
from typing import Any

from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from models import Customer, Subscription, TrialCard
from models.base import insert_if_absent

log = logging.getLogger("billing.plans.trials")

# Marks a checkout's subscription as a free trial (`subscription_data.metadata`): gift time also
# shows as TRIALING, and only a free trial is held to one per card.
TRIAL_METADATA_KEY = "free_trial"


async def eligible(user_id: str) -> bool:
    """May the user still start a free trial: never subscribed, never had one."""
    if await Subscription.filter(user_id=user_id).exists():
        return False
    customer = await Customer.get_or_none(user_id=user_id)
    return customer is None or customer.trial_started_at is None


async def trial_days_for(services: Services, user_id: str) -> int:
    """The trial a subscription checkout of `user_id` gets now: TRIAL_DAYS, or 0."""
    days = services.config.trial_days
    if days <= 0 or not await eligible(user_id):
        return 0
    return days


def is_free_trial(sub: dict[str, Any]) -> bool:
    return so.metadata(sub).get(TRIAL_METADATA_KEY) == "true" and sub.get("status") == "trialing"


def card_fingerprint(sub: dict[str, Any]) -> str | None:
    """The card fingerprint of an (expanded) default payment method; None for other methods."""
    method = sub.get("default_payment_method")
    if not isinstance(method, dict):
        return None
    return (method.get("card") or {}).get("fingerprint")


async def on_trial_started(services: Services, user_id: str, sub: dict[str, Any]) -> None:
    """A checkout's subscription started a free trial: the user's one trial is spent, and the
    card's; a card that had one elsewhere ends this one now. Safe to run again for the same
    subscription (the checkout event may be delivered twice)."""
    if not is_free_trial(sub):
        return
    now = services.clock.now()
    await Customer.filter(user_id=user_id, trial_started_at__isnull=True).update(
        trial_started_at=so.ts(sub.get("trial_start")) or now
    )
    fingerprint = card_fingerprint(sub)
    if fingerprint is None:
        if isinstance(sub.get("default_payment_method"), str):
            method = await call(
                "payment_methods.retrieve",
                services.stripe.v1.payment_methods.retrieve_async(sub["default_payment_method"]),
                timeout=services.config.stripe_timeout_seconds,
            )
            fingerprint = (so.as_dict(method).get("card") or {}).get("fingerprint")
        if fingerprint is None:
            return
    await insert_if_absent(
        TrialCard,
        fingerprint=fingerprint,
        user_id=user_id,
        stripe_subscription_id=sub["id"],
        created_at=now,
    )
    first = await TrialCard.get(fingerprint=fingerprint)
    if first.stripe_subscription_id == sub["id"]:
        return
    log.info(
        "card already had a trial; ending this one now",
        extra={"subscription": sub["id"], "first_subscription": first.stripe_subscription_id},
    )
    await call(
        "subscriptions.update(trial_end=now)",
        services.stripe.v1.subscriptions.update_async(
            sub["id"],
            params={"trial_end": "now"},
            options={"idempotency_key": f"bg-trial-end-{sub['id']}"},
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
