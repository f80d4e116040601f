"""Database set-up: Tortoise configuration and aerich migrations, per dialect.

aerich writes dialect-specific SQL, so each dialect has its own migration
folder (`migrations/sqlite`, `migrations/postgres`), both generated from the
same models and both applied by the test suite.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise.backends.base.config_generator import expand_db_url

import migrations

MODELS_MODULES = ["models", "aerich.models"]
MIGRATIONS_ROOT = Path(migrations.__file__).parent

Dialect = Literal["sqlite", "postgres"]

# PostgreSQL statements and connection attempts are time-bounded. Without a bound, a
# network partition (nothing refused, nothing answered) holds each request and its pool
# connection until TCP gives up, minutes later; bounded, the request fails (masked
# error, webhook 503 for Stripe to redeliver) and the pool recovers when the network
# does. Every statement the gateway runs takes milliseconds. Migrations are unbounded
# (an index build may take long). A DATABASE_URL that sets `command_timeout` or
# `timeout` itself wins.
COMMAND_TIMEOUT_SECONDS = 10
CONNECT_TIMEOUT_SECONDS = 10


def dialect_of(database_url: str) -> Dialect:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


def _with_pool(database_url: str, pool_max: int, command_timeout: float | None) -> str:
    """Add asyncpg pool bounds and timeouts to a postgres URL (unless the URL sets them)."""
    if dialect_of(database_url) != "postgres":
        return database_url
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("minsize", "1")
    query.setdefault("maxsize", str(pool_max))
    query.setdefault("timeout", str(CONNECT_TIMEOUT_SECONDS))
    if command_timeout is not None:
        query.setdefault("command_timeout", f"{command_timeout:g}")
    scheme = "postgres" if parts.scheme in ("postgresql", "asyncpg") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def release_without_session_reset(connection: Any) -> None:
    """The pool's reset on release: nothing beyond what asyncpg always does (see below).

    By default asyncpg sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL;`` whenever a connection goes back to its pool, and
    Tortoise takes a connection from the pool for every query, so a read of two
    statements paid two extra round trips (about 8-10 % of a payments page's
    CPU, `python -m bench profile S1`). With a custom reset, asyncpg still runs
    its own part first (`Connection._reset`): an open transaction is rolled
    back and listeners registered on the connection are dropped. What is
    skipped undoes session state the gateway never leaves behind:

    - advisory locks: the gateway takes none (concurrent writers are settled
      by versioned updates and unique constraints);
    - open cursors: Tortoise declares none outside a transaction, and a
      transaction's cursors close with it (no ``WITH HOLD``);
    - ``LISTEN``: live updates listen on a dedicated connection outside the
      pool (`gateway.pubsub`), never on a pooled one;
    - ``SET``: nothing sets session variables; the per-connection settings come
      from the connect parameters (``server_settings``), which ``RESET ALL``
      would keep anyway.

    `tests/bench/test_pool_reset.py` checks this: a released connection's open
    transaction is rolled back, and the code base sends none of the statements
    above on pooled connections. Code that needs session state must use
    ``SET LOCAL`` / ``pg_advisory_xact_lock`` inside a transaction instead.
    """


def _postgres_connection(database_url: str, pool_max: int, command_timeout: float | None) -> dict[str, Any]:
    connection = expand_db_url(_with_pool(database_url, pool_max, command_timeout))
    connection["credentials"].setdefault("reset", release_without_session_reset)
    return connection


def tortoise_config(
    database_url: str, *, pool_max: int = 10, command_timeout: float | None = COMMAND_TIMEOUT_SECONDS
) -> dict[str, Any]:
    """The one Tortoise configuration every entry point (app, CLI, tests) uses."""
    connection: str | dict[str, Any] = database_url
    if dialect_of(database_url) == "postgres":
        connection = _postgres_connection(database_url, pool_max, command_timeout)
    else:
        path = database_url.split("://", 1)[1] or ":memory:"
        # busy_timeout: concurrent writers wait for SQLite's single write lock instead of failing.
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {"file_path": path, "busy_timeout": 5000, "journal_mode": "WAL"},
        }
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": MODELS_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def migrations_location(database_url: str) -> Path:
    return MIGRATIONS_ROOT / dialect_of(database_url)


async def apply_migrations(database_url: str) -> list[str]:
    """Bring the database to the models' schema; returns the versions applied now.

    Safe to run on every start and from every replica at once: the whole run
    holds the migration lock (`migration_lock`), so one runner applies and the
    others wait, then find nothing left to do. Without it, two runners creating
    aerich's own table at the same moment collide in PostgreSQL's catalog (a
    unique violation on pg_type) and the losers exit with an error. Each version
    is applied in one transaction, so a schema is never left half-applied.
    """
    from aerich import Command  # imported lazily: aerich is heavy and only needed here

    command = Command(
        tortoise_config=tortoise_config(database_url, pool_max=2, command_timeout=None),
        app="models",
        location=str(migrations_location(database_url)),
    )
    async with migration_lock(database_url), command:
        await command.init()
        return await command.upgrade(run_in_transaction=True)


# Any fixed number, the same in every release: pg_advisory_lock's key for "a migration is running".
MIGRATION_LOCK_KEY = 0x6267_6D69_6772  # "bgmigr"


@asynccontextmanager
async def migration_lock(database_url: str) -> AsyncIterator[None]:
    """Hold the database-wide migration lock: one migrator at a time, the others wait.

    PostgreSQL: a session advisory lock on a connection of its own, outside the
    pool (the pool's connections never hold session state, see
    `release_without_session_reset`); it is released when the connection
    closes, so a migrator that dies frees it. SQLite: an exclusive `flock` on a
    file beside the database, released the same way when the process dies.
    """
    if dialect_of(database_url) == "postgres":
        import asyncpg

        credentials = dict(expand_db_url(database_url)["credentials"])
        connection = await asyncpg.connect(
            host=credentials.get("host"),
            port=credentials.get("port"),
            user=credentials.get("user"),
            password=credentials.get("password"),
            database=credentials.get("database"),
            ssl=credentials.get("ssl"),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            yield
        finally:
            await connection.close()  # ends the session, and with it the lock
        return
    path = database_url.split("://", 1)[1]
    if path in ("", ":memory:"):  # nobody else can see an in-memory database
        yield
        return
    descriptor = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
