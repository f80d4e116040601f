"""Reading discounts and invoice lines out of Stripe's objects, in the shape rows store.

Stripe decides every amount (a coupon's percentage, a proration's credit); these only
pick what it answered into plain dicts: the subscription's and invoice's rows keep them
as JSON, and the GraphQL types show them. Field names are the pinned SDK's
(`stripe/_discount.py`: `source.coupon`, `promotion_code`, `end`; `stripe/_coupon.py`;
`stripe/_invoice.py`: `total_discount_amounts`; `stripe/_invoice_line_item.py`:
`parent.subscription_item_details.proration`).
"""

from __future__ import annotations

from typing import Any

from billing.stripe.objects import obj_id

# Expand these on a subscription to read its discount in one GET (Discount.source.coupon and
# Discount.promotion_code are ids unless expanded).
SUBSCRIPTION_DISCOUNT_EXPAND = ["discounts.source.coupon", "discounts.promotion_code"]


def coupon_terms(coupon: dict[str, Any]) -> dict[str, Any]:
    """What a coupon takes off and for how long, as stored (see `discount_of`)."""
    return {
        "percent_off": coupon.get("percent_off"),
        "amount_off": coupon.get("amount_off"),
        "currency": coupon.get("currency"),
        "duration": str(coupon.get("duration") or "once").upper(),
        "duration_in_months": coupon.get("duration_in_months"),
    }


def discount_of(discount: Any) -> dict[str, Any] | None:
    """A Stripe Discount (expanded, with its coupon expanded) as stored on a subscription:
    {"code", "percent_off", "amount_off", "currency", "duration", "duration_in_months", "end"}.
    None when it is only an id (not expanded) or carries no coupon."""
    if not isinstance(discount, dict):
        return None
    coupon = (discount.get("source") or {}).get("coupon")
    if not isinstance(coupon, dict):
        return None
    promotion = discount.get("promotion_code")
    code = promotion.get("code") if isinstance(promotion, dict) else None
    return {"code": code, **coupon_terms(coupon), "end": discount.get("end")}


def subscription_discount(sub: dict[str, Any]) -> dict[str, Any] | None:
    """The discount still applying to the subscription's future invoices (the first readable
    one; the gateway applies at most one), or None."""
    for discount in sub.get("discounts") or []:
        found = discount_of(discount)
        if found is not None:
            return found
    return None


def discount_total(invoice_or_session: dict[str, Any]) -> int:
    """Minor units taken off by discounts: an invoice's `total_discount_amounts`, or a
    Checkout Session's `total_details.amount_discount`."""
    if "total_discount_amounts" in invoice_or_session:
        return sum(int(d.get("amount") or 0) for d in invoice_or_session.get("total_discount_amounts") or [])
    details = invoice_or_session.get("total_details") or {}
    return int(details.get("amount_discount") or 0)


def _is_proration(line: dict[str, Any]) -> bool:
    parent = line.get("parent") or {}
    details = parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}
    return bool(details.get("proration"))


def lines_of(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """An invoice's (or an invoice preview's) lines as stored and shown:
    [{"description", "amount", "period_start", "period_end", "proration"}]."""
    lines = (invoice.get("lines") or {}).get("data") or []
    return [
        {
            "description": line.get("description") or "",
            "amount": int(line.get("amount") or 0),
            "period_start": (line.get("period") or {}).get("start"),
            "period_end": (line.get("period") or {}).get("end"),
            "proration": _is_proration(line),
        }
        for line in lines
    ]


def schedule_id_of(sub: dict[str, Any]) -> str | None:
    return obj_id(sub.get("schedule"))
