"""`setPurchaseRestriction` (admin): restrict an account or lift a restriction."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from billing.errors import BillingError
from billing.reversals import set_restriction
from schema.types.errors import user_errors_from
from schema.types.mutation_io import SetPurchaseRestrictionInput, SetPurchaseRestrictionPayload
from schema.types.user_billing import UserBilling


async def set_purchase_restriction(
    info: Info,
    input: SetPurchaseRestrictionInput,
) -> SetPurchaseRestrictionPayload:
    context = info.context
    admin = context.require_viewer()
    user_id = str(input.user_id)
    try:
        await set_restriction(
            user_id,
            input.restricted,
            input.reason,
            context.now(),
            actor=admin.user_id,
            services=context.services,
        )
    except BillingError as error:
        return SetPurchaseRestrictionPayload(user_errors=user_errors_from(error))
    return SetPurchaseRestrictionPayload(user=UserBilling(user_id=strawberry.ID(user_id)))
