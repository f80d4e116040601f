"""Invoices, mirrored from Stripe's invoice events."""

from tortoise import fields

from models.base import VersionedModel
from models.enums import Currency, InvoiceStatus


class Invoice(VersionedModel):
    """A Stripe invoice and its tax breakdown.

    `tax_breakdown` is a JSON list of `{"amount", "rate_percent", "jurisdiction",
    "inclusive"}`: always read with its invoice, never queried on its own, so a
    separate table would only add a statement per page.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=128)
    stripe_invoice_id = fields.CharField(max_length=64, unique=True)
    stripe_customer_id = fields.CharField(max_length=64, null=True)
    stripe_subscription_id = fields.CharField(max_length=64, null=True)
    number = fields.CharField(max_length=64, null=True)
    status = fields.CharEnumField(InvoiceStatus, max_length=16)
    currency = fields.CharEnumField(Currency, max_length=3)
    subtotal = fields.BigIntField()
    tax = fields.BigIntField()
    total = fields.BigIntField()
    amount_paid = fields.BigIntField()
    amount_due = fields.BigIntField()
    tax_breakdown = fields.JSONField(default=list)
    # Total taken off by promotion codes, and the invoice's lines as shown to the user:
    # [{"description", "amount", "period_start", "period_end", "proration"}] (read with the
    # invoice, never queried on their own, like tax_breakdown).
    discount = fields.BigIntField(default=0)
    lines = fields.JSONField(default=list)
    # Stripe's billing_reason: "subscription_update" marks the prorated charge of a plan change.
    billing_reason = fields.CharField(max_length=32, null=True)
    period_start = fields.DatetimeField(null=True)
    period_end = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    hosted_invoice_url = fields.CharField(max_length=1000, null=True)
    invoice_pdf = fields.CharField(max_length=1000, null=True)
    # When (epoch ms, the gateway's clock) the GET whose answer the row holds started; 0: not known.
    # An older answer is not applied over it (`billing.invoices.sync`).
    stripe_synced_at = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "invoices"
        indexes = (("user_id", "created_at", "id"),)
