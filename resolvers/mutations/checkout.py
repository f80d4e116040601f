"""`createCheckout`: a Stripe Checkout Session for premium or a gift.

Thin: the viewer, the input as billing's `CheckoutRequest`, billing's answer
(or its `BillingError`) as the payload.
"""

from __future__ import annotations

from strawberry.types import Info

from billing.checkout import CheckoutRequest
from billing.checkout.sessions import create_checkout as start_checkout
from billing.errors import BillingError
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.mutation_io import CreateCheckoutInput, CreateCheckoutPayload
from schema.types.payment import build_payments


async def create_checkout(info: Info, input: CreateCheckoutInput) -> CreateCheckoutPayload:
    context = info.context
    viewer = context.require_viewer()
    request = CheckoutRequest(
        product_type=input.product_type,
        is_gift=input.is_gift,
        success_url=input.success_url,
        cancel_url=input.cancel_url,
        currency=input.currency,
        idempotency_key=input.idempotency_key,
        promotion_code=input.promotion_code,
    )
    try:
        result = await start_checkout(services_of(context), viewer.user_id, request)
    except BillingError as error:
        return CreateCheckoutPayload(user_errors=user_errors_from(error))
    (payment,) = await build_payments([result.payment], context)
    return CreateCheckoutPayload(
        checkout_url=result.checkout_url, session_id=result.session_id, payment=payment
    )
