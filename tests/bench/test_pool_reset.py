"""The pool hands connections back without asyncpg's per-release `RESET ALL` round trip, safely.

`gateway.db.release_without_session_reset` explains why that is safe: asyncpg
still rolls back a transaction left open, and the gateway leaves no other
session state on a pooled connection. These tests hold both halves: what the
pool does on release, and that the code base does not start doing what the
skipped reset would have undone (session SETs, advisory locks, LISTEN on a
pooled connection, cursors WITH HOLD).
"""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import pytest
from tortoise import connections

from gateway.db import release_without_session_reset, tortoise_config

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("billing", "gateway", "models", "resolvers", "schema", "webhooks")

# What asyncpg's default reset undoes, written by hand in our SQL.
SESSION_STATE = {
    "a session-level SET (use SET LOCAL inside a transaction)": re.compile(
        r"""["']\s*(SET|RESET)\s+(?!LOCAL\b)(SESSION\s+)?[A-Za-z_."]+\s*(=|TO\b)""", re.I
    ),
    "a session-level advisory lock (use pg_advisory_xact_lock)": re.compile(
        r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.I
    ),
    "a cursor WITH HOLD": re.compile(r"\bCURSOR\s+WITH\s+HOLD\b", re.I),
}
LISTEN = re.compile(r"""["']\s*LISTEN\s""", re.I)


def test_postgres_pools_are_configured_without_the_session_reset() -> None:
    config = tortoise_config("postgres://u@127.0.0.1:5432/db", pool_max=3)
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["reset"] is release_without_session_reset
    assert credentials["maxsize"] == "3"
    sqlite = tortoise_config("sqlite:///tmp/x.sqlite3")["connections"]["default"]
    assert "reset" not in sqlite["credentials"]


def test_no_code_leaves_session_state_on_a_pooled_connection() -> None:
    found = []
    for package in PRODUCTION:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            for what, pattern in SESSION_STATE.items():
                # The migration lock is a session lock on a connection of its own, outside the pool.
                if path == ROOT / "gateway" / "db.py" and what.startswith("a session-level advisory"):
                    text_checked = text.replace('"SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY', "")
                    hits = pattern.finditer(text_checked)
                else:
                    hits = pattern.finditer(text)
                found += [f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}" for m in hits]
            # LISTEN runs only on the live-update hub's own connection, outside the pool.
            if path != ROOT / "gateway" / "pubsub.py" and LISTEN.search(text):
                found.append(f"{path.relative_to(ROOT)}: LISTEN outside gateway/pubsub.py")
    assert not found, "\n".join(found)


@pytest.mark.postgres_only
async def test_release_sends_no_reset_but_rolls_back_an_open_transaction(db: str) -> None:
    pool = connections.get("default")._pool
    assert pool is not None and pool._reset is release_without_session_reset
    sent: list[str] = []
    original = asyncpg.Connection.execute

    async def recording(self: asyncpg.Connection, query: str, *args: object, **kwargs: object) -> str:
        sent.append(query)
        return await original(self, query, *args, **kwargs)

    asyncpg.Connection.execute = recording  # type: ignore[method-assign]
    try:
        await connections.get("default").execute_query_dict("SELECT 1 AS one")
        assert sent == []  # no `RESET ALL; …` after the query

        async with pool.acquire() as proxy:
            raw = proxy._con
            await proxy.execute("BEGIN")
            await proxy.execute("CREATE TEMP TABLE left_open (x int)")
            assert raw.is_in_transaction()
        # asyncpg's own part of the release rolled the transaction back.
        assert not raw.is_in_transaction()
        assert sent[-1] == "ROLLBACK"
        assert await raw.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        asyncpg.Connection.execute = original  # type: ignore[method-assign]
