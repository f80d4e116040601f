"""Rebuilding the gateway's rows from Stripe (the `reconcile` command).

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.reconcile.walk import parse_since

__all__ = ["parse_since"]
