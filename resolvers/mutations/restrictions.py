"""`setPurchaseRestriction` (admin)."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import SetPurchaseRestrictionInput, SetPurchaseRestrictionPayload


async def set_purchase_restriction(
    info: Info,
    input: SetPurchaseRestrictionInput,
) -> SetPurchaseRestrictionPayload:
    raise NotImplementedError("setPurchaseRestriction is not implemented yet")
