"""Payments: one row per checkout (first payment or gift) and one per renewal invoice."""

from uuid import uuid4

from tortoise import fields

from models.base import VersionedModel
from models.enums import Currency, PaymentKind, PaymentStatus, ProductType


def new_reference() -> str:
    return uuid4().hex


class Payment(VersionedModel):
    """A sum of money the user was asked for, and what became of it.

    The first invoice of a subscription belongs to its checkout's row (matched by
    `checkout_session_id`, then `stripe_invoice_id` is filled in); every later
    invoice gets a RENEWAL row keyed by `stripe_invoice_id`. Status transitions
    are the table in DESIGN.md and live in `billing.payment_status` only.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=128)
    # Our id for the purchase, known before Stripe is called: it travels in the session's,
    # subscription's and payment intent's metadata, so any of their events finds this row.
    reference = fields.CharField(max_length=64, unique=True, default=new_reference)
    kind = fields.CharEnumField(PaymentKind, max_length=16, default=PaymentKind.CHECKOUT)
    checkout_session_id = fields.CharField(max_length=128, unique=True, null=True)
    stripe_customer_id = fields.CharField(max_length=64, null=True)
    stripe_payment_intent_id = fields.CharField(max_length=64, null=True, db_index=True)
    stripe_charge_id = fields.CharField(max_length=64, null=True, db_index=True)
    stripe_subscription_id = fields.CharField(max_length=64, null=True, db_index=True)
    stripe_invoice_id = fields.CharField(max_length=64, unique=True, null=True)
    stripe_price_id = fields.CharField(max_length=64, null=True)
    product_type = fields.CharEnumField(ProductType, max_length=32)
    amount = fields.BigIntField()  # minor units
    # Taken off this payment by a promotion code (minor units, 0 when none).
    discount_amount = fields.BigIntField(default=0)
    currency = fields.CharEnumField(Currency, max_length=3)
    status = fields.CharEnumField(PaymentStatus, max_length=32, default=PaymentStatus.PENDING)
    is_gift = fields.BooleanField(default=False)
    amount_refunded = fields.BigIntField(default=0)
    # What the status was before a refund/dispute moved it, so refund.failed can put it back.
    status_before_reversal = fields.CharEnumField(PaymentStatus, max_length=32, null=True)
    failure_code = fields.CharField(max_length=64, null=True)
    failure_message = fields.CharField(max_length=500, null=True)
    # createCheckout idempotency: same user + same key => this row; fingerprint = the input's hash.
    idempotency_key = fields.CharField(max_length=255, null=True)
    idempotency_fingerprint = fields.CharField(max_length=64, null=True)
    # When a newer subscription checkout of the same user replaced this PENDING one (its session is
    # expired in Stripe by whoever set this: one expire per replaced session; billing.checkout.sessions).
    superseded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "payments"
        unique_together = (("user_id", "idempotency_key"),)
        # Keyset pagination: WHERE user_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC
        indexes = (("user_id", "created_at", "id"),)
