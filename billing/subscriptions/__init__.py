"""Subscriptions mirrored from Stripe, and what a subscriber does with theirs (cancel, reactivate).

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.subscriptions.actions import live_subscription
from billing.subscriptions.sync import apply_subscription, fetch_subscription, sync_subscription

__all__ = ["apply_subscription", "fetch_subscription", "live_subscription", "sync_subscription"]
