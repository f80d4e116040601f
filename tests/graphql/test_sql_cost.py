"""What a page costs in SQL: constant in page size, and deep pages cost what the first does.

Statements are counted by wrapping the execute methods of Tortoise's client
class (tests/graphql/gql_helpers.SqlLog): every ORM query and raw statement
goes through them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from gql_helpers import ALICE, SqlLog
from tortoise import connections
from tortoise.transactions import in_transaction

from tests import factories as f
from tests.factories import NOW

GIFT_PAGE = """query($n: Int, $a: String) {
  payments(first: $n, after: $a) { edges { node { giftCode { code } } } pageInfo { endCursor } }
}"""
ON_SQLITE = not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")


async def _seed(n: int) -> None:
    for i in range(n):
        created = NOW - timedelta(minutes=i)
        if i % 2:
            await f.gift_purchase(ALICE, created_at=created)
        else:
            await f.payment(ALICE, created_at=created)


async def _statements(gql, first: int, after: str | None = None) -> tuple[int, list[str], dict]:
    with SqlLog() as log:
        result = await gql(GIFT_PAGE, {"n": first, "a": after})
    assert "errors" not in result, result
    return len(log), log.sql, result


async def test_statement_count_does_not_grow_with_page_size(gql, db):
    await _seed(120)
    small, _, r5 = await _statements(gql, 5)
    large, sql, r100 = await _statements(gql, 100)
    assert len(r5["data"]["payments"]["edges"]) == 5
    assert len(r100["data"]["payments"]["edges"]) == 100
    assert sum(1 for e in r100["data"]["payments"]["edges"] if e["node"]["giftCode"]) == 50
    print(f"\nSQL statements: payments(first: 5) = {small}, payments(first: 100) = {large}")
    assert small == large == 1, sql  # the page joined with its gift codes


async def test_deep_page_costs_the_same_and_never_uses_offset(gql, db):
    await _seed(120)
    first_count, first_sql, page = await _statements(gql, 10)
    after = page["data"]["payments"]["pageInfo"]["endCursor"]
    for _ in range(9):  # walk to page 11
        _, _, page = await _statements(gql, 10, after)
        after = page["data"]["payments"]["pageInfo"]["endCursor"]
    deep_count, deep_sql, _ = await _statements(gql, 10, after)
    assert deep_count == first_count
    for statement in first_sql + deep_sql:
        assert "OFFSET" not in statement.upper(), statement
    assert "LIMIT" in deep_sql[0].upper()


@pytest.mark.postgres_only
async def test_postgres_reads_only_one_page_of_index_for_a_deep_page(gql, db):
    """EXPLAIN ANALYZE: the index scan stops after first+1 rows, however deep the cursor."""
    await _seed(300)
    await connections.get("default").execute_script("ANALYZE payments")
    _, _, page = await _statements(gql, 25)
    after = page["data"]["payments"]["pageInfo"]["endCursor"]
    for _ in range(8):
        _, _, page = await _statements(gql, 25, after)
        after = page["data"]["payments"]["pageInfo"]["endCursor"]
    with SqlLog() as log:
        await gql(GIFT_PAGE, {"n": 25, "a": after})
    query, values = log.statements[0]
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        _, rows = await conn.execute_query(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", values)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans = []

    def walk(node: dict) -> None:
        if "Index" in node["Node Type"]:
            scans.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    # The payments index scan (the other one looks up the page's gift codes by payment id).
    scans = [scan for scan in scans if scan["Index Name"] == "idx_payments_user_id_47c8e9"]
    assert len(scans) == 1, plan
    assert "created_at" in scans[0]["Index Cond"], plan  # the cursor bounds the range scan
    assert scans[0]["Actual Rows"] == 26, plan  # first + 1, not 9 pages' worth
    # Only rows sharing the cursor's timestamp are filtered (here: the cursor row itself).
    assert scans[0].get("Rows Removed by Filter", 0) <= 1, plan


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite's planner")
async def test_sqlite_searches_the_index_with_the_cursor(gql, db):
    await _seed(30)
    _, _, page = await _statements(gql, 10)
    after = page["data"]["payments"]["pageInfo"]["endCursor"]
    with SqlLog() as log:
        await gql(GIFT_PAGE, {"n": 10, "a": after})
    query, values = log.statements[0]
    _, rows = await connections.get("default").execute_query(f"EXPLAIN QUERY PLAN {query}", values)
    plan = " | ".join(str(dict(r)) for r in rows)
    assert "USING INDEX idx_payments_user_id_47c8e9" in plan and "created_at<" in plan.replace(" ", ""), plan
    # The page (the subquery, before its gift codes are joined) comes in index order: no sort.
    # Only the page's own first + 1 rows are put back in order after the join.
    page = [dict(r) for r in rows if dict(r)["parent"] != 0]
    assert page and not any("TEMP B-TREE" in r["detail"].upper() for r in page), plan
