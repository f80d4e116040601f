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

    Stripe is the source of truth; `stripe_synced_at` is the `created` time of the
    Stripe state last applied (event or re-fetch), so an older event delivered
    late never overwrites newer state.
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
    # The docstring's account of this column is out of date, and it is what the table's comment
    # (and so the migrations) are made from: it is when (epoch ms, the gateway's clock) the GET whose
    # answer the row holds started, 0 if not known, so an older answer never overwrites a newer one
    # and an event that arrived before that GET needs no re-fetch (`billing.subscriptions.sync`).
    stripe_synced_at = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "subscriptions"
        indexes = (("user_id", "created_at"),)
