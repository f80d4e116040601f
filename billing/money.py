"""Money: integer minor units everywhere, and the one place that knows currency exponents.

Amounts travel through the gateway as integers in the currency's minor unit
(499 USD = $4.99, 780 JPY = ¥780). Only the presentation helpers below turn
them into decimals or display strings, so no other module ever divides by 100.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from models.enums import Currency

# ISO 4217 minor-unit exponents of the currencies we sell in.
EXPONENTS: dict[Currency, int] = {
    Currency.USD: 2,
    Currency.EUR: 2,
    Currency.GBP: 2,
    Currency.CAD: 2,
    Currency.AUD: 2,
    Currency.JPY: 0,
}

# One display locale for every currency: the API returns one string per amount
# ("$4.99", "€4.99", "¥780", "CA$6.49"), not a per-viewer localisation.
DISPLAY_LOCALE = "en_US"


def exponent(currency: Currency | str) -> int:
    return EXPONENTS[Currency(currency)]


def to_decimal(amount: int, currency: Currency | str) -> Decimal:
    """Minor units -> major units, exact (no float ever touches money)."""
    return Decimal(amount).scaleb(-exponent(currency))


def decimal_string(amount: int, currency: Currency | str) -> str:
    """``"4.99"`` for 499 USD, ``"780"`` for 780 JPY: always the currency's exponent of digits."""
    places = exponent(currency)
    value = to_decimal(amount, currency)
    return f"{value:.{places}f}"


@lru_cache(maxsize=4096)
def formatted(amount: int, currency: Currency | str) -> str:
    """``"$4.99"``, ``"€4.99"``, ``"¥780"``: babel's symbol and grouping, our exponent.

    The pattern carries exactly the currency's exponent of decimals, so the
    display never disagrees with `decimal_string`. Cached: a page shows the
    same few prices over and over and babel costs tens of microseconds a call.
    """
    code = Currency(currency)
    places = EXPONENTS[code]
    pattern = "¤#,##0" + ("." + "0" * places if places else "")
    return format_currency(
        to_decimal(amount, code), str(code), pattern, locale=DISPLAY_LOCALE, currency_digits=False
    )
