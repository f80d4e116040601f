"""THE premium rule (DESIGN.md "Premium"): pure, computed from rows; it never calls out.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.premium.rule import PremiumSource, PremiumState, load_premium, load_premium_many

__all__ = ["PremiumSource", "PremiumState", "load_premium", "load_premium_many"]
