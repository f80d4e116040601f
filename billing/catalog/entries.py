"""The catalog: what we sell, in which currencies, for how much (checked in as catalog.json).

One file is the source of truth for amounts; Stripe is made to match it by
`catalog sync`, and the `CatalogPrice` table records which Stripe price
currently carries each lookup key. Read by `prices`, `createCheckout`, gift
redemption (duration) and the sync job alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from models import CatalogPrice
from models.enums import BillingCycle, Currency, ProductType

CATALOG_FILE = Path(__file__).with_name("catalog.json")
CURRENCIES: tuple[Currency, ...] = tuple(Currency)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One sellable price: a product, sold as a subscription or as a gift, in one currency."""

    product_type: ProductType
    billing_cycle: BillingCycle
    is_gift: bool
    currency: Currency
    amount: int  # minor units, tax included
    interval: str  # Stripe recurring interval ("month"/"year"), meaningful when not a gift
    duration_months: int  # access a gift grants; the cycle length for a subscription
    product_name: str
    tax_behavior: str

    @property
    def lookup_key(self) -> str:
        return lookup_key(self.product_type, is_gift=self.is_gift, currency=self.currency)


def lookup_key(product_type: ProductType | str, *, is_gift: bool, currency: Currency | str) -> str:
    """``premium_monthly_usd``, ``premium_yearly_gift_jpy``."""
    cycle = "monthly" if ProductType(product_type) is ProductType.PREMIUM_MONTHLY else "yearly"
    gift = "_gift" if is_gift else ""
    return f"premium_{cycle}{gift}_{str(Currency(currency)).lower()}"


@cache
def entries() -> tuple[CatalogEntry, ...]:
    """Every catalog price, in a stable order (product, subscription before gift, currency)."""
    doc = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    out: list[CatalogEntry] = []
    for product in doc["products"]:
        for is_gift in (False, True):
            amounts = product["gift_amounts" if is_gift else "amounts"]
            for currency in CURRENCIES:
                out.append(
                    CatalogEntry(
                        product_type=ProductType(product["product_type"]),
                        billing_cycle=BillingCycle(product["billing_cycle"]),
                        is_gift=is_gift,
                        currency=currency,
                        amount=int(amounts[str(currency)]),
                        interval=product["interval"],
                        duration_months=int(product["gift_duration_months"]),
                        product_name=product["name"],
                        tax_behavior=doc["tax_behavior"],
                    )
                )
    return tuple(out)


@cache
def _by_key() -> dict[str, CatalogEntry]:
    return {entry.lookup_key: entry for entry in entries()}


def find(product_type: ProductType | str, *, is_gift: bool, currency: Currency | str) -> CatalogEntry:
    """The entry for a purchase; KeyError for a currency or product we do not sell."""
    return _by_key()[lookup_key(product_type, is_gift=is_gift, currency=currency)]


def by_lookup_key(key: str) -> CatalogEntry | None:
    return _by_key().get(key)


def billing_cycle_of(product_type: ProductType | str) -> BillingCycle:
    return (
        BillingCycle.MONTHLY
        if ProductType(product_type) is ProductType.PREMIUM_MONTHLY
        else BillingCycle.YEARLY
    )


def gift_duration_months(product_type: ProductType | str) -> int:
    return find(product_type, is_gift=True, currency=Currency.USD).duration_months


async def list_prices(currency: Currency | None = None) -> list[tuple[CatalogEntry, str | None]]:
    """Catalog entries (optionally of one currency) with their synced Stripe price id, or None.

    One statement: the Stripe ids of the listed keys, from `CatalogPrice`.
    """
    selected = [e for e in entries() if currency is None or e.currency == currency]
    rows = await CatalogPrice.filter(lookup_key__in=[e.lookup_key for e in selected]).values_list(
        "lookup_key", "stripe_price_id"
    )
    synced = dict(rows)
    return [(entry, synced.get(entry.lookup_key)) for entry in selected]
