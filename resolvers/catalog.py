"""`prices`: the public catalog (no token needed)."""

from __future__ import annotations

from strawberry.types import Info

from billing.catalog import entries as catalog
from schema.types.enums import Currency
from schema.types.premium import Price, price_from_entry


async def prices(info: Info, currency: Currency | None = None) -> list[Price]:
    trial_days = info.context.config.trial_days
    return [
        price_from_entry(entry, stripe_id, trial_days)
        for entry, stripe_id in await catalog.list_prices(currency)
    ]
