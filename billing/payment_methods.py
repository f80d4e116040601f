"""Which payment methods Checkout offers, by currency.

Cards (with wallets such as Apple Pay and Google Pay, which ride on `card`) and
Link everywhere; the local bank debit where it suits the currency. Recurring
purchases only get methods that Stripe allows for subscriptions.
"""

from __future__ import annotations

from models.enums import Currency

_EVERYWHERE = ("card", "link")
_LOCAL: dict[Currency, tuple[str, ...]] = {
    Currency.EUR: ("sepa_debit",),
    Currency.GBP: ("bacs_debit",),
    Currency.AUD: ("au_becs_debit",),
}


def payment_method_types(currency: Currency, *, recurring: bool) -> list[str]:
    del recurring  # every method listed here supports subscriptions too
    return [*_EVERYWHERE, *_LOCAL.get(Currency(currency), ())]
