"""`giftCodes` (codes the viewer bought) and `giftCode(code)` (look-up before redeeming).

Look-ups of codes that do not exist count toward the per-user redeem rate
limit (shared with `redeemGift`), so codes cannot be enumerated: once the
window's allowance is spent, every look-up answers RATE_LIMITED.
"""

from __future__ import annotations

from strawberry.types import Info

from billing import rate_limit, read_queries
from schema.types.connections import page_request
from schema.types.errors import rate_limited
from schema.types.gift_code import GiftCode, GiftCodeConnection, gift_code_connection, gift_code_from_row


async def gift_codes(
    info: Info, first: int | None = 25, after: str | None = None, redeemed: bool | None = None
) -> GiftCodeConnection:
    viewer = info.context.require_viewer()
    page = await read_queries.purchased_gift_codes_page(viewer.user_id, page_request(first, after), redeemed)
    return gift_code_connection(page, viewer_id=viewer.user_id, now=info.context.now())


async def gift_code(info: Info, code: str) -> GiftCode | None:
    context = info.context
    viewer = context.require_viewer()
    now = context.now()
    rule = context.config.redeem_rate_limit
    key = rate_limit.redeem_key(viewer.user_id)
    if not await rate_limit.reserve(key, rule, now):  # before the lookup: aliases each take one
        raise rate_limited()
    row = await read_queries.gift_code_by_code(code)
    if row is None:
        return None  # a failed guess keeps its unit
    await rate_limit.give_back(key, rule, now)
    return gift_code_from_row(row, viewer_id=viewer.user_id, now=now)
