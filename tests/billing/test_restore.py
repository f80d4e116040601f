"""Nothing lost when the database is lost (issue 20): Stripe is the log `reconcile` rebuilds from.

A day of billing (two subscriptions, a gift redeemed by a friend without a subscription, a gift
kept, a renewal, a refund, a cancellation, a second refund that restricts the account, a card
change) is recorded as users see it; then the database is emptied (no backup at all) and
`reconcile --since` (webhooks.reconcile.reconcile, what the CLI runs) must bring back every fact:
the same gift code strings in the same states, the friend's gift time, the restriction. A second
reconcile restores nothing. The HTTP + CLI + pg_dump version is tests/e2e/test_restore_e2e.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

from billing.catalog.sync import sync_catalog
from billing.gifts.redeem import redeem
from billing.premium.rule import load_premium
from billing.reversals.restrictions import set_restriction
from billing.subscriptions.actions import CancelRequest, cancel_subscription
from models import Customer, GiftCode, Payment
from models.enums import Currency, ProductType
from stripe_sandbox.testing import SandboxServer
from tests.billing.test_purchase_flows import buy, request
from tests.billing.test_refunds import refund
from tests.conftest import DIALECT, TABLES
from tests.stripe_world import StripeWorld
from webhooks.reconcile import reconcile

DAY = 86_400
ROLES = ("ann", "bob", "giver", "friend", "cat")


async def facts(world: StripeWorld, p: str) -> dict[str, Any]:
    """What each user sees of their billing, without database ids (they do not survive)."""
    now = world.services.clock.now()
    out: dict[str, Any] = {}
    for role in ROLES:
        user = p + role
        premium = await load_premium(user, now)
        customer = await Customer.get_or_none(user_id=user)
        out[role] = {
            "premium": (
                premium.active,
                premium.source,
                premium.until and premium.until.replace(microsecond=0),
            ),
            "payments": sorted(
                (
                    p["stripe_payment_intent_id"] or p["stripe_invoice_id"],
                    p["status"],
                    p["amount"],
                    p["is_gift"],
                )
                for p in await Payment.filter(user_id=user).values()
            ),
            "codes": sorted(
                (c["code"], c["status"], c["redeemed_by_user_id"], c["expires_at"].replace(microsecond=0))
                for c in await GiftCode.filter(purchaser_user_id=user).values()
            ),
            "restricted": (customer.purchase_restricted, customer.restriction_reason) if customer else None,
        }
    return out


async def a_day_of_billing(
    world: StripeWorld, p: str, backup: Callable[[], Awaitable[None]] | None = None
) -> None:
    """The issue's day; `backup` runs midway (the gifts bought, nothing redeemed, refunded or restricted)."""
    ann = await buy(world, p + "ann", request(ProductType.PREMIUM_MONTHLY))
    bob = await buy(world, p + "bob", request(ProductType.PREMIUM_YEARLY, Currency.EUR))
    gift = await buy(world, p + "giver", request(ProductType.PREMIUM_YEARLY, gift=True))
    kept = await buy(world, p + "giver", request(ProductType.PREMIUM_MONTHLY, gift=True))
    if backup is not None:
        await backup()
    code = await GiftCode.get(payment_id=gift.payment.id)
    await redeem(world.services, p + "friend", code.code)
    assert await GiftCode.filter(payment_id=kept.payment.id, status="AVAILABLE").exists()
    await refund(world, bob.payment)  # a refund
    await world.advance(32 * DAY)  # ann renews
    await world.deliver_new()
    await cancel_subscription(world.services, p + "ann", CancelRequest())  # a cancellation (at period end)
    await world.deliver_new()
    cat1 = await buy(world, p + "cat", request(ProductType.PREMIUM_MONTHLY))
    await refund(world, cat1.payment)
    cat2 = await buy(world, p + "cat", request(ProductType.PREMIUM_MONTHLY))
    await refund(world, cat2.payment)  # the second refund restricts the account
    assert (await Customer.get(user_id=p + "cat")).purchase_restricted
    await set_restriction(
        p + "bob",
        True,
        "chargeback threat",
        world.services.clock.now(),
        actor="support-1",
        services=world.services,
    )
    del ann


