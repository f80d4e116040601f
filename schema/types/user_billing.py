"""`UserBilling`: what support staff see of one user (reached only through admin-guarded fields).

The guard is on the field that returns a UserBilling (`userBilling`,
`setPurchaseRestriction`); the nested fields load lazily, so an admin screen
pays only for what it asks.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from billing import audit, read_queries
from billing.premium import rule as premium_rule
from schema.types.audit import AuditEntryConnection, Dispute, audit_connection, dispute_from_row
from schema.types.connections import page_request
from schema.types.invoice import InvoiceConnection, invoice_connection
from schema.types.payment import PaymentConnection, payment_connection
from schema.types.premium import Premium, premium_from_state
from schema.types.subscription import Subscription, subscription_from_row


@strawberry.type(description='What support staff see of one user (role "admin" only).')
class UserBilling:
    user_id: strawberry.ID
    # The Customer row's restriction flags, fetched once for both fields that show them.
    _restriction: strawberry.Private[asyncio.Future[dict[str, Any]] | None] = None

    def _restriction_row(self) -> asyncio.Future[dict[str, Any]]:
        if self._restriction is None:
            self._restriction = asyncio.ensure_future(read_queries.restriction(self.user_id))
        return self._restriction

    @strawberry.field
    async def premium(self, info: Info) -> Premium:
        state = await premium_rule.load_premium(self.user_id, info.context.now())
        return premium_from_state(state, self.user_id)

    @strawberry.field
    async def subscription(self) -> Subscription | None:
        row = await read_queries.current_subscription(self.user_id)
        return subscription_from_row(row) if row else None

    @strawberry.field
    async def payments(
        self, info: Info, first: int | None = 25, after: str | None = None
    ) -> PaymentConnection:
        page = await read_queries.payments_page(self.user_id, page_request(first, after))
        return await payment_connection(page, info.context)

    @strawberry.field
    async def invoices(
        self, info: Info, first: int | None = 25, after: str | None = None
    ) -> InvoiceConnection:
        page = await read_queries.invoices_page(self.user_id, page_request(first, after))
        return invoice_connection(page, info.context)

    @strawberry.field
    async def purchase_restricted(self) -> bool:
        return (await self._restriction_row())["purchase_restricted"]

    @strawberry.field
    async def restriction_reason(self) -> str | None:
        return (await self._restriction_row())["restriction_reason"]

    @strawberry.field
    async def refund_count(self) -> int:
        return await read_queries.refund_count(self.user_id)

    @strawberry.field(description="Admin actions and automatic money decisions on this user, newest first.")
    async def audit_log(self, first: int | None = 25, after: str | None = None) -> AuditEntryConnection:
        return audit_connection(await audit.page_for_user(self.user_id, page_request(first, after)))

    @strawberry.field(description="Disputes of the user's payments (inquiries included), newest first.")
    async def disputes(self) -> list[Dispute]:
        return [dispute_from_row(row) for row in await read_queries.disputes(self.user_id)]
