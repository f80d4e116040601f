"""Buying: Checkout sessions (subscription, gift, card change), settling them from Stripe, placing
charges.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.checkout.card_change import start_card_change
from billing.checkout.charges import local_payment, place_charge
from billing.checkout.fulfilment import settle_session
from billing.checkout.sessions import CheckoutRequest, create_checkout

__all__ = [
    "CheckoutRequest",
    "create_checkout",
    "local_payment",
    "place_charge",
    "settle_session",
    "start_card_change",
]
