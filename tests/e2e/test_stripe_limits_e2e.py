"""Stripe's rate limits over HTTP: the gateway (`serve`) and `reconcile` (the command) against a
sandbox that answers 429 like Stripe past its limit. Purchases still complete once each; reconcile
over 200 customers paces itself and fails nothing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from models import Customer, Payment, WebhookEvent
from models.enums import InboxStatus, PaymentStatus
from tests.e2e.test_buying_e2e import CHECKOUT, VIEW, checkout_input
from tests.e2e.test_reconcile_e2e import cli
from tests.inbox_settle import inbox_settled
from tests.sandbox_limits import sandbox_limits

BUYERS = 8
CUSTOMERS = 200
REPAIRED = 10  # of the 200, the ones whose purchase the webhooks never told the gateway about


async def until(check: Any, what: str, timeout: float = 60.0) -> Any:
    """Poll `check()` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        await asyncio.sleep(0.2)
    return result


async def stripe_objects(e2e, customer_id: str) -> dict[str, list[Any]]:
    v1 = e2e.world.services.stripe.v1
    sessions = await v1.checkout.sessions.list_async(params={"customer": customer_id, "limit": 100})
    subscriptions = await v1.subscriptions.list_async(
        params={"customer": customer_id, "status": "all", "limit": 100}
    )
    invoices = await v1.invoices.list_async(params={"customer": customer_id, "limit": 100})
    return {"sessions": sessions.data, "subscriptions": subscriptions.data, "invoices": invoices.data}


@pytest.mark.timeout(300)
async def test_eight_purchases_complete_once_each_with_stripe_at_4_requests_per_second(e2e) -> None:
    users = [f"rl-buyer-{n}" for n in range(BUYERS)]
    # What earlier tests left running (their webhooks, handled behind the acknowledgement) would
    # spend the same 4 requests a second: the limit is switched on once the gateway is idle.
    await e2e.world.control("/_sandbox/webhooks/flush", {})
    await inbox_settled(timeout=60)
    started = time.monotonic()
    async with sandbox_limits(e2e.world.sandbox, requests_per_second=4) as limits:
        before = await limits.state()
        for user in users:  # one after another, each while the last one's webhooks may still run
            answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(), user=user)
            payload = answer["data"]["createCheckout"]
            assert payload["userErrors"] == [] and payload["payment"]["status"] == "PENDING", answer
            await e2e.world.control(
                f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"outcome": "paid"}
            )
            await e2e.world.control("/_sandbox/webhooks/flush", {})
        for user in users:

            async def premium(user: str = user) -> bool:
                view = (await e2e.gateway.graphql(VIEW, user=user))["data"]
                return view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE"

            await until(premium, f"{user}'s premium")
        await inbox_settled(timeout=60)
        after = await limits.state()
    took = time.monotonic() - started
    met = after["answered"]["rate_limit"] - before["answered"]["rate_limit"]
    print(
        f"\n8 purchases at 4 requests/s: {took:.1f} s, {after['requests'] - before['requests']} "
        f"requests admitted, {met} answered 429"
    )
    assert met > 0, "the sandbox never answered 429: this test proved nothing"

    # Nothing lost, nothing doubled: in the gateway ...
    for user in users:
        payments = await Payment.filter(user_id=user).values_list("status", flat=True)
        assert payments == [PaymentStatus.COMPLETED], (user, payments)
    assert await WebhookEvent.filter(status=InboxStatus.FAILED).count() == 0
    assert await WebhookEvent.filter(status=InboxStatus.RECEIVED).count() == 0
    # ... and on Stripe's side: one customer, one session, one subscription, one invoice each.
    customers = await Customer.filter(user_id__in=users).values_list("user_id", "stripe_customer_id")
    assert sorted(user for user, _ in customers) == sorted(users)
    listed = await e2e.world.services.stripe.v1.customers.list_async(params={"limit": 100})
    stripe_owners = [c.metadata.to_dict().get("user_id") async for c in listed.auto_paging_iter()]
    for user, customer_id in customers:
        assert stripe_owners.count(user) == 1, f"{user} has {stripe_owners.count(user)} Stripe customers"
        objects = await stripe_objects(e2e, customer_id)
        assert [s.status for s in objects["sessions"]] == ["complete"], user
        assert [s.status for s in objects["subscriptions"]] == ["active"], user
        assert [i.status for i in objects["invoices"]] == ["paid"], user


@pytest.mark.timeout(300)
async def test_reconcile_over_200_customers_at_5_requests_per_second_fails_nothing(e2e) -> None:
    world, v1 = e2e.world, e2e.world.services.stripe.v1
    await v1.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    since = world.services.clock.now()

    # Ten users bought while the webhooks were lost: their payments wait for reconcile.
    buyers = [f"rl-lost-{n}" for n in range(REPAIRED)]
    for user in buyers:
        answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(currency="EUR"), user=user)
        session_id = answer["data"]["createCheckout"]["sessionId"]
        await world.control(f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"})
    # The other 190 are customers with nothing to repair, seeded straight into Stripe and the database.
    others = [f"rl-quiet-{n}" for n in range(CUSTOMERS - REPAIRED)]

    async def stripe_customer(user: str) -> str:
        created = await v1.customers.create_async(
            params={"metadata": {"user_id": user}}, options={"idempotency_key": f"bg-customer-{user}"}
        )
        return created.id

    ids: list[str] = []
    for chunk in range(0, len(others), 25):
        ids += await asyncio.gather(*(stripe_customer(user) for user in others[chunk : chunk + 25]))
    now = world.services.clock.now()
    await Customer.bulk_create(
        [
            Customer(user_id=user, stripe_customer_id=cid, created_at=now, updated_at=now)
            for user, cid in zip(others, ids, strict=True)
        ]
    )
    await e2e.flush()
    assert await WebhookEvent.all().count() == 0, "the disabled endpoint received something"
    assert await Customer.filter(stripe_customer_id__isnull=False).count() == CUSTOMERS
    assert await Payment.filter(user_id__in=buyers, status=PaymentStatus.PENDING).count() == REPAIRED

    env = {**e2e.gateway.env, "STRIPE_MAX_REQUESTS_PER_SECOND": "5"}
    async with sandbox_limits(world.sandbox, requests_per_second=5) as limits:
        before = await limits.state()
        started = time.monotonic()
        code, out, err = await cli(env, "reconcile", "--since", since.isoformat())
        took = time.monotonic() - started
        after = await limits.state()
    requests = after["requests"] - before["requests"]
    met = after["answered"]["rate_limit"] - before["answered"]["rate_limit"]
    print(
        f"\nreconcile of {CUSTOMERS} customers at 5 requests/s: {took:.1f} s, {requests} requests, {met} 429s"
    )
    assert code == 0, out + err
    assert "reconcile finished: no failures" in out and f"customers: {CUSTOMERS} checked, 0 failed" in out
    assert met <= max(3, requests // 20), f"{met} 429s in {requests} requests: it did not pace itself"
    for user in buyers:
        view = (await e2e.gateway.graphql(VIEW, user=user))["data"]
        assert view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE", (user, view)
        assert [e["node"]["status"] for e in view["payments"]["edges"]] == ["COMPLETED"], (user, view)
    assert await WebhookEvent.filter(status=InboxStatus.FAILED).count() == 0
