"""`billing-gateway migrate` from every replica at once (a Kubernetes init container per pod).

Four processes start together on a fresh database: every one exits 0, one of
them applies every migration, the others wait for it and find nothing to do,
and aerich's table records each version exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from ops_serve import clean_env

from gateway.db import migrations_location

RUNNERS = 4
_TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _migration_versions(database_url: str) -> list[str]:
    folder = migrations_location(database_url) / "models"
    return sorted(path.stem for path in folder.glob("[0-9]*_*.py"))


def _migrate_all_at_once(database_url: str) -> list[subprocess.CompletedProcess[str]]:
    env = clean_env(DATABASE_URL=database_url, LOG_JSON="true")
    with tempfile.TemporaryDirectory() as cwd:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "migrate"],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(RUNNERS)
        ]
        results = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=120)
            results.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return results


def _check(results: list[subprocess.CompletedProcess[str]], versions: list[str], recorded: list[str]) -> None:
    for result in results:
        assert result.returncode == 0, result.stderr
    applied = sorted(r.stdout.strip() for r in results)
    everything = f"applied {len(versions)} migration(s)"
    assert [line.startswith(everything) for line in applied].count(True) == 1, applied
    assert applied.count("applied 0 migration(s)") == RUNNERS - 1, applied
    assert sorted(recorded) == sorted(f"{v}.py" for v in versions)  # each version once


@pytest.mark.postgres_only
async def test_four_concurrent_migrates_on_a_fresh_postgres_database_all_succeed() -> None:
    parts = urlsplit(_TEST_DATABASE_URL)
    name = f"{parts.path.strip('/')}_migrate_race"
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    fresh = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    try:
        results = _migrate_all_at_once(fresh)
        conn = await asyncpg.connect(fresh)
        try:
            recorded = [row["version"] for row in await conn.fetch("SELECT version FROM aerich")]
            assert await conn.fetchval("SELECT to_regclass('public.payments')") is not None
        finally:
            await conn.close()
        _check(results, _migration_versions(fresh), recorded)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_four_concurrent_migrates_on_a_fresh_sqlite_file_wait_for_each_other(tmp_path: Path) -> None:
    """SQLite: the others wait on a lock file beside the database; never a half-applied schema."""
    import sqlite3

    database_url = f"sqlite://{tmp_path / 'billing.sqlite3'}"
    results = _migrate_all_at_once(database_url)
    with sqlite3.connect(tmp_path / "billing.sqlite3") as conn:
        recorded = [row[0] for row in conn.execute("SELECT version FROM aerich")]
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'payments'").fetchone()
    _check(results, _migration_versions(database_url), recorded)
