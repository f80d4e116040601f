"""`redeemGift` (any signed-in user) and `revokeGiftCode` (admin)."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import (
    RedeemGiftInput,
    RedeemGiftPayload,
    RevokeGiftCodeInput,
    RevokeGiftCodePayload,
)


async def redeem_gift(info: Info, input: RedeemGiftInput) -> RedeemGiftPayload:
    raise NotImplementedError("redeemGift is not implemented yet")


async def revoke_gift_code(info: Info, input: RevokeGiftCodeInput) -> RevokeGiftCodePayload:
    raise NotImplementedError("revokeGiftCode is not implemented yet")
