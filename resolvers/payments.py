"""`payments`: the viewer's payments, newest first, keyset-paginated, optionally by status."""

from __future__ import annotations

from strawberry.types import Info

from billing import read_queries
from schema.types.connections import page_request
from schema.types.enums import PaymentStatus
from schema.types.payment import PaymentConnection, payment_connection


async def payments(
    info: Info,
    first: int | None = 25,
    after: str | None = None,
    status: list[PaymentStatus] | None = None,
) -> PaymentConnection:
    viewer = info.context.require_viewer()
    request = page_request(first, after)
    if status is None:
        # The page and its gift codes in one statement; the codes go to the request's
        # gift-code loader, which `payment_connection` then finds already filled.
        page, codes = await read_queries.payments_page_with_gift_codes(viewer.user_id, request)
        info.context.loaders.gift_code_by_payment.prime_many(codes)
    else:
        page = await read_queries.payments_page(viewer.user_id, request, status)
    return await payment_connection(page, info.context)
