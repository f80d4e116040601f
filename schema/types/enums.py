"""The contract's enums.

The stored enums (models.enums) already use the contract's UPPER_SNAKE names,
so they are exposed as they are: a row's value serialises without a mapping
table, and mutation inputs arrive as the very enum the models store.
"""

from __future__ import annotations

import strawberry

from billing.premium.rule import PremiumSource as _PremiumSource
from models import enums as _m

Currency = strawberry.enum(_m.Currency, name="Currency")
ProductType = strawberry.enum(_m.ProductType, name="ProductType")
BillingCycle = strawberry.enum(_m.BillingCycle, name="BillingCycle")
PaymentStatus = strawberry.enum(_m.PaymentStatus, name="PaymentStatus")
SubscriptionStatus = strawberry.enum(_m.SubscriptionStatus, name="SubscriptionStatus")
InvoiceStatus = strawberry.enum(_m.InvoiceStatus, name="InvoiceStatus")
GiftCodeStatus = strawberry.enum(_m.GiftCodeStatus, name="GiftCodeStatus")
RefundReason = strawberry.enum(_m.RefundReason, name="RefundReason")
CancellationReason = strawberry.enum(_m.CancellationReason, name="CancellationReason")
PremiumSource = strawberry.enum(_PremiumSource, name="PremiumSource")
AuditAction = strawberry.enum(_m.AuditAction, name="AuditAction")
PaymentKind = strawberry.enum(_m.PaymentKind, name="PaymentKind")
PlanChangeTiming = strawberry.enum(_m.PlanChangeTiming, name="PlanChangeTiming")
DiscountDuration = strawberry.enum(_m.DiscountDuration, name="DiscountDuration")

__all__ = [
    "AuditAction",
    "BillingCycle",
    "CancellationReason",
    "Currency",
    "DiscountDuration",
    "GiftCodeStatus",
    "InvoiceStatus",
    "PaymentKind",
    "PaymentStatus",
    "PlanChangeTiming",
    "PremiumSource",
    "ProductType",
    "RefundReason",
    "SubscriptionStatus",
]
