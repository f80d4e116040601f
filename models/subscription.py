"""Subscriptions, mirrored from Stripe."""

from tortoise import fields

from models.base import VersionedModel
from models.enums import (
    BillingCycle,
    CancellationReason,
    Currency,
    ProductType,
    SubscriptionStatus,
)


class Subscription(VersionedModel):
    """The gateway's copy of a Stripe subscription.

    Stripe is the source of truth; `stripe_synced_at` is when (epoch ms, the gateway's
    clock) the GET whose answer the row holds started, so an older answer never
    overwrites a newer one.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=128)
    stripe_subscription_id = fields.CharField(max_length=64, unique=True)
    stripe_customer_id = fields.CharField(max_length=64)
    stripe_price_id = fields.CharField(max_length=64, null=True)
    product_type = fields.CharEnumField(ProductType, max_length=32)
    billing_cycle = fields.CharEnumField(BillingCycle, max_length=16)
    status = fields.CharEnumField(SubscriptionStatus, max_length=32)
    price_amount = fields.BigIntField()
    currency = fields.CharEnumField(Currency, max_length=3)
    current_period_start = fields.DatetimeField()
    current_period_end = fields.DatetimeField()
    cancel_at_period_end = fields.BooleanField(default=False)
    # A set cancellation date (Stripe's `cancel_at`): how a flexible-mode subscription may be set
    # to end at its period end by the Dashboard or the customer portal, with cancel_at_period_end false.
    cancel_at = fields.DatetimeField(null=True)
    canceled_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    cancellation_reason = fields.CharEnumField(CancellationReason, max_length=32, null=True)
    cancellation_feedback = fields.CharField(max_length=1000, null=True)
    # 0 if not known; an event that arrived before that GET needs no re-fetch
    # (`billing.subscriptions.sync`).
    stripe_synced_at = fields.BigIntField(default=0)
    # Stripe's `trial_end` while the subscription is TRIALING: a free trial, or gift time that
    # deferred the next charge.
    trial_end = fields.DatetimeField(null=True)
    # A PERIOD_END plan change waiting in a Stripe subscription schedule: the price the next phase
    # switches to, and when.
    stripe_schedule_id = fields.CharField(max_length=64, null=True)
    scheduled_price_id = fields.CharField(max_length=64, null=True)
    scheduled_product_type = fields.CharEnumField(ProductType, max_length=32, null=True)
    scheduled_at = fields.DatetimeField(null=True)
    # The promotion still applying to future invoices, as `billing.plans.discounts.discount_of`
    # reads it from Stripe: {"code", "percent_off", "amount_off", "currency", "duration",
    # "duration_in_months", "end"}; null when none.
    discount = fields.JSONField(null=True)
    # The last plan-change preview shown: {"product_type", "proration_date"} (unix seconds). An
    # immediate change to that plan soon after uses the same `proration_date`, so what was shown
    # is what Stripe charges (`billing.plans.changes`).
    plan_change_quote = fields.JSONField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "subscriptions"
        indexes = (("user_id", "created_at"),)
