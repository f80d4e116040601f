"""Test set-up shared by the whole suite.

The suite runs once per database: `TEST_DATABASE_URL` picks it (the README's
test command runs SQLite, then PostgreSQL). Each run builds the schema with the
real aerich migrations of that dialect, so a migration that does not apply fails
the suite. Tables are emptied before each test that asks for `db`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise, connections

from gateway.db import apply_migrations, dialect_of, tortoise_config
from stripe_sandbox.conformance import ENV as CONFORMANCE_ENV
from stripe_sandbox.testing import SandboxServer

_TMP = tempfile.mkdtemp(prefix="bg-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite://{Path(_TMP) / 'test.sqlite3'}"
DIALECT = dialect_of(DATABASE_URL)

# The conformance recorder (stripe_sandbox/conformance.py): every sandbox of the session, in this
# process or a subprocess, appends each request the pinned SDK does not declare; the session fails
# listing them (`pytest_sessionfinish`).
CONFORMANCE_LOG = Path(_TMP) / "stripe-conformance.log"
os.environ[CONFORMANCE_ENV] = str(CONFORMANCE_LOG)
TABLES = (
    "audit_entries",
    "disputes",
    "refunds",
    "grants",
    "gift_codes",
    "payments",
    "subscriptions",
    "invoices",
    "customers",
    "webhook_events",
    "rate_limit_counters",
    "catalog_prices",
    "outbox_messages",
    "persisted_queries",
)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {DIALECT} ({DATABASE_URL.split('@')[-1]})"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the worker thread of every aiosqlite connection still open when pytest ends.

    aiosqlite runs each connection on a non-daemon thread. A test that touches the
    database from another event loop (Starlette's TestClient runs the app on its
    own) makes Tortoise replace the connection without closing the old one, and
    the session's final close then reaches only the newest. A thread left that way
    keeps the interpreter from exiting after every test has passed: CI waited on
    one until its time ran out. This stops them, whoever left them.
    """
    import gc

    import aiosqlite

    for obj in gc.get_objects():
        try:
            if isinstance(obj, aiosqlite.Connection) and obj._running:
                obj.stop()
        except ReferenceError:  # a weak proxy whose object is gone
            continue


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if anything sent Stripe (the sandbox) a parameter the SDK does not declare."""
    if not CONFORMANCE_LOG.exists():
        return
    strays = sorted(set(CONFORMANCE_LOG.read_text(encoding="utf-8").splitlines()))
    if not strays:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [
        "Requests to Stripe that the pinned SDK's params classes do not declare "
        "(stripe_sandbox/conformance.py):",
        *(f"  {line}" for line in strays),
    ]
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if DIALECT == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with TEST_DATABASE_URL=postgres://…")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


async def _reset_postgres(url: str) -> None:
    """Start from an empty database so the migrations are applied from scratch."""
    conn = await asyncpg.connect(url.split("?")[0])
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url() -> str:
    return DATABASE_URL


@pytest.fixture(scope="session")
async def migrated_db(database_url: str) -> AsyncIterator[str]:
    """The test database with every migration applied, and Tortoise initialised on it."""
    if DIALECT == "postgres":
        await _reset_postgres(database_url)
    applied = await apply_migrations(database_url)
    assert applied, "no migration applied to a fresh database"
    await Tortoise.init(config=tortoise_config(database_url, pool_max=20))
    yield database_url
    await Tortoise.close_connections()


@pytest.fixture
async def db(migrated_db: str) -> AsyncIterator[str]:
    """An empty, migrated database for one test."""
    conn = connections.get("default")
    if DIALECT == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    else:
        await conn.execute_script("".join(f"DELETE FROM {table};" for table in TABLES))
    yield migrated_db


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One Stripe sandbox for the session, on a free loopback port (tests use distinct users)."""
    with SandboxServer() as server:
        yield server
