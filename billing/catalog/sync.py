"""`catalog sync`: make Stripe's products and prices match `catalog.json`.

Stripe prices are immutable, so a changed amount gets a new price that takes
the lookup key over (`transfer_lookup_key`) and the old one is deactivated.
A price that already matches is left alone, so a second run changes nothing.
Each product has a fixed id (`bg_premium_monthly`, …) so it is found again
without searching.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from billing.catalog import entries as catalog
from billing.services import Services
from billing.stripe import objects as so
from models import CatalogPrice

LOOKUP_KEYS_PER_LIST = 10  # Stripe's limit for `lookup_keys[]`


@dataclass(frozen=True)
class Change:
    what: str  # "product created", "price created", "price replaced", "price deactivated";
    # with dry_run: "price would be created", "price would be replaced"
    key: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.what}: {self.key}" + (f" ({self.detail})" if self.detail else "")


def product_id(entry: catalog.CatalogEntry) -> str:
    return f"bg_{entry.product_type.lower()}"


def _matches(price: dict[str, Any], entry: catalog.CatalogEntry) -> bool:
    recurring = price.get("recurring") or {}
    return (
        price.get("active") is True
        and price.get("unit_amount") == entry.amount
        and str(price.get("currency", "")).upper() == entry.currency
        and price.get("tax_behavior") == entry.tax_behavior
        and (recurring.get("interval") if recurring else None) == (None if entry.is_gift else entry.interval)
    )


async def _ensure_product(services: Services, entry: catalog.CatalogEntry, changes: list[Change]) -> str:
    pid = product_id(entry)
    try:
        await services.stripe.v1.products.retrieve_async(pid)
    except stripe.InvalidRequestError as exc:
        if exc.http_status != 404:
            raise
        await services.stripe.v1.products.create_async(
            params={
                "id": pid,
                "name": entry.product_name,
                "metadata": {"product_type": str(entry.product_type)},
            }
        )
        changes.append(Change("product created", pid, entry.product_name))
    return pid


async def _current_prices(services: Services, keys: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), LOOKUP_KEYS_PER_LIST):
        chunk = keys[start : start + LOOKUP_KEYS_PER_LIST]
        page = await services.stripe.v1.prices.list_async(params={"lookup_keys": chunk, "limit": 100})
        for price in page.data:
            data = so.as_dict(price)
            found[data["lookup_key"]] = data
    return found


async def sync_catalog(services: Services, *, dry_run: bool = False) -> list[Change]:
    """Bring Stripe (and the `CatalogPrice` table) in line with the catalog; returns what changed."""
    entries = catalog.entries()
    changes: list[Change] = []
    products: dict[str, str] = {}
    current = await _current_prices(services, [e.lookup_key for e in entries])
    now = services.clock.now()
    for entry in entries:
        price = current.get(entry.lookup_key)
        if price is None or not _matches(price, entry):
            if dry_run:  # says what the real run would do to this price; creates nothing
                wanted = f"{entry.amount} {entry.currency}"
                if price is None:
                    changes.append(Change("price would be created", entry.lookup_key, wanted))
                else:
                    currency = str(price.get("currency", "")).upper()
                    had = f"{price['id']}: {price.get('unit_amount')} {currency}"
                    changes.append(Change("price would be replaced", entry.lookup_key, f"{had} -> {wanted}"))
                continue
            if entry.product_type not in products:
                products[entry.product_type] = await _ensure_product(services, entry, changes)
            params: dict[str, Any] = {
                "product": products[entry.product_type],
                "currency": entry.currency.lower(),
                "unit_amount": entry.amount,
                "tax_behavior": entry.tax_behavior,
                "lookup_key": entry.lookup_key,
                "transfer_lookup_key": True,
                "metadata": {"product_type": str(entry.product_type), "is_gift": str(entry.is_gift).lower()},
            }
            if not entry.is_gift:
                params["recurring"] = {"interval": entry.interval}
            new = so.as_dict(await services.stripe.v1.prices.create_async(params=params))
            if price is not None:
                changes.append(Change("price replaced", entry.lookup_key, f"{price['id']} -> {new['id']}"))
                if price.get("active"):
                    await services.stripe.v1.prices.update_async(price["id"], params={"active": False})
                    changes.append(Change("price deactivated", entry.lookup_key, price["id"]))
            else:
                changes.append(Change("price created", entry.lookup_key, f"{entry.amount} {entry.currency}"))
            price = new
        if dry_run:
            continue
        await CatalogPrice.update_or_create(
            lookup_key=entry.lookup_key,
            defaults={
                "stripe_price_id": price["id"],
                "stripe_product_id": so.obj_id(price.get("product")) or product_id(entry),
                "amount": entry.amount,
                "currency": str(entry.currency),
                "synced_at": now,
            },
        )
    return changes
