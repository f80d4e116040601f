"""Which Stripe price sells a catalog entry: what checkout and plan changes put on a subscription."""

from __future__ import annotations

import logging

from billing.catalog.entries import CatalogEntry, by_lookup_key
from billing.errors import PaymentProviderError
from billing.services import Services
from billing.stripe.calls import call
from models import CatalogPrice

log = logging.getLogger("billing.catalog.prices")


async def stripe_price_id(services: Services, entry: CatalogEntry) -> str:
    """The Stripe price carrying the entry's lookup key (synced by `catalog sync`)."""
    synced = await CatalogPrice.get_or_none(lookup_key=entry.lookup_key)
    if synced is not None:
        return synced.stripe_price_id
    prices = await call(
        "prices.list",
        services.stripe.v1.prices.list_async(params={"lookup_keys": [entry.lookup_key], "active": True}),
        timeout=services.config.stripe_timeout_seconds,
    )
    if not prices.data:
        log.error("catalog not synced to Stripe", extra={"lookup_key": entry.lookup_key})
        raise PaymentProviderError("This product is not available for purchase right now.")
    return prices.data[0].id


async def entry_of_price(price_id: str | None) -> CatalogEntry | None:
    """The catalog entry a Stripe price id sells (None: not one of ours, or not synced)."""
    if not price_id:
        return None
    row = await CatalogPrice.get_or_none(stripe_price_id=price_id)
    return by_lookup_key(row.lookup_key) if row else None
