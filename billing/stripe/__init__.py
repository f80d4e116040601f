"""Talking to Stripe: one call wrapper (timeouts, errors), pacing and retries, the per-user budget, and
readers of Stripe's objects.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.stripe.calls import call, retrieve

__all__ = ["call", "retrieve"]
