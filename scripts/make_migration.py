"""Generate a migration for both dialects from the current models.

    .venv/bin/python scripts/make_migration.py NAME

For each dialect it builds a scratch database (a temp SQLite file; a throwaway
PostgreSQL database named by PG_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres), applies the existing migrations,
and lets aerich write the difference to migrations/<dialect>/models/.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import asyncpg
from aerich import Command
from tortoise import Tortoise

from gateway.db import migrations_location, tortoise_config

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def _sqlite_keeps_no_column_comments() -> None:
    """SQLite has no ALTER for a column's comment (aerich raises NotSupportError, e.g. when a
    new enum member changes a CharEnumField's comment). The comment there only lives inside
    CREATE TABLE text and nothing reads it, so the migration notes the change as an SQL comment."""
    from aerich.ddl.sqlite import SqliteDDL

    def set_comment(self: SqliteDDL, model: type, field_describe: dict) -> str:
        column = field_describe.get("db_column") or field_describe["name"]
        return f"-- {model._meta.db_table}.{column}: comment changed (SQLite keeps none to alter)"

    SqliteDDL.set_comment = set_comment  # type: ignore[method-assign]


async def _generate(database_url: str, name: str) -> None:
    if database_url.startswith("sqlite"):
        _sqlite_keeps_no_column_comments()
    location = migrations_location(database_url)
    command = Command(tortoise_config(database_url, pool_max=2), app="models", location=str(location))
    if not (location / "models").exists() or not any((location / "models").glob("*.py")):
        await command.init_db(safe=True)
        print(f"{location}: initial migration written")
    else:
        async with command:
            await command.init()
            await command.upgrade()
            await command.init()  # re-read the last applied state, now that there is one
            written = await command.migrate(name, no_input=True)
            print(f"{location}: {written or 'no changes'}")
    await Tortoise.close_connections()


async def main(name: str, dialect: str) -> None:
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            await _generate(f"sqlite://{Path(tmp) / 'scratch.sqlite3'}", name)
        return
    db = f"bg_makemig_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{db}"')
    try:
        await _generate(f"postgres://postgres@127.0.0.1:5432/{db}", name)
    finally:
        await admin.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    if len(sys.argv) == 2:
        # Tortoise keeps per-process model state bound to the first dialect: one process each.
        for each in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, sys.argv[1], each], check=True)
    elif len(sys.argv) == 3 and sys.argv[2] in ("sqlite", "postgres"):
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    else:
        sys.exit("usage: make_migration.py NAME")
