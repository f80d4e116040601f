"""Migrations: they apply on this run's database, and they describe the current models."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aerich.utils import decompress_dict, get_models_describe
from tortoise import connections

from gateway.db import MIGRATIONS_ROOT
from models import Customer, Grant
from models.enums import GiftCodeStatus, GrantState, ProductType, SubscriptionStatus
from tests import factories as f
from tests.conftest import DIALECT


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


async def test_grants_migration_backfills_redeemed_codes(db: str) -> None:
    """Migration 6 (issue 13, item 1) writes each redeemed code's stretch to the ledger: gift time of
    its own, stacked on the subscription it moved, or taken back (with what it took) if revoked."""
    day = timedelta(days=1)
    start = f.NOW + 10 * day
    await f.customer("own", gift_until=start + 365 * day)
    _, own = await f.gift_purchase("buyer", code_kw=_redeemed("own", start, start + 365 * day))
    sub = await f.subscription(
        "stacker", status=SubscriptionStatus.TRIALING, current_period_end=start + 365 * day
    )
    _, stacked = await f.gift_purchase("buyer", code_kw=_redeemed("stacker", start, start + 365 * day))
    _, revoked = await f.gift_purchase(
        "buyer",
        product_type=ProductType.PREMIUM_YEARLY,
        code_kw={**_redeemed("taker", f.NOW - 5 * day, f.NOW), "status": GiftCodeStatus.REVOKED},
    )
    await f.gift_purchase("buyer")  # not redeemed: nothing granted
    await Grant.all().delete()  # the tables above were made after the migration ran

    (path,) = (MIGRATIONS_ROOT / DIALECT / "models").glob("6_*.py")
    spec = importlib.util.spec_from_file_location("grants_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conn = connections.get("default")
    await conn.execute_script(await module.upgrade(conn))  # idempotent DDL, then the backfill

    grants = {g.payment_id: g for g in await Grant.all()}
    assert set(grants) == {own.payment_id, stacked.payment_id, revoked.payment_id}
    mine = grants[own.payment_id]
    assert (mine.user_id, mine.stripe_subscription_id, mine.state) == ("own", None, GrantState.GRANTED)
    assert (mine.starts_at, mine.ends_at) == (start, start + 365 * day)
    assert grants[stacked.payment_id].stripe_subscription_id == sub.stripe_subscription_id
    taken = grants[revoked.payment_id]
    assert taken.state == GrantState.TAKEN_BACK and taken.ends_at == f.NOW
    # What a give-back returns: the code's 12 months from its start, less the 5 days it ran.
    expected = (f.NOW - 5 * day).replace(year=f.NOW.year + 1) - f.NOW
    assert abs(taken.taken_back_seconds - expected.total_seconds()) <= 86_400


def _redeemed(user: str, start: datetime, end: datetime) -> dict:
    return {
        "status": GiftCodeStatus.REDEEMED,
        "redeemed_by_user_id": user,
        "redeemed_at": start,
        "granted_from": start,
        "granted_until": end,
    }
