"""What a Checkout Session is told about payment methods.

Nothing, by default (PAYMENT_METHODS=dynamic): Stripe offers what the account
has switched on in its Dashboard and what suits the session's currency, amount
and mode (cards with Apple Pay and Google Pay, PayPal, SEPA, bank transfers…),
so the gateway never promises a method the account cannot take (Bacs needs a
UK account, BECS an Australian one). At the pinned API version Checkout
Sessions no longer take `payment_method_types`; a list in PAYMENT_METHODS is
sent as `allowed_payment_method_types`, a filter on that dynamic set.
"""

from __future__ import annotations

from typing import Any

from billing.deps import BillingConfig


def payment_method_params(config: BillingConfig) -> dict[str, Any]:
    """The Checkout Session parameters for the configured payment methods."""
    if config.payment_methods is None:
        return {}
    return {"allowed_payment_method_types": list(config.payment_methods)}
