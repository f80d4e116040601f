"""Customers: create, retrieve, update (incl. ``invoice_settings[default_payment_method]``), tax ids.

A customer's tax ids (``tax_id`` objects, ``txi_``) are what Checkout's
``tax_id_collection`` saved; Stripe Tax reads them for every later invoice
(an EU business buyer with a valid VAT number is reverse-charged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import account
from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .errors import invalid
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

ADDRESS: dict[str, Any] = {k: p.STR for k in ("city", "country", "line1", "line2", "postal_code", "state")}

CUSTOMER_FIELDS: dict[str, Any] = {
    "email": p.STR,
    "name": p.STR,
    "description": p.STR,
    "phone": p.STR,
    "metadata": p.METADATA,
    "address": ADDRESS,
    "preferred_locales": [p.STR],
    "invoice_settings": {"default_payment_method": p.STR, "footer": p.STR},
    "tax_exempt": p.one_of("none", "exempt", "reverse"),
}


def blank_address(values: dict[str, Any] | None = None) -> dict[str, Any]:
    address = dict.fromkeys(ADDRESS)
    address.update(values or {})
    return address


def make_customer(sb: Sandbox, fields: dict[str, Any]) -> dict[str, Any]:
    customer_id = new_id("cus", 14)
    address = fields.get("address")
    customer = {
        "id": customer_id,
        "object": "customer",
        "address": blank_address(address) if address else None,
        "balance": 0,
        "created": sb.clock.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": fields.get("description"),
        "discount": None,
        "email": fields.get("email"),
        "invoice_prefix": customer_id[4:12].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": fields.get("metadata") or {},
        "name": fields.get("name"),
        "next_invoice_sequence": 1,
        "phone": fields.get("phone"),
        "preferred_locales": fields.get("preferred_locales") or [],
        "shipping": None,
        "tax_exempt": fields.get("tax_exempt") or "none",
        "test_clock": None,
    }
    sb.store.add(customer)
    settings = fields.get("invoice_settings") or {}
    if settings.get("default_payment_method"):
        _set_default_pm(sb, customer, settings["default_payment_method"])
    return customer


def _set_default_pm(sb: Sandbox, customer: dict[str, Any], pm_id: str | None) -> None:
    param = "invoice_settings[default_payment_method]"
    if pm_id:
        pm = sb.store.get("payment_method", pm_id, param)
        if pm.get("customer") not in (None, customer["id"]):
            raise invalid(f"The payment method {pm_id} belongs to another customer.", param=param)
        if pm.get("customer") is None:
            raise invalid(
                f"The customer does not have a payment method with the ID {pm_id}. The payment "
                "method must be attached to the customer.",
                param=param,
            )
    customer["invoice_settings"]["default_payment_method"] = pm_id


def create(call: Call) -> dict[str, Any]:
    return make_customer(call.sb, call.params)


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("customer", call.path["id"])


def update(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    customer = sb.store.get("customer", call.path["id"])
    for key in ("email", "name", "description", "phone", "tax_exempt"):
        if key in prm:
            customer[key] = prm[key]
    if "metadata" in prm:
        customer["metadata"] = merge_metadata(customer["metadata"], prm["metadata"])
    if "address" in prm:
        customer["address"] = blank_address(prm["address"]) if prm["address"] else None
    if "preferred_locales" in prm:
        customer["preferred_locales"] = prm["preferred_locales"] or []
    settings = prm.get("invoice_settings")
    if settings is not None and "default_payment_method" in settings:
        _set_default_pm(sb, customer, settings["default_payment_method"])
    if settings is not None and "footer" in settings:
        customer["invoice_settings"]["footer"] = settings["footer"]
    sb.store.touch()
    return customer


def tax_ids_of(sb: Sandbox, customer_id: str | None) -> list[dict[str, Any]]:
    """The customer's ``tax_id`` objects, oldest first (none for an unknown or missing customer)."""
    if not customer_id:
        return []
    return [sb.store.get("tax_id", i) for i in sb.store.meta_of(customer_id).get("tax_ids", [])]


def add_tax_id(sb: Sandbox, customer: dict[str, Any], kind: str, value: str) -> dict[str, Any]:
    """Save a tax id on the customer, as Checkout does with a collected one (once per value)."""
    for existing in tax_ids_of(sb, customer["id"]):
        if (existing["type"], existing["value"]) == (kind, value):
            return existing
    country = value[:2].upper() if kind == "eu_vat" else None
    country = "GR" if country == "EL" else country
    valid = kind != "eu_vat" or account.valid_eu_vat(value, country)
    tax_id = {
        "id": new_id("txi", 24),
        "object": "tax_id",
        "country": country,
        "created": sb.clock.now(),
        "customer": customer["id"],
        "customer_account": None,
        "livemode": False,
        "owner": {"customer": customer["id"], "customer_account": None, "type": "customer"},
        "type": kind,
        "value": value,
        "verification": {
            "status": "verified" if valid else "unverified",
            "verified_address": None,
            "verified_name": None,
        },
    }
    sb.store.add(tax_id)
    meta = sb.store.meta_of(customer["id"])
    meta["tax_ids"] = [*meta.get("tax_ids", []), tax_id["id"]]
    return tax_id


def list_tax_ids(call: Call) -> dict[str, Any]:
    customer = call.sb.store.get("customer", call.path["id"])
    items = tax_ids_of(call.sb, customer["id"])
    return paginate(items, call.params, f"/v1/customers/{customer['id']}/tax_ids")


def list_(call: Call) -> dict[str, Any]:
    items = call.sb.store.all("customer")
    if call.params.get("email"):
        items = [c for c in items if c["email"] == call.params["email"]]
    items = created_filter(items, created_param(call.params.get("created")))
    return paginate(items, call.params, "/v1/customers")


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Stripe merges metadata; an empty value deletes a key, ``metadata=""`` clears all."""
    if not update:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value in ("", None):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


ROUTES = [
    api_route("/v1/customers", "POST", create, CUSTOMER_FIELDS),
    api_route("/v1/customers", "GET", list_, {**LIST_SPEC, "email": p.STR, "created": p.ANY}),
    api_route("/v1/customers/{id}", "GET", retrieve, {}),
    api_route("/v1/customers/{id}", "POST", update, CUSTOMER_FIELDS),
    api_route("/v1/customers/{id}/tax_ids", "GET", list_tax_ids, LIST_SPEC),
]
