"""`Payment` and its connection.

Every field is a plain attribute filled from one ``.values()`` row; the gift
code is attached by whoever builds the page (`build_payments`), with one
``IN`` query for the whole page, so a page costs the same number of SQL
statements whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from billing import ids
from billing.pagination import Page
from billing.read_queries import PAYMENT_FIELDS, row_of
from schema.types.connections import PageInfo, page_info
from schema.types.enums import Currency, PaymentKind, PaymentStatus, ProductType
from schema.types.gift_code import GiftCode, gift_code_from_row
from schema.types.money import Money
from schema.types.node import Node

if TYPE_CHECKING:
    from schema.types.context import GatewayContext


@strawberry.type
class Payment(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    checkout_session_id: str | None
    stripe_customer_id: str | None
    stripe_payment_intent_id: str | None
    stripe_subscription_id: str | None = strawberry.field(
        description="Recurring payments (first payment and every renewal)."
    )
    stripe_invoice_id: str | None
    stripe_price_id: str | None
    product_type: ProductType
    amount: int = strawberry.field(description="Minor units.")
    currency: Currency
    money: Money
    status: PaymentStatus
    is_gift: bool
    gift_code: GiftCode | None = strawberry.field(description="The code bought by a completed gift purchase.")
    created_at: datetime = strawberry.field(description="When the payment was initiated.")
    completed_at: datetime | None
    version: int = strawberry.field(description="Optimistic concurrency version; grows on every change.")
    discount: Money | None = strawberry.field(
        description="Taken off this payment by a promotion code; null when none."
    )
    kind: PaymentKind = strawberry.field(description="What this payment paid for.")
    pk: strawberry.Private[int]


def payment_from_row(row: Any, gift_code: GiftCode | None) -> Payment:
    """From a ``.values()`` row or a `models.Payment`; prefer `build_payments`, which finds the gift code."""
    row = row_of(row, PAYMENT_FIELDS)
    return Payment(
        id=strawberry.ID(ids.encode("Payment", row["id"])),
        user_id=strawberry.ID(row["user_id"]),
        checkout_session_id=row["checkout_session_id"],
        stripe_customer_id=row["stripe_customer_id"],
        stripe_payment_intent_id=row["stripe_payment_intent_id"],
        stripe_subscription_id=row["stripe_subscription_id"],
        stripe_invoice_id=row["stripe_invoice_id"],
        stripe_price_id=row["stripe_price_id"],
        product_type=row["product_type"],
        amount=row["amount"],
        currency=row["currency"],
        money=Money(amount=row["amount"], currency=row["currency"]),
        status=row["status"],
        is_gift=row["is_gift"],
        gift_code=gift_code,
        created_at=row["created_at"],
        completed_at=row["completed_at"],
        version=row["version"],
        discount=Money(amount=row["discount_amount"], currency=row["currency"])
        if row["discount_amount"]
        else None,
        kind=row["kind"],
        pk=row["id"],
    )


async def build_payments(rows: Sequence[Any], context: GatewayContext) -> list[Payment]:
    """Payment types for rows, gift codes attached with at most one query for all of them.

    Use this wherever a Payment is returned (lists, node, mutation payloads): the
    per-request DataLoader batches and caches the gift-code lookups.
    """
    rows = [row_of(row, PAYMENT_FIELDS) for row in rows]
    gift_payment_ids = [row["id"] for row in rows if row["is_gift"]]
    codes: dict[int, GiftCode] = {}
    if gift_payment_ids:
        viewer_id = context.viewer.user_id if context.viewer else None
        now = context.now()
        found = await context.loaders.gift_code_by_payment.load_many(gift_payment_ids)
        codes = {
            pid: gift_code_from_row(code_row, viewer_id=viewer_id, now=now)
            for pid, code_row in zip(gift_payment_ids, found, strict=True)
            if code_row is not None
        }
    return [payment_from_row(row, codes.get(row["id"])) for row in rows]


@strawberry.type
class PaymentEdge:
    cursor: str
    node: Payment


@strawberry.type
class PaymentConnection:
    edges: list[PaymentEdge]
    page_info: PageInfo


async def payment_connection(page: Page[dict[str, Any]], context: GatewayContext) -> PaymentConnection:
    nodes = await build_payments(page.items, context)
    return PaymentConnection(
        edges=[PaymentEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        page_info=page_info(page),
    )
