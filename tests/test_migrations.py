"""Migrations: they apply on this run's database, and they describe the current models."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from aerich.utils import decompress_dict, get_models_describe
from tortoise import connections

from gateway.db import MIGRATIONS_ROOT
from models import Customer


def _last_state(dialect: str) -> dict:
    files = sorted(
        (MIGRATIONS_ROOT / dialect / "models").glob("*.py"),
        key=lambda p: int(p.name.split("_", 1)[0]),
    )
    assert files, f"no migrations for {dialect}"
    spec = importlib.util.spec_from_file_location("last_migration", files[-1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(json.dumps(decompress_dict(module.MODELS_STATE), default=str))


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
async def test_models_have_no_unmigrated_change(db: str, dialect: str) -> None:
    """Changing a model without `scripts/make_migration.py NAME` fails here, for each dialect."""
    # The recorded state went through JSON (tuples became lists): compare like with like.
    current = json.loads(json.dumps(get_models_describe("models"), default=str))
    recorded = _last_state(dialect)
    changed = sorted(name for name in set(current) | set(recorded) if current.get(name) != recorded.get(name))
    assert not changed, (
        f"models changed without a {dialect} migration: {changed}; "
        "run .venv/bin/python scripts/make_migration.py NAME"
    )


async def test_migrated_schema_accepts_rows(db: str) -> None:
    """The applied schema is the one the models expect: a round trip works."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    await Customer.create(user_id="u1", created_at=now, updated_at=now)
    row = await Customer.get(user_id="u1")
    assert row.version == 1 and row.created_at.tzinfo is not None
    rows = await connections.get("default").execute_query_dict("SELECT version FROM aerich")
    assert rows, "aerich recorded no applied migration"


def test_each_dialect_has_migrations() -> None:
    for dialect in ("sqlite", "postgres"):
        assert list(Path(MIGRATIONS_ROOT / dialect / "models").glob("0_*.py"))
