"""Keyset pagination: newest first by (created_at, id), ties included; bad arguments are BAD_USER_INPUT."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from gql_helpers import ALICE, BOB, codes

from billing import ids
from billing.pagination import encode_cursor
from models.enums import PaymentStatus
from tests import factories as f
from tests.factories import NOW

PAGE = """query($first: Int, $after: String, $status: [PaymentStatus!]) {
  payments(first: $first, after: $after, status: $status) {
    edges { cursor node { id status createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _walk(gql, first: int, **variables) -> list[dict]:
    pages = []
    after = None
    while True:
        result = await gql(PAGE, {"first": first, "after": after, **variables})
        assert "errors" not in result, result
        connection = result["data"]["payments"]
        pages.append(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]


async def test_pages_cover_everything_once_in_order_with_ties(gql, db):
    tied = NOW - timedelta(hours=1)
    expected = []
    for i in range(5):  # five payments created in the very same microsecond
        expected.append(await f.payment(ALICE, created_at=tied))
    for i in range(4):
        expected.append(await f.payment(ALICE, created_at=NOW - timedelta(minutes=10 * (i + 1))))
    await f.payment(BOB, created_at=tied)
    order = sorted(expected, key=lambda p: (p.created_at, p.id), reverse=True)

    for first in (1, 2, 3, 4, 100):
        pages = await _walk(gql, first)
        seen = [e["node"]["id"] for page in pages for e in page["edges"]]
        assert seen == [ids.encode("Payment", p.id) for p in order], first
        assert all(len(page["edges"]) <= first for page in pages)
        assert pages[0]["pageInfo"]["hasPreviousPage"] is False
        assert all(page["pageInfo"]["hasPreviousPage"] for page in pages[1:])
        for page in pages:
            assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_status_filter(gql, db):
    for status in (
        PaymentStatus.COMPLETED,
        PaymentStatus.FAILED,
        PaymentStatus.REFUNDED,
        PaymentStatus.FAILED,
    ):
        await f.payment(ALICE, status=status)
    pages = await _walk(gql, 1, status=["FAILED", "REFUNDED"])
    statuses = [e["node"]["status"] for page in pages for e in page["edges"]]
    assert sorted(statuses) == ["FAILED", "FAILED", "REFUNDED"]
    none = await gql(PAGE, {"status": []})
    assert none["data"]["payments"]["edges"] == []


async def test_empty_connection(gql, db):
    result = await gql(PAGE, {})
    assert result["data"]["payments"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


@pytest.mark.parametrize("first", [0, -1, 101, 10_000])
async def test_first_out_of_range_is_bad_user_input(gql, db, first):
    for field in ("payments", "invoices", "giftCodes"):
        result = await gql(f"query($n: Int) {{ {field}(first: $n) {{ edges {{ cursor }} }} }}", {"n": first})
        assert codes(result) == ["BAD_USER_INPUT"], (field, result)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "!!!",
        base64.urlsafe_b64encode(b"k1:not-a-date|5").decode(),
        base64.urlsafe_b64encode(b"k1:2026-11-25T18:00:00.000000|-5").decode(),
        base64.urlsafe_b64encode(b"k2:2026-11-25T18:00:00.000000|5").decode(),
        ids.encode("Payment", 1),
        "A" * 1000,
    ],
)
async def test_malformed_cursor_is_bad_user_input(gql, db, cursor):
    for field in ("payments", "invoices", "giftCodes"):
        result = await gql(
            f"query($a: String) {{ {field}(after: $a) {{ edges {{ cursor }} }} }}", {"a": cursor}
        )
        assert codes(result) == ["BAD_USER_INPUT"], (field, cursor, result)


async def test_admin_nested_pagination_validates_too(gql, db):
    result = await gql('{ userBilling(userId: "x") { payments(first: 0) { edges { cursor } } } }', admin=True)
    assert codes(result) == ["BAD_USER_INPUT"]


async def test_invoices_and_gift_codes_paginate(gql, db):
    for i in range(5):
        await f.invoice(ALICE, created_at=NOW - timedelta(days=i))
        await f.gift_purchase(ALICE, created_at=NOW - timedelta(days=i))
    for field in ("invoices", "giftCodes"):
        seen, after = [], None
        while True:
            result = await gql(
                f"query($a: String) {{ {field}(first: 2, after: $a) {{ edges {{ node {{ createdAt }} }} "
                "pageInfo { hasNextPage endCursor } } }",
                {"a": after},
            )
            conn = result["data"][field]
            seen += [e["node"]["createdAt"] for e in conn["edges"]]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        assert seen == sorted(seen, reverse=True) and len(seen) == 5, field


def test_cursor_round_trip_keeps_microseconds():
    from billing.pagination import decode_cursor

    stamp = NOW.replace(microsecond=123456)
    cursor = decode_cursor(encode_cursor(stamp, 42))
    assert (cursor.created_at, cursor.id) == (stamp, 42)
