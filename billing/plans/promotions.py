"""Promotion codes: looked up in Stripe, checked against what is being bought.

Codes and their coupons are made in Stripe (Dashboard or API), never here. A check
reads the code with its coupon (`promotion_codes.list` by `code`; at this API version
the coupon sits under `promotion.coupon`, `stripe/_promotion_code.py`) and applies the
restrictions Stripe documents for it: the code's `active`, `expires_at`,
`max_redemptions`, `restrictions` (first-time transaction, minimum amount, per
currency) and customer; the coupon's `valid`, `applies_to.products` and currency
(an `amount_off` coupon is for one currency, or those in its `currency_options`).
`createCheckout` runs the same check before it asks Stripe for a session, so an
unusable code is a userError and no session is made; Stripe checks again and has
the last word.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe

from billing import rate_limit
from billing.catalog.entries import CatalogEntry
from billing.catalog.sync import product_id
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.stripe.discounts import coupon_terms
from models import Customer, Payment

log = logging.getLogger("billing.plans.promotions")

# The coupon with the two fields Stripe includes only when asked (the Coupon object's reference:
# "This field is not included by default"): which products, and amounts in other currencies.
PROMOTION_EXPAND = [
    "data.promotion.coupon",
    "data.promotion.coupon.applies_to",
    "data.promotion.coupon.currency_options",
]
MAX_CODE_CHARS = 64  # Stripe's own codes are at most 500; ours are typed by people


@dataclass(frozen=True, slots=True)
class PromotionCheck:
    """A code checked against a purchase: valid or the reason it is not, and the first charge."""

    code: str
    valid: bool
    reason: ErrorCode | None
    currency: str
    discount: dict[str, Any] | None = None  # as `billing.stripe.discounts.discount_of` stores one
    original_amount: int | None = None
    discounted_amount: int | None = None
    promotion_code_id: str | None = None


def clean_code(code: str) -> str:
    text = code.strip()
    if not text or len(text) > MAX_CODE_CHARS or not text.isprintable():
        raise BillingError(
            ErrorCode.INVALID_INPUT,
            f"A promotion code is 1 to {MAX_CODE_CHARS} printable characters.",
            ["promotionCode"],
        )
    return text


def discounted(amount: int, coupon: dict[str, Any], currency: str) -> int:
    """The first charge with the coupon: Stripe takes a percentage off the (tax-inclusive)
    amount, rounded to the minor unit, or a fixed amount in the purchase's currency."""
    if coupon.get("percent_off") is not None:
        off = (Decimal(amount) * Decimal(str(coupon["percent_off"])) / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return max(0, amount - int(off))
    return max(0, amount - (_amount_off(coupon, currency) or 0))


def _amount_off(coupon: dict[str, Any], currency: str) -> int | None:
    """An amount_off coupon's amount in `currency`, or None when it has none there."""
    if str(coupon.get("currency") or "").lower() == currency.lower():
        return int(coupon["amount_off"])
    option = (coupon.get("currency_options") or {}).get(currency.lower())
    return int(option["amount_off"]) if option and option.get("amount_off") is not None else None


async def _find(services: Services, code: str) -> dict[str, Any] | None:
    answer = await call(
        "promotion_codes.list",
        services.stripe.v1.promotion_codes.list_async(
            params={"code": code, "limit": 1, "expand": PROMOTION_EXPAND}
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    found = so.as_dict(answer).get("data") or []
    return found[0] if found else None


async def _has_paid_before(user_id: str) -> bool:
    """Stripe's first-time transaction: a customer without any successful payment."""
    return await Payment.filter(user_id=user_id, completed_at__isnull=False).exists()


async def _reason(
    promotion: dict[str, Any], coupon: dict[str, Any], entry: CatalogEntry, user_id: str, now: int
) -> ErrorCode | None:
    currency = entry.currency.lower()
    if not promotion.get("active"):
        expired = promotion.get("expires_at") is not None and promotion["expires_at"] <= now
        return ErrorCode.PROMOTION_CODE_EXPIRED if expired else ErrorCode.PROMOTION_CODE_INVALID
    if promotion.get("expires_at") is not None and promotion["expires_at"] <= now:
        return ErrorCode.PROMOTION_CODE_EXPIRED
    limit = promotion.get("max_redemptions")
    if limit is not None and int(promotion.get("times_redeemed") or 0) >= limit:
        return ErrorCode.PROMOTION_CODE_EXPIRED
    if not coupon.get("valid", True):  # past its redeem_by or its own max_redemptions
        return ErrorCode.PROMOTION_CODE_EXPIRED
    restrictions = promotion.get("restrictions") or {}
    minimum = restrictions.get("minimum_amount")
    minimum_currency = str(restrictions.get("minimum_amount_currency") or "").lower()
    option = (restrictions.get("currency_options") or {}).get(currency) or {}
    if option.get("minimum_amount") is not None:
        minimum, minimum_currency = option["minimum_amount"], currency
    if minimum is not None and minimum_currency == currency and entry.amount < int(minimum):
        return ErrorCode.PROMOTION_CODE_NOT_APPLICABLE
    products = ((coupon.get("applies_to") or {}).get("products")) or None
    if products is not None and product_id(entry) not in products:
        return ErrorCode.PROMOTION_CODE_NOT_APPLICABLE
    if coupon.get("percent_off") is None and _amount_off(coupon, currency) is None:
        return ErrorCode.PROMOTION_CODE_NOT_APPLICABLE
    if promotion.get("customer") is not None:
        customer = await Customer.get_or_none(user_id=user_id)
        owner = so.obj_id(promotion["customer"])
        if customer is None or customer.stripe_customer_id != owner:
            return ErrorCode.PROMOTION_CODE_NOT_APPLICABLE
    if restrictions.get("first_time_transaction") and await _has_paid_before(user_id):
        return ErrorCode.PROMOTION_CODE_NOT_APPLICABLE
    return None


async def check_code(services: Services, user_id: str, code: str, entry: CatalogEntry) -> PromotionCheck:
    """`code` against buying `entry` as `user_id`: Stripe's code and coupon, our reading of
    their restrictions, and the first charge with it."""
    code = clean_code(code)
    currency = entry.currency
    promotion = await _find(services, code)
    coupon = (promotion or {}).get("promotion", {}).get("coupon")
    if promotion is None or not isinstance(coupon, dict):
        return PromotionCheck(
            code=code, valid=False, reason=ErrorCode.PROMOTION_CODE_INVALID, currency=currency
        )
    now = int(services.clock.now().timestamp())
    reason = await _reason(promotion, coupon, entry, user_id, now)
    terms = {"code": promotion.get("code") or code, **coupon_terms(coupon), "end": None}
    if reason is not None:
        return PromotionCheck(code=code, valid=False, reason=reason, currency=currency, discount=terms)
    amount_off = _amount_off(coupon, entry.currency) if coupon.get("percent_off") is None else None
    if amount_off is not None:
        terms = {**terms, "amount_off": amount_off, "currency": entry.currency.lower()}
    return PromotionCheck(
        code=code,
        valid=True,
        reason=None,
        currency=currency,
        discount=terms,
        original_amount=entry.amount,
        discounted_amount=discounted(entry.amount, coupon, entry.currency),
        promotion_code_id=promotion["id"],
    )


async def check_code_limited(
    services: Services, user_id: str, code: str, entry: CatalogEntry, now: datetime
) -> PromotionCheck:
    """`check_code` under the per-user guess limit shared with gift codes (codes are guessable):
    a failed check keeps its unit, a valid one gives it back; RATE_LIMITED once spent."""
    rule = services.config.redeem_rate_limit
    key = rate_limit.redeem_key(user_id)
    code = clean_code(code)
    if not await rate_limit.reserve(key, rule, now):
        raise BillingError(ErrorCode.RATE_LIMITED, "Too many attempts; try again later.")
    check = await check_code(services, user_id, code, entry)
    if check.valid:
        await rate_limit.give_back(key, rule, now)
    return check


async def usable_code_limited(
    services: Services, user_id: str, code: str, entry: CatalogEntry, now: datetime
) -> PromotionCheck:
    """`check_code_limited` for a purchase: an unusable code is the BillingError of its reason."""
    check = await check_code_limited(services, user_id, code, entry, now)
    if not check.valid:
        assert check.reason is not None
        raise BillingError(check.reason, MESSAGES[check.reason], ["input", "promotionCode"])
    return check


def refused_discount(error: PaymentProviderError) -> bool:
    """Stripe refused the session because of its `discounts` (a code that changed meanwhile)."""
    cause = error.__cause__
    return isinstance(cause, stripe.InvalidRequestError) and str(
        getattr(cause, "param", "") or ""
    ).startswith("discounts")


def stripe_refused_code() -> BillingError:
    return BillingError(
        ErrorCode.PROMOTION_CODE_NOT_APPLICABLE,
        "The payment provider did not accept this promotion code for this purchase.",
        ["input", "promotionCode"],
    )


MESSAGES = {
    ErrorCode.PROMOTION_CODE_INVALID: "This promotion code does not exist or is no longer active.",
    ErrorCode.PROMOTION_CODE_EXPIRED: "This promotion code has expired or has been used up.",
    ErrorCode.PROMOTION_CODE_NOT_APPLICABLE: "This promotion code cannot be used for this purchase.",
}
