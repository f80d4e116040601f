"""One row per user who has touched billing: the link to Stripe and the account state."""

from tortoise import fields
from tortoise.models import Model

from models.base import VersionedModel


class Customer(VersionedModel):
    """A user of the chat platform, as billing knows them.

    `user_id` is the JWT `sub`. The Stripe customer is created on first need and
    never twice: the unique constraint on `stripe_customer_id` plus the row lock
    taken in `billing.customers` make the second racer reuse the first's id.
    The `access_*` columns are the entitlement cache written by
    `billing.premium` whenever something that grants time changes.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=128, unique=True)
    stripe_customer_id = fields.CharField(max_length=64, unique=True, null=True)
    purchase_restricted = fields.BooleanField(default=False)
    restriction_reason = fields.CharField(max_length=500, null=True)
    # End of the time granted by redeemed gifts (without a live subscription).
    gift_until = fields.DatetimeField(null=True)
    # Start of the current unbroken stretch of premium access, and its end as last computed.
    access_since = fields.DatetimeField(null=True)
    access_until = fields.DatetimeField(null=True)
    # When this user's one free trial started (one per user, ever); null: never had one.
    trial_started_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "customers"


class Refund(VersionedModel):
    """A refund issued through Stripe; the refund history that the abuse policy counts."""

    id = fields.BigIntField(primary_key=True)
    stripe_refund_id = fields.CharField(max_length=64, unique=True)
    payment = fields.ForeignKeyField("models.Payment", related_name="refunds")
    user_id = fields.CharField(max_length=128, db_index=True)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=32)  # Stripe's: pending, succeeded, failed, canceled
    reason = fields.CharField(max_length=32, null=True)
    note = fields.CharField(max_length=1000, null=True)
    requested_by = fields.CharField(max_length=128, null=True)  # admin user id, if via GraphQL
    created_at = fields.DatetimeField()

    class Meta:
        table = "refunds"
        indexes = (("user_id", "created_at"),)


class TrialCard(Model):
    """A card (Stripe's `card.fingerprint`: the same physical card on any customer) that has
    had a free trial. A trial started with a card already here is ended at once, so one card
    buys one trial however many accounts carry it."""

    id = fields.BigIntField(primary_key=True)
    fingerprint = fields.CharField(max_length=64, unique=True)
    user_id = fields.CharField(max_length=128)
    stripe_subscription_id = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "trial_cards"
