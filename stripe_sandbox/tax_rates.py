"""Tax Rate objects behind ``total_taxes[].tax_rate_details.tax_rate``.

Why: an invoice names its tax rate by id; Stripe lets the reader expand it
(``expand[]=total_taxes.tax_rate_details.tax_rate``) or fetch it
(``GET /v1/tax_rates/{id}``) to learn the percentage and the jurisdiction.
The sandbox keeps one object per place and rate, made the first time an
invoice is taxed there, in the shape of Stripe's ``tax_rate`` fixture.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import tax
from .api import LIST_SPEC, Call, api_route, paginate

if TYPE_CHECKING:
    from .core import Sandbox

DISPLAY_NAMES = {"vat": "VAT", "sales_tax": "Sales tax", "gst": "GST", "jct": "JCT"}


def _percentage(rate: Decimal) -> int | float:
    """19 -> 19, 8.875 -> 8.875: a JSON number, as Stripe sends it."""
    return int(rate) if rate == rate.to_integral_value() else float(rate)


def ensure(sb: Sandbox, country: str | None, state: str | None, rate: Decimal) -> dict[str, Any]:
    """The tax rate for a place and rate, created on first use (same id as the invoice names)."""
    rate_id = tax.tax_rate_id(country, state, rate)
    existing = sb.store.find("tax_rate", rate_id)
    if existing is not None:
        return existing
    country = (country or "").upper() or None
    state = state.upper() if state else None
    tax_type = tax.TAX_TYPES.get(country or "", "vat")
    name = DISPLAY_NAMES.get(tax_type, tax_type.upper())
    return sb.store.add(
        {
            "id": rate_id,
            "object": "tax_rate",
            "active": True,
            "country": country,
            "created": sb.clock.now(),
            "description": f"{name} {country}{'-' + state if state else ''}",
            "display_name": name,
            "effective_percentage": _percentage(rate),
            "flat_amount": None,
            "inclusive": True,
            "jurisdiction": f"{country}-{state}" if state else country,
            "jurisdiction_level": "state" if state else "country",
            "livemode": False,
            "metadata": {},
            "percentage": _percentage(rate),
            "rate_type": "percentage",
            "state": state,
            "tax_type": tax_type,
        }
    )


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("tax_rate", call.path["id"])


def list_(call: Call) -> dict[str, Any]:
    return paginate(call.sb.store.all("tax_rate"), call.params, "/v1/tax_rates")


ROUTES = [
    api_route("/v1/tax_rates/{id}", "GET", retrieve, {}),
    api_route("/v1/tax_rates", "GET", list_, LIST_SPEC),
]
