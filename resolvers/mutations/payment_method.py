"""`updatePaymentMethod`: a Stripe-hosted page (setup-mode Checkout Session) to change the card.

The new card becomes the default when Stripe reports the session complete
(webhook -> `billing.checkout.card_change.apply_new_default`), not here.
"""

from __future__ import annotations

from strawberry.types import Info

from billing.checkout import start_card_change
from billing.errors import BillingError
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.mutation_io import UpdatePaymentMethodInput, UpdatePaymentMethodPayload


async def update_payment_method(
    info: Info,
    input: UpdatePaymentMethodInput,
) -> UpdatePaymentMethodPayload:
    context = info.context
    viewer = context.require_viewer()
    try:
        url = await start_card_change(services_of(context), viewer.user_id, input.return_url)
    except BillingError as error:
        return UpdatePaymentMethodPayload(user_errors=user_errors_from(error))
    return UpdatePaymentMethodPayload(url=url)
