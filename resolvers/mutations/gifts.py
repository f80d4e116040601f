"""`redeemGift` (any signed-in user) and `revokeGiftCode` (admin)."""

from __future__ import annotations

from strawberry.types import Info

from billing.errors import BillingError
from billing.gifts import redeem
from billing.reversals.gift_revocation import revoke_gift_code as revoke_by_support
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.gift_code import gift_code_from_row
from schema.types.mutation_io import (
    RedeemGiftInput,
    RedeemGiftPayload,
    RevokeGiftCodeInput,
    RevokeGiftCodePayload,
)
from schema.types.premium import premium_from_state


async def redeem_gift(info: Info, input: RedeemGiftInput) -> RedeemGiftPayload:
    """Redeem a code for the viewer. Failed attempts count toward the guessing rate limit."""
    context = info.context
    viewer = context.require_viewer()
    try:
        redemption = await redeem(services_of(context), viewer.user_id, input.code)
    except BillingError as error:
        return RedeemGiftPayload(user_errors=user_errors_from(error))
    return RedeemGiftPayload(
        gift_code=gift_code_from_row(redemption.gift_code, viewer_id=viewer.user_id, now=context.now()),
        premium=premium_from_state(redemption.premium, viewer.user_id),
    )


async def revoke_gift_code(info: Info, input: RevokeGiftCodeInput) -> RevokeGiftCodePayload:
    """Support revokes a code; a redeemed one also loses its unused time (billing.reversals)."""
    context = info.context
    admin = context.require_viewer()
    try:
        code = await revoke_by_support(services_of(context), admin.user_id, input.code, input.reason)
    except BillingError as error:
        return RevokeGiftCodePayload(user_errors=user_errors_from(error))
    return RevokeGiftCodePayload(
        gift_code=gift_code_from_row(code, viewer_id=admin.user_id, now=context.now())
    )
