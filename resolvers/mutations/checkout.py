"""`createCheckout`: a Stripe Checkout Session for premium or a gift (write side fills this in)."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import CreateCheckoutInput, CreateCheckoutPayload


async def create_checkout(info: Info, input: CreateCheckoutInput) -> CreateCheckoutPayload:
    raise NotImplementedError("createCheckout is not implemented yet")
