"""`prices`: the public catalog (no token needed)."""

from __future__ import annotations

from billing.catalog import entries as catalog
from schema.types.enums import Currency
from schema.types.premium import Price, price_from_entry


async def prices(currency: Currency | None = None) -> list[Price]:
    return [price_from_entry(entry, stripe_id) for entry, stripe_id in await catalog.list_prices(currency)]
