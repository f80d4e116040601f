"""Pure helpers: form parsing, parameter checking, tax, billing periods."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripe_sandbox import params as p
from stripe_sandbox import tax
from stripe_sandbox.errors import StripeError
from stripe_sandbox.forms import parse_query
from stripe_sandbox.periods import add_interval, next_period_end


def test_bracket_forms_become_nested_params() -> None:
    parsed = parse_query(
        "items[0][price]=price_a&items[0][quantity]=2&items[1][price]=price_b"
        "&expand[]=x&expand[]=y.z&metadata[user]=42&metadata[gift]=&created[gte]=10"
    )
    assert parsed == {
        "items": [{"price": "price_a", "quantity": "2"}, {"price": "price_b"}],
        "expand": ["x", "y.z"],
        "metadata": {"user": "42", "gift": ""},
        "created": {"gte": "10"},
    }
    assert parse_query("expand[0]=a&expand[1]=b") == {"expand": ["a", "b"]}


def test_parameter_checking() -> None:
    spec = {"items": [{"price": p.STR, "quantity": p.INT}], "flag": p.BOOL, "metadata": p.METADATA}
    out = p.check({"items": [{"price": "x", "quantity": "3"}], "flag": "true", "metadata": {"k": "v"}}, spec)
    assert out["items"] == [{"price": "x", "quantity": 3}] and out["flag"] is True
    with pytest.raises(StripeError) as unknown:
        p.check({"items": [{"price": "x", "qty": "1"}]}, spec)
    assert unknown.value.param == "items[0][qty]"
    with pytest.raises(StripeError) as bad_int:
        p.check({"items": [{"quantity": "two"}]}, spec)
    assert bad_int.value.param == "items[0][quantity]"
    assert p.check({"flag": ""}, spec) == {"flag": None}


@pytest.mark.parametrize(
    ("amount", "country", "state", "expected"),
    [
        (999, "DE", None, 160),
        (999, "FR", None, 166),
        (999, "GB", None, 166),
        (1500, "JP", None, 136),
        (1099, "US", None, 0),
        (1099, "US", "CA", 74),
        (1299, "CA", "ON", 149),
        (1299, "AU", None, 118),
    ],
)
def test_inclusive_tax_table(amount: int, country: str, state: str | None, expected: int) -> None:
    assert tax.compute(amount, "inclusive", country, state)["tax"] == expected


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(sorted(tax.RATES)))
def test_inclusive_tax_is_amount_minus_net(amount: int, country: str) -> None:
    result = tax.compute(amount, "inclusive", country)
    rate = tax.RATES[country]
    net = amount - result["tax"]
    assert result["total"] == amount and 0 <= result["tax"] <= amount
    assert abs(Decimal(net) * (1 + rate / 100) - amount) <= (1 + rate / 100) / 2 + Decimal("0.01")


def _ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_month_end_anchor_does_not_drift() -> None:
    anchor = _ts(2027, 1, 31, 12)
    assert add_interval(anchor, "month", 1) == _ts(2027, 2, 28, 12)
    assert add_interval(anchor, "month", 2) == _ts(2027, 3, 31, 12)
    assert next_period_end(anchor, _ts(2027, 2, 28, 12), "month", 1) == _ts(2027, 3, 31, 12)
    assert add_interval(_ts(2028, 2, 29), "year", 1) == _ts(2029, 2, 28)


def test_event_ids_sort_in_emission_order() -> None:
    from stripe_sandbox.store import sortable_id

    ids = [sortable_id("evt", n) for n in (1, 2, 61, 62, 63, 3843, 3844, 10**9)]
    assert ids == sorted(ids)
    assert all(i.startswith("evt_1") and len(i) == 28 for i in ids)
