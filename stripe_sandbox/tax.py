"""Automatic tax with a small built-in rate table, for tax-inclusive prices.

Why: the gateway sells tax-inclusive prices and shows tax on invoices; the
sandbox must produce believable, deterministic tax figures without Stripe Tax.
For an inclusive amount ``A`` at rate ``r`` the tax is
``A - round_half_up(A / (1 + r))`` in minor units (zero-decimal currencies
such as JPY are already in whole units, so the formula is the same).

Whether tax is collected at all is the account's business (:mod:`.account`):
a place where the account is not registered, or a reverse-charged EU business
buyer, gets a zero line at rate 0 carrying Stripe's ``taxability_reason``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Standard VAT/GST/sales-tax rates (percent) by country, and a few subdivisions.
RATES: dict[str, Decimal] = {
    "AT": Decimal(20), "AU": Decimal(10), "BE": Decimal(21), "CA": Decimal(5),
    "CH": Decimal("8.1"), "DE": Decimal(19), "DK": Decimal(25), "ES": Decimal(21),
    "FI": Decimal("25.5"), "FR": Decimal(20), "GB": Decimal(20), "IE": Decimal(23),
    "IT": Decimal(22), "JP": Decimal(10), "NL": Decimal(21), "NO": Decimal(25),
    "NZ": Decimal(15), "PL": Decimal(23), "PT": Decimal(23), "SE": Decimal(25),
    "US": Decimal(0),
}  # fmt: skip

#: Subdivision overrides: Canadian HST/GST+PST combined, a few US state rates.
SUBDIVISION_RATES: dict[str, Decimal] = {
    "CA-ON": Decimal(13), "CA-NS": Decimal(14), "CA-NB": Decimal(15), "CA-QC": Decimal("14.975"),
    "CA-BC": Decimal(12), "US-CA": Decimal("7.25"), "US-NY": Decimal(4), "US-TX": Decimal("6.25"),
    "US-WA": Decimal("6.5"),
}  # fmt: skip

TAX_TYPES: dict[str, str] = {"US": "sales_tax", "CA": "gst", "AU": "gst", "NZ": "gst", "JP": "jct"}


def rate_for(country: str | None, state: str | None = None) -> Decimal | None:
    """Percentage rate for a location, or ``None`` when it is unknown."""
    if not country:
        return None
    country = country.upper()
    if state:
        sub = SUBDIVISION_RATES.get(f"{country}-{state.upper()}")
        if sub is not None:
            return sub
    return RATES.get(country, Decimal(0))


def inclusive_tax(amount: int, rate_percent: Decimal) -> int:
    """Tax contained in a tax-inclusive ``amount`` (minor units)."""
    if rate_percent == 0:
        return 0
    net = (Decimal(amount) / (1 + rate_percent / 100)).quantize(Decimal(1), ROUND_HALF_UP)
    return amount - int(net)


def exclusive_tax(amount: int, rate_percent: Decimal) -> int:
    return int((Decimal(amount) * rate_percent / 100).quantize(Decimal(1), ROUND_HALF_UP))


def compute(
    amount: int,
    behavior: str,
    country: str | None,
    state: str | None = None,
    reason: str = "standard_rated",
) -> dict:
    """Tax for one line: ``{"rate", "tax", "taxable", "total", "country", "reason"}``.

    ``total`` is what the customer pays (inclusive prices: the amount itself).
    ``reason`` is the account's decision (:class:`.account.TaxTreatment`): anything
    but ``standard_rated`` is a zero line at rate 0.
    """
    rate = rate_for(country, state)
    if rate is None:
        return {"rate": None, "tax": 0, "taxable": amount, "total": amount, "country": None, "reason": None}
    if reason != "standard_rated":
        rate = Decimal(0)
    elif rate == 0:
        reason = "not_collecting"  # no rate known for the place: nothing to collect
    if behavior == "exclusive":
        tax = exclusive_tax(amount, rate)
        line = {"rate": rate, "tax": tax, "taxable": amount, "total": amount + tax, "country": country}
    else:
        tax = inclusive_tax(amount, rate)
        line = {"rate": rate, "tax": tax, "taxable": amount - tax, "total": amount, "country": country}
    return {**line, "reason": reason}


def tax_rate_id(country: str | None, state: str | None, rate: Decimal | None) -> str:
    """A stable, readable tax-rate id for a location (``txr_DE_19``)."""
    place = (country or "XX").upper() + (f"_{state.upper()}" if state else "")
    return f"txr_{place}_{str(rate or 0).replace('.', '_')}"


def total_tax_entry(line_tax: dict[str, Any], state: str | None = None) -> dict[str, Any]:
    """One entry of ``invoice.total_taxes`` / ``line.taxes`` (current API shape)."""
    return {
        "amount": line_tax["tax"],
        "tax_behavior": "inclusive",
        "tax_rate_details": {"tax_rate": tax_rate_id(line_tax["country"], state, line_tax["rate"])},
        "taxability_reason": line_tax["reason"],
        "taxable_amount": line_tax["taxable"],
        "type": "tax_rate_details",
    }
