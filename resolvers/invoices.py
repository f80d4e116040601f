"""`invoices` and `invoice(id)`: only the viewer's own."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from billing import ids, read_queries
from schema.types.connections import page_request
from schema.types.invoice import Invoice, InvoiceConnection, invoice_connection, invoice_from_row


async def invoices(info: Info, first: int | None = 25, after: str | None = None) -> InvoiceConnection:
    viewer = info.context.require_viewer()
    page = await read_queries.invoices_page(viewer.user_id, page_request(first, after))
    return invoice_connection(page, info.context)


async def invoice(info: Info, id: strawberry.ID) -> Invoice | None:
    viewer = info.context.require_viewer()
    pk = ids.decode_as(id, "Invoice")
    if pk is None:
        return None
    row = await read_queries.invoice_for(viewer.user_id, pk)
    return invoice_from_row(row, info.context) if row else None
