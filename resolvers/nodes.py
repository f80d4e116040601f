"""`node(id)`: any of the viewer's payments, subscriptions, invoices, or gift codes they bought or redeemed.

A malformed ID, an unknown type and another user's object all give null.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from billing import ids, read_queries
from schema.types.gift_code import gift_code_from_row
from schema.types.invoice import invoice_from_row
from schema.types.node import Node
from schema.types.payment import build_payments
from schema.types.subscription import subscription_from_row


async def node(info: Info, id: strawberry.ID) -> Node | None:
    context = info.context
    viewer = context.require_viewer()
    decoded = ids.decode(id)
    if decoded is None:
        return None
    type_name, pk = decoded
    user_id = viewer.user_id
    if type_name == "Payment":
        row = await read_queries.payment_for(user_id, pk)
        return (await build_payments([row], context))[0] if row else None
    if type_name == "Subscription":
        row = await read_queries.subscription_for(user_id, pk)
        return subscription_from_row(row) if row else None
    if type_name == "Invoice":
        row = await read_queries.invoice_for(user_id, pk)
        return invoice_from_row(row, context) if row else None
    if type_name == "GiftCode":
        row = await read_queries.gift_code_for(user_id, pk)
        return gift_code_from_row(row, viewer_id=user_id, now=context.now()) if row else None
    return None
