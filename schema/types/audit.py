"""Support's views of one user's history: the audit trail and the disputes (admin-only, via UserBilling)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from billing import ids
from billing.pagination import Page
from schema.types.connections import PageInfo, page_info
from schema.types.enums import AuditAction, Currency
from schema.types.money import Money


@strawberry.type(
    description="Append-only record of an admin action or an automatic money decision on a user."
)
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor_id: str = strawberry.field(description='The admin\'s user id, or "system" for automatic decisions.')
    action: AuditAction
    user_id: strawberry.ID | None
    subject: str | None = strawberry.field(
        description="The object it concerns: a payment id, gift code, Stripe event or dispute id…"
    )
    reason: str | None


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


def audit_entry_from_row(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=strawberry.ID(ids.encode("AuditEntry", row["id"])),
        at=row["created_at"],
        actor_id=row["actor_id"],
        action=row["action"],
        user_id=strawberry.ID(row["user_id"]) if row["user_id"] is not None else None,
        subject=row["subject"],
        reason=row["reason"],
    )


def audit_connection(page: Page[dict[str, Any]]) -> AuditEntryConnection:
    return AuditEntryConnection(
        edges=[
            AuditEntryEdge(cursor=c, node=audit_entry_from_row(row))
            for c, row in zip(page.cursors, page.items, strict=True)
        ],
        page_info=page_info(page),
    )


@strawberry.type(
    description="A dispute of one of the user's payments, as Stripe reports it (support's view)."
)
class Dispute:
    stripe_dispute_id: str
    payment_id: strawberry.ID | None
    status: str = strawberry.field(
        description="Stripe's status: warning_needs_response, needs_response, under_review, won, lost, ..."
    )
    inquiry: bool = strawberry.field(description="The issuer only asked (no chargeback, nothing taken back).")
    reason: str | None
    amount: Money
    funds_withdrawn: Money = strawberry.field(description="Taken from the account by the chargeback.")
    funds_reinstated: Money = strawberry.field(description="Given back when it was won.")
    created_at: datetime
    updated_at: datetime


def dispute_from_row(row: dict[str, Any]) -> Dispute:
    currency = Currency(row["currency"])  # a dispute of one of our payments: a catalog currency
    return Dispute(
        stripe_dispute_id=row["stripe_dispute_id"],
        payment_id=strawberry.ID(ids.encode("Payment", row["payment_id"])) if row["payment_id"] else None,
        status=row["status"],
        inquiry=row["inquiry"],
        reason=row["reason"],
        amount=Money(amount=row["amount"], currency=currency),
        funds_withdrawn=Money(amount=row["funds_withdrawn"], currency=currency),
        funds_reinstated=Money(amount=row["funds_reinstated"], currency=currency),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