@pytest.fixture
async def own_world(db: str) -> AsyncIterator[StripeWorld]:
    """A Stripe account of its own: a restore walks every customer of the account, and the session's
    sandbox holds every other test's customers."""
    with SandboxServer() as sandbox:
        world = StripeWorld.start(sandbox)
        await world.services.clock.refresh()
        await sync_catalog(world.services)
        yield world


async def empty_database() -> None:
    """No backup at all: every row gone but the catalog's prices (`catalog sync` makes those)."""
    kept = {"catalog_prices", "persisted_queries"}
    tables = ", ".join(t for t in TABLES if t not in kept)
    await connections.get("default").execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.mark.skipif(
    DIALECT != "postgres", reason="the restore story is PostgreSQL's (the production database)"
)
@pytest.mark.timeout(600)
async def test_an_empty_database_is_rebuilt_from_stripe(own_world: StripeWorld) -> None:
    world = own_world
    started = world.services.clock.now() - timedelta(minutes=5)
    await a_day_of_billing(world, "rs-empty-")
    recorded = await facts(world, "rs-empty-")
    assert recorded["friend"]["premium"][0] is True  # gift time, no subscription
    assert recorded["cat"]["restricted"][0] and recorded["bob"]["restricted"][0]

    await empty_database()
    report = await reconcile(world.services, started)
    assert report.failed == 0, report.lines()
    assert await facts(world, "rs-empty-") == recorded
    assert any("gift codes +2" in line and "redemptions +1" in line for line in report.lines()), (
        report.lines()
    )

    again = await reconcile(world.services, started)
    assert again.restored == [], again.lines()
    assert await facts(world, "rs-empty-") == recorded


def _pg(database_url: str) -> list[str]:
    """pg_dump/pg_restore connection arguments for the test database."""
    rest = database_url.split("://", 1)[1]
    user_host, name = rest.rsplit("/", 1)
    user, host = user_host.split("@", 1)
    hostname, _, port = host.partition(":")
    return ["-h", hostname, "-p", port or "5432", "-U", user.split(":")[0], "-d", name]


async def _run(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 0, (args[0], err.decode()[-2000:])


@pytest.mark.skipif(DIALECT != "postgres", reason="pg_dump and pg_restore: PostgreSQL's own backup")
@pytest.mark.timeout(600)
async def test_a_restored_backup_is_brought_forward_from_stripe(
    own_world: StripeWorld, database_url: str, tmp_path: Path
) -> None:
    """The backup holds both gifts unredeemed; the redemption, the refunds, the restriction came after."""
    world = own_world
    dump = tmp_path / "backup.dump"
    taken: list[datetime] = []

    async def backup() -> None:
        taken.append(world.services.clock.now())
        await _run("pg_dump", "-Fc", "-f", str(dump), *_pg(database_url))

    await a_day_of_billing(world, "rs-dump-", backup)
    recorded = await facts(world, "rs-dump-")
    assert recorded["giver"]["codes"][0][1] != recorded["giver"]["codes"][1][1]  # one redeemed

    await _run("pg_restore", "--clean", "--if-exists", "--single-transaction", *_pg(database_url), str(dump))
    assert await GiftCode.filter(status="REDEEMED").count() == 0  # the backup's state
    report = await reconcile(world.services, taken[0] - timedelta(minutes=1))
    assert report.failed == 0, report.lines()
    assert await facts(world, "rs-dump-") == recorded
    assert any("redemptions +1" in line and "restrictions +2" in line for line in report.lines()), (
        report.lines()
    )

    again = await reconcile(world.services, taken[0] - timedelta(minutes=1))
    assert again.restored == [], again.lines()
    assert await facts(world, "rs-dump-") == recorded
