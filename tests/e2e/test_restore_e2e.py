"""Issue 20's acceptance over HTTP and the CLI: a database restored from a `pg_dump`, then from
nothing at all, is brought back by `billing-gateway reconcile --since` to what every user saw.

The gateway runs as a `serve` process; users and support act over GraphQL; Stripe's side is the
sandbox. What each user sees (premium, payments, gift codes with their strings and states, the
restriction and refund count support sees) is recorded, the database is restored, and the CLI
must bring every fact back with nothing doubled; a second run restores nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from gateway_process import GatewayProcess
from test_buying_e2e import REDEEM, buy
from test_manage_e2e import UPDATE_CARD, cancel
from test_reconcile_e2e import cli
from test_refunds_e2e import RESTRICT, admin_view, refund
from tortoise import connections

from billing.catalog.sync import sync_catalog
from stripe_sandbox.testing import SandboxServer
from tests.conftest import DIALECT, TABLES
from tests.e2e.conftest import E2E
from tests.stripe_world import StripeWorld

pytestmark = pytest.mark.skipif(DIALECT != "postgres", reason="pg_dump/pg_restore: PostgreSQL's backups")

DAY = 86_400
USERS = ("rs-ann", "rs-bob", "rs-giver", "rs-friend", "rs-cat")
MINE = """
{ premium { active source until }
  subscription { status cancelAtPeriodEnd currentPeriodEnd }
  payments(first: 50) { edges { node { status amount currency isGift productType completedAt
                                       giftCode { code status } } } }
  giftCodes { edges { node { code status redeemed expiresAt } } } }"""


async def facts(e2e) -> dict[str, Any]:
    """What each user, and support, sees of each user (no database ids: they do not survive)."""
    seen: dict[str, Any] = {}
    for user in USERS:
        mine = (await e2e.gateway.graphql(MINE, user=user))["data"]
        support = await admin_view(e2e, user)
        seen[user] = {
            **mine,
            "payments": sorted(str(e["node"]) for e in mine["payments"]["edges"]),
            "restricted": (support["purchaseRestricted"], support["restrictionReason"]),
            "refundCount": support["refundCount"],
        }
    return seen


async def a_day_of_billing(e2e) -> None:
    """Two subscriptions, a gift redeemed by a friend without one, a gift kept, a renewal, a refund,
    a cancellation, a second refund that restricts, a card change: all over HTTP."""
    await buy(e2e, "rs-ann")
    bob = await buy(e2e, "rs-bob", product="PREMIUM_YEARLY", currency="EUR")
    gift = await buy(e2e, "rs-giver", product="PREMIUM_YEARLY", gift=True)
    await buy(e2e, "rs-giver", gift=True)  # kept
    codes = {
        e["node"]["id"]: e["node"]["giftCode"]
        for e in (await admin_view(e2e, "rs-giver"))["payments"]["edges"]
    }
    redeemed = await e2e.gateway.graphql(
        REDEEM, {"code": codes[gift["payment"]["id"]]["code"]}, user="rs-friend"
    )
    assert redeemed["data"]["redeemGift"]["userErrors"] == []
    assert (await refund(e2e, bob["payment"]["id"]))["userErrors"] == []  # a refund
    await e2e.flush()
    await e2e.world.advance(32 * DAY)  # ann renews
    await e2e.flush()
    assert (await cancel(e2e, "rs-ann"))["userErrors"] == []  # a cancellation
    for _ in range(2):  # the second refund restricts the account
        cat = await buy(e2e, "rs-cat")
        assert (await refund(e2e, cat["payment"]["id"]))["userErrors"] == []
        await e2e.flush()
    changed = await e2e.gateway.graphql(UPDATE_CARD, {"url": "http://localhost:3000/billing"}, user="rs-ann")
    session_id = changed["data"]["updatePaymentMethod"]["url"].rsplit("/", 1)[-1]
    await e2e.world.control(f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"})
    await e2e.flush()
    restricted = await e2e.gateway.graphql(
        RESTRICT, {"input": {"userId": "rs-bob", "restricted": True, "reason": "card testing"}},
        user="support", admin=True,
    )  # fmt: skip
    assert restricted["data"]["setPurchaseRestriction"]["userErrors"] == []


@pytest.fixture
async def own_e2e(db: str, migrated_db: str) -> AsyncIterator[E2E]:
    """A Stripe account (sandbox) and gateway process of their own: a restore walks every customer of
    the account, and the session's sandbox holds every other test's customers."""
    with SandboxServer() as sandbox:
        gateway = GatewayProcess(
            database_url=migrated_db,
            stripe_base=sandbox.base_url,
            stripe_key=sandbox.api_key,
            webhook_secret="",
        )
        world = StripeWorld.start(sandbox)
        endpoint = await world.services.stripe.v1.webhook_endpoints.create_async(
            params={"url": gateway.webhook_url, "enabled_events": ["*"]}
        )
        gateway.env["STRIPE_WEBHOOK_SECRET"] = endpoint.secret
        await world.services.clock.refresh()
        await sync_catalog(world.services)
        gateway.start()
        try:
            yield E2E(gateway, world, endpoint.id)
        finally:
            gateway.stop()


def _pg(url: str) -> list[str]:
    user_host, name = url.split("://", 1)[1].rsplit("/", 1)
    user, host = user_host.split("@", 1)
    hostname, _, port = host.partition(":")
    return ["-h", hostname, "-p", port or "5432", "-U", user.split(":")[0], "-d", name]


async def _run(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(*args, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode == 0, (args[0], err.decode()[-2000:])


async def _reconcile(e2e, since: str) -> str:
    code, out, err = await cli(e2e.gateway.env, "reconcile", "--since", since)
    assert code == 0, out + err
    return out


@pytest.mark.timeout(900)
async def test_restored_from_a_dump_and_then_from_nothing(own_e2e: E2E, database_url: str, tmp_path) -> None:
    e2e = own_e2e
    dump = tmp_path / "before.dump"
    dumped_at = e2e.world.services.clock.now() - timedelta(seconds=5)
    await _run("pg_dump", "-Fc", "-f", str(dump), *_pg(database_url))
    await a_day_of_billing(e2e)
    recorded = await facts(e2e)
    assert recorded["rs-friend"]["premium"]["active"] and recorded["rs-friend"]["subscription"] is None
    assert recorded["rs-cat"]["restricted"][0] and recorded["rs-bob"]["restricted"] == (True, "card testing")
    assert len(recorded["rs-giver"]["giftCodes"]["edges"]) == 2

    # 1. The dump restored into the same database: the day is gone, Stripe still has it.
    await _run("pg_restore", "--clean", "--if-exists", "--single-transaction", *_pg(database_url), str(dump))
    out = await _reconcile(e2e, dumped_at.isoformat())
    assert "restored: " in out and "redemptions +1" in out and "gift codes +2" in out, out
    assert await facts(e2e) == recorded
    again = await _reconcile(e2e, dumped_at.isoformat())
    assert "restored: nothing" in again, again
    assert await facts(e2e) == recorded

    # 2. No backup at all: every table empty but the catalog's prices (`catalog sync` makes them).
    kept = {"catalog_prices", "persisted_queries"}
    await connections.get("default").execute_script(
        f"TRUNCATE {', '.join(t for t in TABLES if t not in kept)} RESTART IDENTITY CASCADE"
    )
    out = await _reconcile(e2e, (dumped_at - timedelta(days=1)).isoformat())
    assert "restrictions +2" in out, out
    assert await facts(e2e) == recorded
    assert "restored: nothing" in await _reconcile(e2e, (dumped_at - timedelta(days=1)).isoformat())
