"""The sandbox's Stripe account: where it is, where it collects tax, which payment methods it has on.

Why: on Stripe what a Checkout page offers, and whether an invoice carries tax,
depend on the account, not on the request. A method is offered only when the
account has it switched on *and* it suits the account's country, the session's
currency and its mode (Stripe's per-method "determine compatibility" tables,
e.g. PayPal: European accounts, no JPY; Bacs: UK accounts, GBP; BECS:
Australian accounts, AUD). Tax is collected only where the account is
registered; elsewhere the line is zero with ``taxability_reason=not_collecting``
(Stripe's "Zero tax amounts and reverse charges" page), and an EU business
buyer with a valid VAT number in another member state is reverse-charged.

Set through ``POST /_sandbox/account``; ``/_sandbox/reset`` restores the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import invalid

if TYPE_CHECKING:
    from .core import Sandbox

EU = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
#: Where PayPal through Stripe is available to businesses (Europe: the EEA, GB, CH).
EUROPE = EU | {"GB", "CH", "NO", "IS", "LI"}
PAYPAL_CURRENCIES = frozenset("eur gbp usd chf czk dkk nok pln sek aud cad hkd nzd sgd".split())
#: Bank transfers (``customer_balance``): the account's own currency, in these countries.
BANK_TRANSFER_CURRENCY = {"US": "usd", "GB": "gbp", "JP": "jpy", "MX": "mxn", **dict.fromkeys(EU, "eur")}

DEFAULT_COUNTRY = "IE"
DEFAULT_TAX_REGISTRATIONS = (
    *sorted({"AT", "BE", "DE", "DK", "ES", "FI", "FR", "IE", "IT", "NL", "PL", "PT", "SE"}),
    "GB",
    "AU",
    "CA",
    "JP",
    "US-CA",
    "US-NY",
    "US-TX",
    "US-WA",
)
#: What a European account would typically switch on (Bacs and BECS need a GB / AU account).
DEFAULT_PAYMENT_METHODS = ("card", "link", "paypal", "sepa_debit", "customer_balance")

_MODES = frozenset({"payment", "setup", "subscription"})
_PLACE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Rule:
    """When a payment method can be offered: account countries, currencies, Checkout modes."""

    countries: frozenset[str] | None  # None: any account country
    currencies: frozenset[str] | None  # None: any currency
    modes: frozenset[str] = _MODES

    def allows(self, country: str, currency: str | None, mode: str) -> bool:
        if mode not in self.modes:
            return False
        if self.countries is not None and country not in self.countries:
            return False
        if currency and self.currencies is not None and currency not in self.currencies:
            return False
        return True


RULES: dict[str, Rule] = {
    "card": Rule(None, None),
    "link": Rule(None, None),
    "paypal": Rule(EUROPE, PAYPAL_CURRENCIES),
    "sepa_debit": Rule(None, frozenset({"eur"})),
    "bacs_debit": Rule(frozenset({"GB"}), frozenset({"gbp"})),
    "au_becs_debit": Rule(frozenset({"AU"}), frozenset({"aud"})),
    # Funds arrive later, against an open payment; the sandbox offers it for one-time payments only.
    "customer_balance": Rule(frozenset(BANK_TRANSFER_CURRENCY), None, frozenset({"payment"})),
}


def settings(sb: Sandbox) -> dict[str, Any]:
    """The account as stored (defaults filled in)."""
    stored = sb.store.settings.get("account") or {}
    return {
        "country": stored.get("country", DEFAULT_COUNTRY),
        "tax_registrations": list(stored.get("tax_registrations", DEFAULT_TAX_REGISTRATIONS)),
        "payment_methods": list(stored.get("payment_methods", DEFAULT_PAYMENT_METHODS)),
    }


def country(sb: Sandbox) -> str:
    return settings(sb)["country"]


def update(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_sandbox/account``: any of ``country``, ``tax_registrations``, ``payment_methods``."""
    unknown = set(body) - {"country", "tax_registrations", "payment_methods"}
    if unknown:
        raise invalid(f"Unknown account setting(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    current = settings(sb)
    if "country" in body:
        value = body["country"]
        if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
            raise invalid("country must be an ISO 3166-1 alpha-2 code such as DE", param="country")
        current["country"] = value
    if "tax_registrations" in body:
        current["tax_registrations"] = _places(body["tax_registrations"])
    if "payment_methods" in body:
        current["payment_methods"] = _methods(body["payment_methods"])
    sb.store.settings["account"] = current
    sb.store.touch()
    return current


def _places(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _PLACE.fullmatch(v) for v in value):
        raise invalid(
            "tax_registrations must be a list of places such as DE, CA or US-NY", param="tax_registrations"
        )
    return list(dict.fromkeys(value))


def _methods(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid("payment_methods must be a list of payment method types", param="payment_methods")
    unknown = [v for v in value if v not in RULES]
    if unknown:
        raise invalid(
            f"The sandbox cannot switch on {', '.join(unknown)}; it knows {', '.join(RULES)}",
            param="payment_methods",
        )
    return list(dict.fromkeys(value))


# -- payment methods ------------------------------------------------------------------
def offered_methods(
    sb: Sandbox,
    *,
    currency: str | None,
    mode: str,
    allowed: Iterable[str] | None = None,
    excluded: Iterable[str] | None = None,
) -> list[str]:
    """What Checkout offers: switched on, suitable for the account, currency and mode, then narrowed.

    ``allowed``/``excluded`` are the session's ``allowed_payment_method_types`` /
    ``excluded_payment_method_types`` (filters on the dynamic set; the static
    ``payment_method_types`` list is gone at this API version).
    """
    account = settings(sb)
    methods = [m for m in account["payment_methods"] if RULES[m].allows(account["country"], currency, mode)]
    if (
        "customer_balance" in methods
        and currency
        and BANK_TRANSFER_CURRENCY.get(account["country"]) != currency
    ):
        methods.remove("customer_balance")
    if allowed:
        keep = set(allowed)
        methods = [m for m in methods if m in keep]
    if excluded:
        drop = set(excluded)
        methods = [m for m in methods if m not in drop]
    return methods


# -- tax ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaxTreatment:
    """How a sale to one buyer is taxed: collected (standard), reverse-charged, or not collected."""

    collecting: bool
    reverse_charge: bool = False

    @property
    def reason(self) -> str:
        if self.reverse_charge:
            return "reverse_charge"
        return "standard_rated" if self.collecting else "not_collecting"


def registered(sb: Sandbox, country: str | None, state: str | None = None) -> bool:
    if not country:
        return False
    places = set(settings(sb)["tax_registrations"])
    return country.upper() in places or (bool(state) and f"{country.upper()}-{state.upper()}" in places)


def valid_eu_vat(value: str, country: str | None) -> bool:
    """A VAT number the sandbox accepts: the buyer's country prefix (EL for Greece), then 8-12
    letters or digits, not all zeros (the sandbox's stand-in for a number VIES does not know)."""
    prefix = "EL" if country == "GR" else (country or "")
    text = value.replace(" ", "").upper()
    if not text.startswith(prefix) or not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{8,12}", text):
        return False
    return any(ch not in "0" for ch in text[2:])


def treatment(
    sb: Sandbox, country: str | None, state: str | None, tax_ids: Iterable[dict[str, Any]] = ()
) -> TaxTreatment:
    """Stripe Tax's decision for a buyer at ``country``/``state`` with these tax ids."""
    account = settings(sb)
    if country and country.upper() in EU and country.upper() != account["country"]:
        has_eu_registration = any(place.split("-")[0] in EU for place in account["tax_registrations"])
        business = any(
            t.get("type") == "eu_vat" and valid_eu_vat(str(t.get("value") or ""), country.upper())
            for t in tax_ids
        )
        if business and has_eu_registration:
            return TaxTreatment(collecting=False, reverse_charge=True)
    return TaxTreatment(collecting=registered(sb, country, state))
