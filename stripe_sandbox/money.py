"""Formatting minor-unit amounts for humans (pages and PDFs only)."""

from __future__ import annotations

from decimal import Decimal

from .catalog import ZERO_DECIMAL

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}


def format_amount(amount: int | None, currency: str | None) -> str:
    if amount is None or currency is None:
        return "—"
    currency = currency.lower()
    exponent = 0 if currency in ZERO_DECIMAL else 2
    value = Decimal(amount).scaleb(-exponent)
    text = f"{value:,.{exponent}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"
