"""What we sell (catalog.json) and keeping Stripe's products and prices in step with it.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.catalog.entries import CatalogEntry, billing_cycle_of, by_lookup_key
from billing.catalog.sync import sync_catalog

__all__ = ["CatalogEntry", "billing_cycle_of", "by_lookup_key", "sync_catalog"]
