"""`Subscription`: the billing object (not GraphQL's subscription root; see schema.root)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from billing import ids
from billing.read_queries import SUBSCRIPTION_FIELDS, row_of
from schema.types.enums import (
    BillingCycle,
    CancellationReason,
    ProductType,
    SubscriptionStatus,
)
from schema.types.money import Money
from schema.types.node import Node
from schema.types.plans import Discount, ScheduledPlanChange, discount_from_dict, scheduled_change_from_row


@strawberry.type
class Subscription(Node):
    id: strawberry.ID
    stripe_subscription_id: str
    product_type: ProductType
    billing_cycle: BillingCycle
    status: SubscriptionStatus
    price: Money
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    cancel_at: datetime | None = strawberry.field(
        description="When it is set to end (Stripe's cancel_at), however the cancellation was set."
    )
    canceled_at: datetime | None
    cancellation_reason: CancellationReason | None
    cancellation_feedback: str | None
    created_at: datetime
    version: int
    trial_end: datetime | None = strawberry.field(
        description="Set while TRIALING (a free trial, or gift time deferring the charge)."
    )
    scheduled_change: ScheduledPlanChange | None = strawberry.field(
        description="A PERIOD_END plan change waiting for the period end."
    )
    discount: Discount | None = strawberry.field(description="A promotion still applying to future invoices.")
    pk: strawberry.Private[int]


def subscription_from_row(row: Any) -> Subscription:
    """From a ``.values()`` row or a `models.Subscription` (mutation payloads)."""
    row = row_of(row, SUBSCRIPTION_FIELDS)
    return Subscription(
        id=strawberry.ID(ids.encode("Subscription", row["id"])),
        stripe_subscription_id=row["stripe_subscription_id"],
        product_type=row["product_type"],
        billing_cycle=row["billing_cycle"],
        status=row["status"],
        price=Money(amount=row["price_amount"], currency=row["currency"]),
        current_period_start=row["current_period_start"],
        current_period_end=row["current_period_end"],
        cancel_at_period_end=row["cancel_at_period_end"],
        cancel_at=row["cancel_at"],
        canceled_at=row["canceled_at"],
        cancellation_reason=row["cancellation_reason"],
        cancellation_feedback=row["cancellation_feedback"],
        created_at=row["created_at"],
        version=row["version"],
        trial_end=row["trial_end"],
        scheduled_change=scheduled_change_from_row(row),
        discount=discount_from_dict(row["discount"]),
        pk=row["id"],
    )
