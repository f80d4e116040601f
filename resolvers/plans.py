"""`planChangePreview` (Stripe's own figures for a plan change) and `promotionCode` (a code
checked against a product before checkout)."""

from __future__ import annotations

from strawberry.types import Info

from billing.catalog.entries import find as find_entry
from billing.errors import BillingError, ErrorCode
from billing.plans import check_code_limited, preview_change
from billing.subscriptions import live_subscription
from resolvers.mutations.services import services_of
from schema.types.enums import Currency, PlanChangeTiming, ProductType
from schema.types.errors import bad_user_input, rate_limited
from schema.types.plans import (
    PlanChangePreview,
    PromotionCodeCheck,
    plan_change_preview_from,
    promotion_code_check_from,
)


def _as_api_error(error: BillingError) -> Exception:
    if error.code == ErrorCode.RATE_LIMITED:
        return rate_limited(error.message)
    return bad_user_input(error.message)


async def plan_change_preview(
    info: Info, product_type: ProductType, timing: PlanChangeTiming = PlanChangeTiming.NOW
) -> PlanChangePreview | None:
    """Null without a live subscription; a change `changePlan` would refuse is BAD_USER_INPUT."""
    context = info.context
    viewer = context.require_viewer()
    row = await live_subscription(viewer.user_id)
    if row is None:
        return None
    try:
        quote = await preview_change(services_of(context), row, product_type, timing)
    except BillingError as error:
        if error.code == ErrorCode.PAYMENT_PROVIDER_ERROR:
            raise
        raise _as_api_error(error) from None
    return plan_change_preview_from(quote)


async def promotion_code(
    info: Info,
    code: str,
    product_type: ProductType,
    is_gift: bool = False,
    currency: Currency = Currency.USD,
) -> PromotionCodeCheck:
    """Failed checks count toward the same rate limit as gift codes (RATE_LIMITED when spent)."""
    context = info.context
    viewer = context.require_viewer()
    try:
        entry = find_entry(product_type, is_gift=is_gift, currency=currency)
    except (KeyError, ValueError):
        raise bad_user_input(f"{currency} is not sold for this product.") from None
    try:
        check = await check_code_limited(services_of(context), viewer.user_id, code, entry, context.now())
    except BillingError as error:
        if error.code == ErrorCode.PAYMENT_PROVIDER_ERROR:
            raise
        raise _as_api_error(error) from None
    return promotion_code_check_from(check)
