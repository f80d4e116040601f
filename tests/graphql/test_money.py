"""Money in minor units, shown with each currency's own exponent (JPY has none)."""

from __future__ import annotations

import pytest
from gql_helpers import ALICE

from billing.money import decimal_string, formatted
from models.enums import Currency
from tests import factories as f

CASES = [
    ("USD", 499, "4.99", "$4.99"),
    ("EUR", 499, "4.99", "€4.99"),
    ("GBP", 449, "4.49", "£4.49"),
    ("CAD", 649, "6.49", "CA$6.49"),
    ("AUD", 749, "7.49", "A$7.49"),
    ("JPY", 780, "780", "¥780"),
]


@pytest.mark.parametrize(("currency", "amount", "decimal", "display"), CASES)
async def test_payment_money_in_every_currency(gql, db, currency, amount, decimal, display):
    await f.payment(ALICE, amount=amount, currency=Currency(currency))
    result = await gql(
        "{ payments { edges { node { amount currency money { amount currency decimal formatted } } } } }"
    )
    node = result["data"]["payments"]["edges"][0]["node"]
    assert node == {
        "amount": amount,
        "currency": currency,
        "money": {"amount": amount, "currency": currency, "decimal": decimal, "formatted": display},
    }


@pytest.mark.parametrize(
    ("amount", "currency", "decimal", "display"),
    [
        (0, "USD", "0.00", "$0.00"),
        (5, "EUR", "0.05", "€0.05"),
        (123456789, "USD", "1234567.89", "$1,234,567.89"),
        (7800, "JPY", "7800", "¥7,800"),
        (1, "JPY", "1", "¥1"),
    ],
)
def test_edges_of_formatting(amount, currency, decimal, display):
    assert decimal_string(amount, currency) == decimal
    assert formatted(amount, currency) == display


async def test_catalog_prices_format_in_all_six_currencies(gql, db):
    result = await gql("{ prices { lookupKey money { currency decimal formatted } } }", user=None)
    monthly = {
        p["money"]["currency"]: p["money"]["formatted"]
        for p in result["data"]["prices"]
        if p["lookupKey"].startswith("premium_monthly_") and "gift" not in p["lookupKey"]
    }
    assert monthly == {c: d for c, _, _, d in CASES}
