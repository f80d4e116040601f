"""`updatePaymentMethod`: a setup-mode Checkout Session to change the card."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import UpdatePaymentMethodInput, UpdatePaymentMethodPayload


async def update_payment_method(
    info: Info,
    input: UpdatePaymentMethodInput,
) -> UpdatePaymentMethodPayload:
    raise NotImplementedError("updatePaymentMethod is not implemented yet")
