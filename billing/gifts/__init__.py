"""Gift codes: issued for a paid gift, redeemed, and the ledger of the time each redeemed gift granted.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.gifts.codes import gift_code_status, normalise
from billing.gifts.redeem import issue_for, redeem

__all__ = ["gift_code_status", "issue_for", "normalise", "redeem"]
