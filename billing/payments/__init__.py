"""A payment's status machine, and payment intents outside Checkout.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.payments.intents import record_intent
from billing.payments.status import Happening

__all__ = ["Happening", "record_intent"]
