"""Disputes of payments, mirrored from Stripe for support (inquiries included)."""

from tortoise import fields

from models.base import VersionedModel


class Dispute(VersionedModel):
    """A Stripe dispute as the gateway last saw it, and the money it moved.

    `inquiry`: the issuer only asked (Stripe's `warning_*` statuses): nothing was
    taken back. `funds_withdrawn`/`funds_reinstated` are what Stripe's balance
    transactions for the dispute moved (minor units, positive), so support sees
    the money side of a chargeback without opening Stripe.
    """

    id = fields.BigIntField(primary_key=True)
    stripe_dispute_id = fields.CharField(max_length=64, unique=True)
    stripe_charge_id = fields.CharField(max_length=64)
    payment = fields.ForeignKeyField("models.Payment", related_name="disputes", null=True)
    user_id = fields.CharField(max_length=128, null=True)
    status = fields.CharField(max_length=32)  # Stripe's
    reason = fields.CharField(max_length=64, null=True)
    inquiry = fields.BooleanField(default=False)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    funds_withdrawn = fields.BigIntField(default=0)
    funds_reinstated = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()  # Stripe's `created`
    updated_at = fields.DatetimeField()

    class Meta:
        table = "disputes"
        indexes = (("user_id", "created_at", "id"),)
