"""Reading Stripe objects: the mapping from Stripe's shapes to ours, in one place.

Handlers work on plain dicts (an SDK `StripeObject` converted with
`as_dict`), so the same code reads an event's `data.object` and a re-fetched
object. Stripe's current shapes: a subscription's period lives on its items,
an invoice's subscription under `parent.subscription_details`.
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


def invoice_payment_intent_id(invoice: dict[str, Any]) -> str | None:
    payments = (invoice.get("payments") or {}).get("data") or []
    for entry in payments:
        payment = entry.get("payment") or {}
        if payment.get("payment_intent"):
            return obj_id(payment["payment_intent"])
    return None


def subscription_item(sub: dict[str, Any]) -> dict[str, Any]:
    items = (sub.get("items") or {}).get("data") or []
    if not items:
        raise ValueError(f"subscription {sub.get('id')} has no items")
    return items[0]
