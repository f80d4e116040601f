"""Reading Stripe objects: the mapping from Stripe's shapes to ours, in one place.

Handlers work on plain dicts (an SDK `StripeObject` converted with
`as_dict`), so the same code reads an event's `data.object` and a re-fetched
object. Stripe's current shapes: a subscription's period lives on its items,
an invoice's subscription under `parent.subscription_details`, its payment
intents under `payments` (invoice payments; the paid ones have `status=paid`),
and neither a charge nor a payment intent names its invoice any more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.enums import Currency, InvoiceStatus, SubscriptionStatus


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    raise TypeError(f"not a Stripe object: {type(obj).__name__}")


def ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def obj_id(value: Any) -> str | None:
    """An id from a field that is either an id or an expanded object."""
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


def metadata(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj.get("metadata") or {})


def currency(value: str) -> Currency:
    return Currency(value.upper())


def subscription_status(value: str) -> SubscriptionStatus:
    return SubscriptionStatus(value.upper())


def invoice_status(value: str | None) -> InvoiceStatus:
    return InvoiceStatus((value or "draft").upper())


def invoice_subscription_id(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return obj_id(details.get("subscription"))


def invoice_subscription_metadata(invoice: dict[str, Any]) -> dict[str, str]:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return dict(details.get("metadata") or {})


def invoice_payments(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """The invoice's invoice payments that are payment intents (`payments` must be expanded)."""
    entries = (invoice.get("payments") or {}).get("data") or []
    return [e for e in entries if (e.get("payment") or {}).get("payment_intent")]


def _intent_of(entry: dict[str, Any]) -> Any:
    return entry["payment"]["payment_intent"]


def paid_intent_ids(invoice: dict[str, Any]) -> list[str]:
    """Every payment intent that paid (part of) the invoice: `status=paid`, the default one first.

    An invoice can carry several invoice payments (partial payments, failed
    attempts with their own intents); only the paid ones moved money.
    """
    paid = [e for e in invoice_payments(invoice) if e.get("status") == "paid"]
    paid.sort(key=lambda e: not e.get("is_default"))
    return [str(obj_id(_intent_of(e))) for e in paid]


def default_intent(invoice: dict[str, Any]) -> Any:
    """The default invoice payment's intent (an id, or the object when expanded): Stripe's own
    attempts to collect the invoice (first try, retries, 3D Secure) all go through it."""
    for entry in invoice_payments(invoice):
        if entry.get("is_default"):
            return _intent_of(entry)
    return None


def invoice_payment_intent_id(invoice: dict[str, Any]) -> str | None:
    """The intent a payment row stands for: the one that paid (default first), else Stripe's
    default attempt (still open). Never another failed attempt of its own."""
    paid = paid_intent_ids(invoice)
    if paid:
        return paid[0]
    return obj_id(default_intent(invoice))


def subscription_item(sub: dict[str, Any]) -> dict[str, Any]:
    items = (sub.get("items") or {}).get("data") or []
    if not items:
        raise ValueError(f"subscription {sub.get('id')} has no items")
    return items[0]
