"""Money going back: refunds, disputes, early fraud warnings, double subscriptions, the abuse rule's
restrictions, and taking back (or giving back) what a reversed payment granted.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.reversals.disputes import sync_dispute
from billing.reversals.duplicates import cancel_if_duplicate, cancel_if_duplicate_of
from billing.reversals.fraud import handle_early_fraud_warning
from billing.reversals.gift_revocation import revoke_gift_code
from billing.reversals.refunds import refund_payment, sync_charge, sync_refund
from billing.reversals.restrictions import set_restriction

__all__ = [
    "cancel_if_duplicate",
    "cancel_if_duplicate_of",
    "handle_early_fraud_warning",
    "refund_payment",
    "revoke_gift_code",
    "set_restriction",
    "sync_charge",
    "sync_dispute",
    "sync_refund",
]
