"""One billing row and one Stripe customer per user; whose a Stripe object is.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.customers.accounts import ensure_customer, ensure_stripe_customer, owner_of

__all__ = ["ensure_customer", "ensure_stripe_customer", "owner_of"]
