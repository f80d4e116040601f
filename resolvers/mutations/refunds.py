"""`refundPayment` (admin)."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import RefundPaymentInput, RefundPaymentPayload


async def refund_payment(info: Info, input: RefundPaymentInput) -> RefundPaymentPayload:
    raise NotImplementedError("refundPayment is not implemented yet")
