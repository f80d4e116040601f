"""`Invoice` with its tax lines and a short-lived signed PDF link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import strawberry

from billing import ids
from billing.invoices import sign_invoice_link
from billing.pagination import Page
from billing.read_queries import INVOICE_FIELDS, row_of
from schema.types.connections import PageInfo, page_info
from schema.types.enums import Currency, InvoiceStatus
from schema.types.money import Money
from schema.types.node import Node
from schema.types.plans import InvoiceLine, invoice_lines

if TYPE_CHECKING:
    from schema.types.context import GatewayContext


@strawberry.type
class TaxLine:
    amount: Money
    rate_percent: str = strawberry.field(description='"19", "8.875"')
    jurisdiction: str | None = strawberry.field(description='"DE", "GB", "CA-ON"')
    inclusive: bool
    taxability_reason: str | None = strawberry.field(
        description='Stripe\'s reason: "standard_rated", "reverse_charge", "not_collecting", ...'
    )


@strawberry.type
class Invoice(Node):
    id: strawberry.ID
    stripe_invoice_id: str
    number: str | None
    status: InvoiceStatus
    currency: Currency
    subtotal: Money
    tax: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    tax_breakdown: list[TaxLine]
    period_start: datetime | None
    period_end: datetime | None
    created_at: datetime
    paid_at: datetime | None
    hosted_invoice_url: str | None
    discount: Money = strawberry.field(description="Total taken off by promotion codes (0 when none).")
    lines: list[InvoiceLine]
    download_url: str = strawberry.field(
        description="A short-lived signed link to the gateway's PDF route; works without a header."
    )
    pk: strawberry.Private[int]


def rate_percent_text(value: object) -> str:
    """``19`` -> "19", ``8.875`` -> "8.875", ``"20.0"`` -> "20" (no float artefacts, no exponent)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    return text


def tax_lines(breakdown: Sequence[dict[str, Any]] | None, currency: str) -> list[TaxLine]:
    return [
        TaxLine(
            amount=Money(amount=int(line["amount"]), currency=currency),  # type: ignore[arg-type]
            rate_percent=rate_percent_text(line.get("rate_percent", "0")),
            jurisdiction=line.get("jurisdiction"),
            inclusive=bool(line.get("inclusive", False)),
            taxability_reason=line.get("taxability_reason"),
        )
        for line in breakdown or ()
    ]


def invoice_from_row(row: Any, context: GatewayContext) -> Invoice:
    """From a ``.values()`` row or a `models.Invoice`; signs a fresh download link."""
    row = row_of(row, INVOICE_FIELDS)
    currency = row["currency"]
    global_id = ids.encode("Invoice", row["id"])
    return Invoice(
        id=strawberry.ID(global_id),
        stripe_invoice_id=row["stripe_invoice_id"],
        number=row["number"],
        status=row["status"],
        currency=currency,
        subtotal=Money(amount=row["subtotal"], currency=currency),
        tax=Money(amount=row["tax"], currency=currency),
        total=Money(amount=row["total"], currency=currency),
        amount_paid=Money(amount=row["amount_paid"], currency=currency),
        amount_due=Money(amount=row["amount_due"], currency=currency),
        tax_breakdown=tax_lines(row["tax_breakdown"], currency),
        period_start=row["period_start"],
        period_end=row["period_end"],
        created_at=row["created_at"],
        paid_at=row["paid_at"],
        hosted_invoice_url=row["hosted_invoice_url"],
        discount=Money(amount=row["discount"], currency=currency),
        lines=invoice_lines(row["lines"], currency),
        download_url=context.base_url + sign_invoice_link(context.link_key, global_id, context.now()),
        pk=row["id"],
    )


@strawberry.type
class InvoiceEdge:
    cursor: str
    node: Invoice


@strawberry.type
class InvoiceConnection:
    edges: list[InvoiceEdge]
    page_info: PageInfo


def invoice_connection(page: Page[dict[str, Any]], context: GatewayContext) -> InvoiceConnection:
    return InvoiceConnection(
        edges=[
            InvoiceEdge(cursor=cursor, node=invoice_from_row(row, context))
            for cursor, row in zip(page.cursors, page.items, strict=True)
        ],
        page_info=page_info(page),
    )
