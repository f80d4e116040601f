"""Coupons, promotion codes and discounts (the objects, the rules and the arithmetic).

Why: the gateway sells with promotion codes; what a code may be redeemed for, how
much it takes off and for how long must be what Stripe does at the pinned API
version, read from the pinned SDK (``CouponCreateParams``, ``PromotionCodeCreateParams``
with ``promotion[type]=coupon``, ``Discount.source.coupon``) and Stripe's fixtures:

* a coupon is ``percent_off`` or ``amount_off`` + ``currency`` (``currency_options``
  for other currencies), ``duration`` once / repeating (``duration_in_months``) /
  forever, optionally ``applies_to[products]``, ``max_redemptions``, ``redeem_by``;
  ``applies_to`` and ``currency_options`` are includable (only when expanded);
* a promotion code is a customer-facing ``code`` for a coupon, with ``active``,
  ``expires_at``, ``max_redemptions``, ``customer`` and ``restrictions``
  (``first_time_transaction``: a customer without any successful payments or invoices;
  ``minimum_amount`` + ``minimum_amount_currency``, ``currency_options``);
* redeeming one (a Checkout Session with ``discounts``, ``subscriptions.update``
  with ``discounts``) makes a ``discount`` (``di_…``): on the subscription
  (``subscription.discounts``, ids) or, for a payment, on the session and its invoice.
  ``times_redeemed`` counts completed redemptions.

Arithmetic (minor units): ``percent_off`` per discountable line, rounded half up;
``amount_off`` (in the invoice's currency) spread over the discountable lines in
proportion, never more than they come to. Tax is computed on the discounted amount
(the hooks in :mod:`.checkout` / :mod:`.invoices` pass each line's discount to
:func:`.tax.compute`). Prorations are not discountable (``InvoiceLineItem.discountable``:
"Always false for prorations").

Durations on a subscription: ``once`` takes off the first invoice only (then the
discount is dropped at the next renewal), ``repeating`` the invoices made before
``discount.end`` (start + ``duration_in_months``), ``forever`` every invoice.
"""

from __future__ import annotations

import copy
import re
import secrets
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from . import params as p
from . import tax
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .customers import merge_metadata
from .errors import StripeError, invalid
from .periods import add_interval
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

DURATIONS = ("forever", "once", "repeating")
CODE_RE = re.compile(r"^[A-Za-z0-9-]+$")


def FLOAT(value: Any, param: str) -> float:
    text = p.STR(value, param)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise invalid(f"Invalid decimal: {text}", param=param) from None


def MAP(value: Any, param: str) -> dict[str, Any]:
    """A hash keyed by currency (``currency_options[eur][amount_off]=…``)."""
    if value == "" or value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid object: {param} must be a hash", param=param)
    return value


# -- request specs (narrower than, never wider than, the SDK's params classes) ------------
COUPON_CREATE_SPEC: dict[str, Any] = {
    "id": p.STR,
    "name": p.STR,
    "percent_off": FLOAT,
    "amount_off": p.INT,
    "currency": p.STR,
    "currency_options": MAP,
    "duration": p.one_of(*DURATIONS),
    "duration_in_months": p.INT,
    "applies_to": {"products": [p.STR]},
    "max_redemptions": p.INT,
    "redeem_by": p.INT,
    "metadata": p.METADATA,
}
COUPON_UPDATE_SPEC: dict[str, Any] = {"name": p.STR, "metadata": p.METADATA}
PROMO_CREATE_SPEC: dict[str, Any] = {
    "promotion": {"type": p.one_of("coupon"), "coupon": p.STR},
    "code": p.STR,
    "active": p.BOOL,
    "customer": p.STR,
    "expires_at": p.INT,
    "max_redemptions": p.INT,
    "metadata": p.METADATA,
    "restrictions": {
        "first_time_transaction": p.BOOL,
        "minimum_amount": p.INT,
        "minimum_amount_currency": p.STR,
        "currency_options": MAP,
    },
}
PROMO_UPDATE_SPEC: dict[str, Any] = {
    "active": p.BOOL,
    "metadata": p.METADATA,
    "restrictions": {"currency_options": MAP},
}
PROMO_LIST_SPEC: dict[str, Any] = {
    **LIST_SPEC,
    "active": p.BOOL,
    "code": p.STR,
    "coupon": p.STR,
    "customer": p.STR,
    "created": p.ANY,
}
#: ``discounts[i]`` on Checkout Sessions (SessionCreateParamsDiscount).
SESSION_DISCOUNT_SPEC: list[Any] = [{"coupon": p.STR, "promotion_code": p.STR}]
#: ``discounts[i]`` on subscriptions.update (SubscriptionUpdateParamsDiscount).
SUBSCRIPTION_DISCOUNT_SPEC: list[Any] = [{"coupon": p.STR, "promotion_code": p.STR, "discount": p.STR}]


