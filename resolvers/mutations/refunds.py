"""`refundPayment` (admin): a full refund through Stripe; the status follows by webhook."""

from __future__ import annotations

from strawberry.types import Info

from billing.errors import BillingError
from billing.reversals.refunds import refund_payment as issue_refund
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.mutation_io import RefundPaymentInput, RefundPaymentPayload
from schema.types.payment import build_payments


async def refund_payment(info: Info, input: RefundPaymentInput) -> RefundPaymentPayload:
    context = info.context
    admin = context.require_viewer()
    try:
        payment = await issue_refund(
            services_of(context), admin.user_id, str(input.payment_id), input.reason, input.note
        )
    except BillingError as error:
        return RefundPaymentPayload(user_errors=user_errors_from(error))
    (node,) = await build_payments([payment], context)
    return RefundPaymentPayload(payment=node)