def refuse(message: str, param: str = "discounts", code: str | None = None) -> StripeError:
    return invalid(message, param=param, code=code)


# -- coupons ------------------------------------------------------------------------------
def _coupon_id() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8))


def _currency_options(raw: dict[str, Any], param: str, field_name: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for currency, option in raw.items():
        if not isinstance(option, dict) or set(option) - {field_name}:
            raise invalid(
                f"Invalid {param}[{currency}]: only {field_name} may be set", param=f"{param}[{currency}]"
            )
        if field_name in option:
            out[currency.lower()] = {
                field_name: p.INT(option[field_name], f"{param}[{currency}][{field_name}]")
            }
    return out


def create_coupon(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    now = sb.clock.now()
    percent, amount = prm.get("percent_off"), prm.get("amount_off")
    if (percent is None) == (amount is None):
        raise invalid("You must pass exactly one of `percent_off` or `amount_off`.", param="percent_off")
    if percent is not None and not 0 < percent <= 100:
        raise invalid("Invalid percent_off: must be greater than 0 and at most 100.", param="percent_off")
    currency = (prm.get("currency") or "").lower() or None
    if amount is not None:
        if amount < 1:
            raise invalid("Invalid positive integer", param="amount_off", code="parameter_invalid_integer")
        if currency is None:
            raise invalid("You must pass `currency` when passing `amount_off`.", param="currency")
    elif prm.get("currency_options"):
        raise invalid(
            "`currency_options` is only supported on amount-based coupons.", param="currency_options"
        )
    duration = prm.get("duration") or "once"
    months = prm.get("duration_in_months")
    if duration == "repeating" and not months:
        raise invalid(
            "You must pass `duration_in_months` when `duration` is `repeating`.", param="duration_in_months"
        )
    if duration != "repeating" and months is not None:
        raise invalid(
            "`duration_in_months` can only be set when `duration` is `repeating`.", param="duration_in_months"
        )
    if prm.get("redeem_by") is not None and prm["redeem_by"] <= now:
        raise invalid("Invalid timestamp: must be in the future.", param="redeem_by")
    if prm.get("max_redemptions") is not None and prm["max_redemptions"] < 1:
        raise invalid("Invalid positive integer", param="max_redemptions", code="parameter_invalid_integer")
    coupon_id = prm.get("id") or _coupon_id()
    if sb.store.find("coupon", coupon_id) is not None:
        raise invalid("Coupon already exists.", param="id", code="resource_already_exists")
    products = (prm.get("applies_to") or {}).get("products")
    for index, product in enumerate(products or []):
        sb.store.get("product", product, f"applies_to[products][{index}]")
    options = _currency_options(prm.get("currency_options") or {}, "currency_options", "amount_off")
    coupon = {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": amount,
        "created": now,
        "currency": currency,
        "duration": duration,
        "duration_in_months": months,
        "livemode": False,
        "max_redemptions": prm.get("max_redemptions"),
        "metadata": prm.get("metadata") or {},
        "name": prm.get("name"),
        "percent_off": percent,
        "redeem_by": prm.get("redeem_by"),
        "times_redeemed": 0,
        "valid": True,
    }
    sb.store.meta_of(coupon_id).update(
        applies_to={"products": list(products)} if products else None,
        currency_options={currency: {"amount_off": amount}, **options} if amount is not None else None,
    )
    return sb.store.add(coupon)


def _refresh_coupon(sb: Sandbox, coupon: dict[str, Any]) -> dict[str, Any]:
    """``valid``: not past ``redeem_by``, not redeemed ``max_redemptions`` times, not deleted."""
    exhausted = (
        coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]
    )
    expired = coupon["redeem_by"] is not None and coupon["redeem_by"] <= sb.clock.now()
    coupon["valid"] = not (exhausted or expired or sb.store.meta_of(coupon["id"]).get("deleted"))
    return coupon


def retrieve_coupon(call: Call) -> dict[str, Any]:
    coupon = call.sb.store.get("coupon", call.path["id"])
    return _refresh_coupon(call.sb, coupon)


def update_coupon(call: Call) -> dict[str, Any]:
    coupon = call.sb.store.get("coupon", call.path["id"])
    if "name" in call.params:
        coupon["name"] = call.params["name"]
    if "metadata" in call.params:
        coupon["metadata"] = merge_metadata(coupon["metadata"], call.params["metadata"])
    call.sb.store.touch()
    return _refresh_coupon(call.sb, coupon)


def delete_coupon(call: Call) -> dict[str, Any]:
    """Deleting a coupon leaves the discounts made from it alone; it can no longer be redeemed."""
    sb = call.sb
    coupon = sb.store.get("coupon", call.path["id"])
    sb.store.remove("coupon", coupon["id"])
    sb.store.meta_of(coupon["id"])["deleted"] = copy.deepcopy(coupon)
    return {"id": coupon["id"], "object": "coupon", "deleted": True}


def list_coupons(call: Call) -> dict[str, Any]:
    items = [_refresh_coupon(call.sb, c) for c in call.sb.store.all("coupon")]
    items = created_filter(items, created_param(call.params.get("created")))
    return paginate(items, call.params, "/v1/coupons")


def coupon_applies_to(sb: Sandbox, coupon: dict[str, Any]) -> dict[str, Any] | None:
    return sb.store.meta_of(coupon["id"]).get("applies_to")


def coupon_currency_options(sb: Sandbox, coupon: dict[str, Any]) -> dict[str, Any] | None:
    return sb.store.meta_of(coupon["id"]).get("currency_options")


def find_coupon(sb: Sandbox, coupon_id: str | None) -> dict[str, Any] | None:
    """A coupon, also one deleted since (the discounts made from it still need it)."""
    if coupon_id is None:
        return None
    return sb.store.find("coupon", coupon_id) or sb.store.meta_of(coupon_id).get("deleted")


# -- promotion codes ----------------------------------------------------------------------
def _refresh_promo(sb: Sandbox, promo: dict[str, Any]) -> dict[str, Any]:
    """``active``: "A promotion code is only active if the coupon is also valid" (PromotionCode)."""
    coupon = sb.store.find("coupon", promo["promotion"]["coupon"])
    own = sb.store.meta_of(promo["id"]).get("active", True)
    promo["active"] = bool(own and coupon is not None and _refresh_coupon(sb, coupon)["valid"])
    return promo


def create_promo(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    now = sb.clock.now()
    promotion = prm.get("promotion") or {}
    if not promotion.get("type"):
        raise invalid(
            "Missing required param: promotion[type].", param="promotion[type]", code="parameter_missing"
        )
    if not promotion.get("coupon"):
        raise invalid(
            "Missing required param: promotion[coupon].", param="promotion[coupon]", code="parameter_missing"
        )
    coupon = sb.store.get("coupon", promotion["coupon"], "promotion[coupon]")
    code = prm.get("code") or "".join(
        secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8)
    )
    if not CODE_RE.match(code):
        raise invalid(
            "Invalid code: only letters (a-z, A-Z), digits (0-9) and dashes (-) are allowed.", param="code"
        )
    customer = prm.get("customer")
    if customer:
        sb.store.get("customer", customer, "customer")
    active = prm.get("active") is not False
    if active and any(
        other["code"].lower() == code.lower()
        and other["customer"] == customer
        and _refresh_promo(sb, other)["active"]
        for other in sb.store.all("promotion_code")
    ):
        raise invalid(
            f"An active promotion code with `code: {code}` already exists.",
            param="code",
            code="resource_already_exists",
        )
    expires_at = prm.get("expires_at")
    if expires_at is not None:
        if expires_at <= now:
            raise invalid("Invalid timestamp: must be in the future.", param="expires_at")
        if coupon["redeem_by"] is not None and expires_at > coupon["redeem_by"]:
            raise invalid(
                "The promotion code's `expires_at` cannot be after the coupon's `redeem_by`.",
                param="expires_at",
            )
    max_redemptions = prm.get("max_redemptions")
    if max_redemptions is not None:
        if max_redemptions < 1:
            raise invalid(
                "Invalid positive integer", param="max_redemptions", code="parameter_invalid_integer"
            )
        if coupon["max_redemptions"] is not None and max_redemptions > coupon["max_redemptions"]:
            raise invalid(
                "The promotion code's `max_redemptions` cannot be greater than the coupon's "
                "`max_redemptions`.",
                param="max_redemptions",
            )
    restrictions = prm.get("restrictions") or {}
    minimum, minimum_currency = (
        restrictions.get("minimum_amount"),
        restrictions.get("minimum_amount_currency"),
    )
    if (minimum is None) != (minimum_currency is None):
        raise invalid(
            "`minimum_amount` and `minimum_amount_currency` must be passed together.",
            param="restrictions[minimum_amount_currency]",
        )
    minimum_currency = minimum_currency.lower() if minimum_currency else None
    options = _currency_options(
        restrictions.get("currency_options") or {}, "restrictions[currency_options]", "minimum_amount"
    )
    if minimum_currency in options:
        raise invalid(
            "Each currency in `currency_options` must be different from the `minimum_amount_currency`.",
            param=f"restrictions[currency_options][{minimum_currency}]",
        )
    promo = {
        "id": new_id("promo", 24),
        "object": "promotion_code",
        "active": active,
        "code": code,
        "created": now,
        "customer": customer,
        "customer_account": None,
        "expires_at": expires_at,
        "livemode": False,
        "max_redemptions": max_redemptions,
        "metadata": prm.get("metadata") or {},
        "promotion": {"coupon": coupon["id"], "type": "coupon"},
        "restrictions": {
            "first_time_transaction": bool(restrictions.get("first_time_transaction")),
            "minimum_amount": minimum,
            "minimum_amount_currency": minimum_currency,
        },
        "times_redeemed": 0,
    }
    sb.store.meta_of(promo["id"]).update(active=active, currency_options=options)
    sb.store.add(promo)
    return _refresh_promo(sb, promo)


def retrieve_promo(call: Call) -> dict[str, Any]:
    return _refresh_promo(call.sb, call.sb.store.get("promotion_code", call.path["id"]))


def update_promo(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    promo = sb.store.get("promotion_code", call.path["id"])
    if prm.get("active") is not None:
        sb.store.meta_of(promo["id"])["active"] = prm["active"]
    if "metadata" in prm:
        promo["metadata"] = merge_metadata(promo["metadata"], prm["metadata"])
    options = (prm.get("restrictions") or {}).get("currency_options")
    if options:
        meta = sb.store.meta_of(promo["id"])
        meta["currency_options"] = {
            **meta.get("currency_options", {}),
            **_currency_options(options, "restrictions[currency_options]", "minimum_amount"),
        }
    sb.store.touch()
    return _refresh_promo(sb, promo)


def list_promos(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    items = [_refresh_promo(sb, promo) for promo in sb.store.all("promotion_code")]
    if prm.get("code"):  # PromotionCodeListParams.code: "this case-insensitive code"
        items = [i for i in items if i["code"].lower() == prm["code"].lower()]
    if prm.get("active") is not None:
        items = [i for i in items if i["active"] == prm["active"]]
    if prm.get("coupon"):
        items = [i for i in items if i["promotion"]["coupon"] == prm["coupon"]]
    if prm.get("customer"):
        items = [i for i in items if i["customer"] == prm["customer"]]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/promotion_codes")


# -- redemption rules -----------------------------------------------------------------------
@dataclass
class Redeemable:
    """A coupon (maybe through a promotion code) checked for one purchase."""

    coupon: dict[str, Any]
    promo: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def has_prior_transactions(sb: Sandbox, customer_id: str | None) -> bool:
    """Restrictions.first_time_transaction: "Customers without any successful payments or invoices"."""
    if customer_id is None:
        return False
    if any(c["customer"] == customer_id and c["status"] == "succeeded" for c in sb.store.all("charge")):
        return True
    return any(i["customer"] == customer_id and i["status"] == "paid" for i in sb.store.all("invoice"))


def amount_off_in(sb: Sandbox, coupon: dict[str, Any], currency: str) -> int | None:
    """What an amount-off coupon takes off in ``currency`` (None: it has no amount there)."""
    if coupon["amount_off"] is None:
        return None
    if coupon["currency"] == currency:
        return coupon["amount_off"]
    option = (coupon_currency_options(sb, coupon) or {}).get(currency)
    return option["amount_off"] if option else None


def check_coupon(sb: Sandbox, coupon: dict[str, Any], currency: str | None, param: str) -> None:
    _refresh_coupon(sb, coupon)
    if not coupon["valid"]:
        raise refuse(f"This coupon is no longer valid: '{coupon['id']}'.", param)
    if currency and coupon["amount_off"] is not None and amount_off_in(sb, coupon, currency) is None:
        raise refuse(
            f"The coupon '{coupon['id']}' has an amount off in {coupon['currency']} and cannot be applied "
            f"to a purchase in {currency}.",
            param,
        )


def resolve(
    sb: Sandbox,
    entry: dict[str, Any],
    *,
    index: int,
    customer: str | None,
    currency: str | None,
    subtotal: int | None,
    products: list[str],
) -> Redeemable:
    """One ``discounts[i]`` entry (``coupon`` or ``promotion_code``) checked for a purchase."""
    base = f"discounts[{index}]"
    given = [k for k in ("coupon", "promotion_code", "discount") if entry.get(k)]
    if len(given) != 1:
        raise refuse(f"You must pass exactly one of coupon or promotion_code in {base}.", base)
    if entry.get("discount"):
        raise refuse(
            "The sandbox does not reuse existing discounts by id; pass a coupon or promotion_code.", base
        )
    promo = None
    if entry.get("promotion_code"):
        param = f"{base}[promotion_code]"
        promo = sb.store.find("promotion_code", entry["promotion_code"])
        if promo is None:
            raise invalid(
                f"No such promotion code: '{entry['promotion_code']}'", param=param, code="resource_missing"
            )
        _refresh_promo(sb, promo)
        coupon = sb.store.get("coupon", promo["promotion"]["coupon"])
        now = sb.clock.now()
        if not promo["active"]:
            raise refuse(f"This promotion code is not active: '{promo['code']}'.", param)
        if promo["expires_at"] is not None and promo["expires_at"] <= now:
            raise refuse(f"This promotion code has expired: '{promo['code']}'.", param)
        if promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"]:
            raise refuse(
                f"This promotion code has been redeemed the maximum number of times: '{promo['code']}'.",
                param,
            )
        if promo["customer"] is not None and promo["customer"] != customer:
            raise refuse(
                f"This promotion code cannot be redeemed by this customer: '{promo['code']}'.", param
            )
        if promo["restrictions"]["first_time_transaction"] and has_prior_transactions(sb, customer):
            # Stripe's wording (seen in stripe-node#1318).
            raise refuse(
                "This promotion code cannot be redeemed because the associated customer has prior "
                "transactions.",
                param,
            )
        minimum = minimum_amount(sb, promo, currency)
        if minimum is not None and subtotal is not None and subtotal < minimum:
            raise refuse(
                f"This promotion code requires a minimum purchase of {minimum} {currency} "
                f"(the subtotal is {subtotal}).",
                param,
            )
    else:
        param = f"{base}[coupon]"
        coupon = sb.store.find("coupon", entry["coupon"])  # a deleted coupon can no longer be redeemed
        if coupon is None:
            raise invalid(f"No such coupon: '{entry['coupon']}'", param=param, code="resource_missing")
    check_coupon(sb, coupon, currency, param)
    applies = (coupon_applies_to(sb, coupon) or {}).get("products")
    if applies and products and not set(applies) & set(products):
        raise refuse(f"The coupon '{coupon['id']}' does not apply to any of the products purchased.", param)
    return Redeemable(coupon, promo)


def minimum_amount(sb: Sandbox, promo: dict[str, Any], currency: str | None) -> int | None:
    """The promotion code's minimum in ``currency``: ``minimum_amount`` or its ``currency_options``."""
    restrictions = promo["restrictions"]
    if restrictions["minimum_amount"] is None:
        return None
    if currency is None or restrictions["minimum_amount_currency"] == currency:
        return restrictions["minimum_amount"]
    option = sb.store.meta_of(promo["id"]).get("currency_options", {}).get(currency)
    if option is None:
        # A minimum set only in another currency: the code cannot be checked in this one.
        raise refuse(
            f"This promotion code cannot be redeemed in {currency}: '{promo['code']}'.",
            "discounts",
        )
    return option["minimum_amount"]


def redeem(sb: Sandbox, coupon_id: str | None, promo_id: str | None) -> None:
    """A redemption completed: ``times_redeemed`` grows on the coupon and the promotion code."""
    coupon = sb.store.find("coupon", coupon_id)
    if coupon is not None:
        coupon["times_redeemed"] += 1
        _refresh_coupon(sb, coupon)
    promo = sb.store.find("promotion_code", promo_id)
    if promo is not None:
        promo["times_redeemed"] += 1
        _refresh_promo(sb, promo)
    sb.store.touch()


def make_discount(
    sb: Sandbox,
    redeemable: Redeemable,
    *,
    customer: str | None,
    subscription: str | None = None,
    checkout_session: str | None = None,
    invoice: str | None = None,
) -> dict[str, Any]:
    coupon = redeemable.coupon
    start = sb.clock.now()
    end = (
        add_interval(start, "month", coupon["duration_in_months"])
        if coupon["duration"] == "repeating"
        else None
    )
    discount = {
        "id": new_id("di", 24),
        "object": "discount",
        "checkout_session": checkout_session,
        "customer": customer,
        "customer_account": None,
        "end": end,
        "invoice": invoice,
        "invoice_item": None,
        "promotion_code": redeemable.promo["id"] if redeemable.promo else None,
        "source": {"coupon": coupon["id"], "type": "coupon"},
        "start": start,
        "subscription": subscription,
        "subscription_item": None,
    }
    return sb.store.add(discount)


def coupon_of(sb: Sandbox, discount: dict[str, Any]) -> dict[str, Any] | None:
    return find_coupon(sb, discount["source"]["coupon"])


# -- arithmetic ------------------------------------------------------------------------------
def line_offs(
    sb: Sandbox, coupon: dict[str, Any], currency: str, lines: list[tuple[int, str | None, bool]]
) -> list[int]:
    """What ``coupon`` takes off each line: ``lines`` = (amount, product id, discountable)."""
    applies = (coupon_applies_to(sb, coupon) or {}).get("products")
    eligible = [
        discountable and amount > 0 and (not applies or product in applies)
        for amount, product, discountable in lines
    ]
    if coupon["percent_off"] is not None:
        rate = Decimal(str(coupon["percent_off"])) / 100
        return [
            int((Decimal(amount) * rate).quantize(Decimal(1), ROUND_HALF_UP)) if ok else 0
            for (amount, _, _), ok in zip(lines, eligible, strict=True)
        ]
    amount_off = amount_off_in(sb, coupon, currency)
    base = sum(amount for (amount, _, _), ok in zip(lines, eligible, strict=True) if ok)
    if not amount_off or base <= 0:
        return [0] * len(lines)
    take = min(amount_off, base)
    offs, given = [], 0
    last = max(i for i, ok in enumerate(eligible) if ok)
    for i, ((amount, _, _), ok) in enumerate(zip(lines, eligible, strict=True)):
        if not ok:
            offs.append(0)
        elif i == last:
            offs.append(take - given)
        else:
            share = int((Decimal(take) * amount / base).quantize(Decimal(1), ROUND_HALF_UP))
            offs.append(share)
            given += share
    return offs


# -- checkout sessions -------------------------------------------------------------------------
def check_session(
    sb: Sandbox,
    prm: dict[str, Any],
    *,
    mode: str,
    customer: str | None,
    currency: str | None,
    lines: list[tuple[dict[str, Any], int]],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``discounts`` / ``allow_promotion_codes`` at session creation: the session's ``discounts``
    field and what to keep for completion (``None`` when there is no discount)."""
    entries = prm.get("discounts") or []
    if entries and prm.get("allow_promotion_codes"):
        raise refuse("You may only specify one of these parameters: allow_promotion_codes, discounts.")
    if not entries:
        return [], None
    if mode == "setup":
        raise refuse("You cannot pass `discounts` in `setup` mode.")
    if len(entries) > 1:
        raise refuse("You may only specify one discount on a Checkout Session (`discounts` takes one entry).")
    subtotal = sum(price["unit_amount"] * qty for price, qty in lines)
    products = [price["product"] for price, _ in lines]
    found = resolve(
        sb, entries[0], index=0, customer=customer, currency=currency, subtotal=subtotal, products=products
    )
    shown = [{"coupon": entries[0].get("coupon"), "promotion_code": entries[0].get("promotion_code")}]
    return shown, {"coupon": found.coupon["id"], "promotion_code": found.promo["id"] if found.promo else None}


def session_redemption(sb: Sandbox, session: dict[str, Any]) -> Redeemable | None:
    kept = sb.store.meta_of(session["id"]).get("discount")
    if not kept:
        return None
    coupon = find_coupon(sb, kept["coupon"])
    if coupon is None:
        return None
    return Redeemable(coupon, sb.store.find("promotion_code", kept.get("promotion_code")))


def session_offs(sb: Sandbox, session: dict[str, Any], lines: list[tuple[dict[str, Any], int]]) -> list[int]:
    """Each session line's discount (for :func:`.checkout._apply_amounts` and its line items)."""
    found = session_redemption(sb, session)
    if found is None or not lines:
        return [0] * len(lines)
    return line_offs(
        sb,
        found.coupon,
        session["currency"],
        [(price["unit_amount"] * qty, price["product"], True) for price, qty in lines],
    )


def session_discount(sb: Sandbox, session: dict[str, Any]) -> dict[str, Any] | None:
    """The Discount object of a session's coupon (made once; the line items' ``discounts`` show it).
    "checkout_session: … if it is applied to a particular session in payment mode. Not present for
    subscription mode." (Discount.checkout_session)."""
    found = session_redemption(sb, session)
    if found is None:
        return None
    meta = sb.store.meta_of(session["id"])
    discount = sb.store.find("discount", meta.get("discount_id"))
    if discount is None:
        discount = make_discount(
            sb,
            found,
            customer=session["customer"],
            checkout_session=session["id"] if session["mode"] == "payment" else None,
        )
        meta["discount_id"] = discount["id"]
    return discount


def item_discounts(sb: Sandbox, session: dict[str, Any], off: int) -> list[dict[str, Any]]:
    """``item.discounts`` of a session line item taking ``off``."""
    discount = session_discount(sb, session) if off else None
    return [{"amount": off, "discount": copy.deepcopy(discount)}] if discount else []


def on_subscription_created(sb: Sandbox, session: dict[str, Any], sub: dict[str, Any]) -> None:
    """A subscription-mode session completed: the subscription carries the discount (and it counts)."""
    found = session_redemption(sb, session)
    if found is None:
        return
    discount = make_discount(sb, found, customer=sub["customer"], subscription=sub["id"])
    sub["discounts"] = [discount["id"]]
    redeem(sb, found.coupon["id"], found.promo["id"] if found.promo else None)


def on_payment_completed(sb: Sandbox, session: dict[str, Any]) -> list[str]:
    """A payment-mode session paid: the redemption counts; its discount (for the invoice)."""
    found = session_redemption(sb, session)
    if found is None:
        return []
    meta = sb.store.meta_of(session["id"])
    if not meta.get("redeemed"):
        meta["redeemed"] = True
        redeem(sb, found.coupon["id"], found.promo["id"] if found.promo else None)
    discount = session_discount(sb, session)
    if discount is not None and discount["customer"] is None:
        discount["customer"] = session["customer"]
    return [discount["id"]] if discount else []


# -- invoices -----------------------------------------------------------------------------------
@dataclass
class InvoicePlan:
    """The discounts an invoice takes and each line's share of them."""

    discounts: list[dict[str, Any]]
    per_line: list[list[tuple[str, int]]]  # per item: (discount id, amount)

    def off(self, index: int) -> int:
        return sum(amount for _, amount in self.per_line[index]) if self.per_line else 0


def _used(sb: Sandbox, discount_id: str) -> bool:
    return any(discount_id in inv["discounts"] for inv in sb.store.all("invoice"))


def _live_subscription_discounts(sb: Sandbox, sub: dict[str, Any]) -> list[dict[str, Any]]:
    """The subscription's discounts still in force now; ended ones are dropped from it."""
    now = sb.clock.now()
    live, kept = [], []
    for discount_id in sub.get("discounts") or []:
        discount = sb.store.find("discount", discount_id)
        coupon = coupon_of(sb, discount) if discount else None
        if discount is None or coupon is None:
            continue
        if coupon["duration"] == "once" and _used(sb, discount_id):
            continue  # taken off the first invoice; gone from the subscription now
        if discount["end"] is not None and discount["end"] <= now:
            continue
        live.append(discount)
        kept.append(discount_id)
    if kept != list(sub.get("discounts") or []) and sb.store.find("subscription", sub["id"]) is sub:
        sub["discounts"] = kept
    return live


def plan_invoice(
    sb: Sandbox,
    *,
    subscription: dict[str, Any] | None,
    items: list[dict[str, Any]],
    discount_ids: list[str] | None,
) -> InvoicePlan:
    """Hook for :func:`.invoices.make_invoice`: the discounts (explicit ones, else the
    subscription's) and each item's share. Proration items (an own ``amount``) are not discountable."""
    if discount_ids is not None:
        found = [d for d in (sb.store.find("discount", i) for i in discount_ids) if d is not None]
    elif subscription is not None:
        found = _live_subscription_discounts(sb, subscription)
    else:
        found = []
    if not found or not items:
        return InvoicePlan([], [[] for _ in items])
    currency = items[0]["price"]["currency"]
    lines = [
        (
            item.get("amount", item["price"]["unit_amount"] * item["quantity"]),
            item["price"]["product"],
            "amount" not in item,
        )
        for item in items
    ]
    per_line: list[list[tuple[str, int]]] = [[] for _ in items]
    for discount in found:
        coupon = coupon_of(sb, discount)
        if coupon is None:
            continue
        remaining = [
            (amount - sum(a for _, a in per_line[i]), prod, ok) for i, (amount, prod, ok) in enumerate(lines)
        ]
        for i, off in enumerate(line_offs(sb, coupon, currency, remaining)):
            per_line[i].append((discount["id"], off))
    return InvoicePlan(found, per_line)


def decorate_invoice(
    invoice: dict[str, Any], plan: InvoicePlan, items: list[dict[str, Any]], taxes: list[dict[str, Any]]
) -> None:
    """Invoice ``discounts``, ``total_discount_amounts`` and each line's ``discount_amounts``;
    ``subtotal_excluding_tax`` is before any discount ("before any invoice level discount or tax")."""
    if not plan.discounts:
        return
    if invoice["automatic_tax"]["enabled"]:
        before_discount = 0
        for line, item, line_tax in zip(invoice["lines"]["data"], items, taxes, strict=True):
            rate = line_tax["rate"]
            if rate:
                exclusive = item["price"]["tax_behavior"] == "exclusive"
                before_discount += (tax.exclusive_tax if exclusive else tax.inclusive_tax)(
                    line["amount"], rate
                )
        invoice["subtotal_excluding_tax"] = invoice["subtotal"] - before_discount
    invoice["discounts"] = [d["id"] for d in plan.discounts]
    totals: dict[str, int] = {d["id"]: 0 for d in plan.discounts}
    for line, shares in zip(invoice["lines"]["data"], plan.per_line, strict=True):
        line["discount_amounts"] = [{"amount": amount, "discount": did} for did, amount in shares]
        for did, amount in shares:
            totals[did] += amount
    invoice["total_discount_amounts"] = [
        {"amount": amount, "discount": did} for did, amount in totals.items()
    ]


# -- subscriptions.update(discounts=…) --------------------------------------------------------------
def update_subscription(sb: Sandbox, sub: dict[str, Any], entries: list[dict[str, Any]] | None) -> None:
    """``discounts``: a populated array replaces the subscription's discounts; ``""`` clears them
    (SubscriptionUpdateParams.discounts)."""
    if not entries:
        sub["discounts"] = []
        return
    products = [item["price"]["product"] for item in sub["items"]["data"]]
    new_ids = []
    for index, entry in enumerate(entries):
        found = resolve(
            sb,
            entry,
            index=index,
            customer=sub["customer"],
            currency=sub["currency"],
            subtotal=None,
            products=products,
        )
        discount = make_discount(sb, found, customer=sub["customer"], subscription=sub["id"])
        redeem(sb, found.coupon["id"], found.promo["id"] if found.promo else None)
        new_ids.append(discount["id"])
    sub["discounts"] = new_ids


# -- routes -----------------------------------------------------------------------------------------
def install(sb: Sandbox) -> None:
    sb.expanders[("coupon", "applies_to")] = coupon_applies_to
    sb.expanders[("coupon", "currency_options")] = coupon_currency_options


ROUTES = [
    api_route("/v1/coupons", "POST", create_coupon, COUPON_CREATE_SPEC),
    api_route("/v1/coupons", "GET", list_coupons, {**LIST_SPEC, "created": p.ANY}),
    api_route("/v1/coupons/{id}", "GET", retrieve_coupon, {}),
    api_route("/v1/coupons/{id}", "POST", update_coupon, COUPON_UPDATE_SPEC),
    api_route("/v1/coupons/{id}", "DELETE", delete_coupon, {}),
    api_route("/v1/promotion_codes", "POST", create_promo, PROMO_CREATE_SPEC, ("promotion",)),
    api_route("/v1/promotion_codes", "GET", list_promos, PROMO_LIST_SPEC),
    api_route("/v1/promotion_codes/{id}", "GET", retrieve_promo, {}),
    api_route("/v1/promotion_codes/{id}", "POST", update_promo, PROMO_UPDATE_SPEC),
]


# -- hosted pages -----------------------------------------------------------------------------------
def _label(sb: Sandbox, coupon_id: str | None, promo_id: str | None) -> str:
    promo = sb.store.find("promotion_code", promo_id)
    coupon = find_coupon(sb, coupon_id)
    if promo is not None:
        return promo["code"]
    return (coupon or {}).get("name") or (coupon_id or "")


def page_row(sb: Sandbox, session: dict[str, Any]) -> str:
    """The checkout page's discount row (empty without a discount)."""
    import html

    from .money import format_amount

    off = (session.get("total_details") or {}).get("amount_discount") or 0
    kept = sb.store.meta_of(session["id"]).get("discount")
    if not off or not kept:
        return ""
    label = html.escape(_label(sb, kept["coupon"], kept.get("promotion_code")))
    return (
        f"<tr><td class='muted'>Discount ({label})</td>"
        f"<td class='r' id='discount'>\u2212{format_amount(off, session['currency'])}</td></tr>"
    )


def invoice_page_row(sb: Sandbox, invoice: dict[str, Any]) -> str:
    """The hosted invoice page's discount rows."""
    import html

    from .money import format_amount

    rows = []
    for entry in invoice.get("total_discount_amounts") or []:
        discount = sb.store.find("discount", entry["discount"]) or {}
        label = _label(sb, (discount.get("source") or {}).get("coupon"), discount.get("promotion_code"))
        rows.append(
            f"<tr><td class='muted'>Discount ({html.escape(label)})</td>"
            f"<td class='r'>\u2212{format_amount(entry['amount'], invoice['currency'])}</td></tr>"
        )
    return "".join(rows)
