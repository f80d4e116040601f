"""The subscription streams and the hub, in-process: what a subscriber sees, and what it never sees.

Runs the real schema (`schema.subscribe`) over the real hub (LISTEN on
PostgreSQL, in-process on SQLite) against the test database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from billing.clock import FixedClock
from billing.deps import BillingConfig, Viewer
from billing.notifications import changes as notifications
from billing.notifications.access import record_access
from billing.notifications.changes import Change, ChangeKind
from billing.payments import status as payment_status
from billing.payments.status import Happening
from gateway.pubsub import LiveHub
from models import Customer
from models.enums import PaymentStatus, ProductType
from schema.root import build_schema
from schema.types.context import GatewayContext
from tests import factories
from tests.live.conftest import next_change, no_change

NOW = factories.NOW
PAYMENTS = "subscription { paymentUpdated { id userId status } }"
PREMIUM = "subscription { premiumChanged { active source until } }"


def context(user_id: str | None, live: LiveHub | None) -> GatewayContext:
    return GatewayContext(
        request=None,  # type: ignore[arg-type]
        response=None,
        viewer=Viewer(user_id) if user_id else None,
        clock=FixedClock(NOW),
        config=BillingConfig(),
        live=live,
    )


async def stream(query: str, ctx: GatewayContext) -> AsyncIterator[Any]:
    result = await build_schema().subscribe(query, context_value=ctx)
    assert hasattr(result, "__aiter__"), result  # not a pre-execution error
    return result  # type: ignore[return-value]


async def next_result(results: AsyncIterator[Any], timeout: float = 2.0) -> Any:
    return await asyncio.wait_for(anext(results), timeout)


async def test_payment_updates_reach_their_owner_and_a_forged_notice_shows_nothing(
    db: str, hub: LiveHub
) -> None:
    ann_payment = await factories.payment("st-ann", status=PaymentStatus.PENDING)
    bob_payment = await factories.payment("st-bob", status=PaymentStatus.PENDING)
    results = await stream(PAYMENTS, context("st-ann", hub))
    pending = asyncio.ensure_future(next_result(results, timeout=5))
    await _until_subscribed(hub, 1)

    # A notice naming ann with bob's payment (forged, or a bug): nothing of bob's is read out.
    hub.dispatch(Change("st-ann", ChangeKind.PAYMENT, bob_payment.pk))
    await payment_status.apply(bob_payment, Happening.CHECKOUT_PAID, NOW)
    # No waiting for nothing to happen: ann's own change below is the barrier. Notices reach a
    # stream in order, so had bob's payment been read out, it would be the first answer.
    await payment_status.apply(ann_payment, Happening.CHECKOUT_PAID, NOW)
    answer = await pending
    assert answer.errors is None
    assert answer.data["paymentUpdated"]["userId"] == "st-ann"
    assert answer.data["paymentUpdated"]["status"] == "COMPLETED"
    await results.aclose()


async def test_premium_stream_starts_with_the_current_state_then_follows_changes(
    db: str, hub: LiveHub
) -> None:
    await factories.customer("st-cy")
    results = await stream(PREMIUM, context("st-cy", hub))
    first = await next_result(results)
    assert first.data["premiumChanged"] == {"active": False, "source": "NONE", "until": None}

    until = NOW + timedelta(days=20)
    await Customer.filter(user_id="st-cy").update(gift_until=until)
    await record_access("st-cy", NOW)
    second = await next_result(results)
    assert second.data["premiumChanged"]["active"] is True
    assert second.data["premiumChanged"]["source"] == "GIFT"

    # A RESYNC with nothing changed sends nothing new.
    hub.dispatch(Change("st-cy", ChangeKind.RESYNC))
    with pytest.raises(TimeoutError):
        await next_result(results, timeout=0.3)
    await results.aclose()


async def test_subscription_stream_follows_a_scheduled_change_and_shows_no_one_else(
    db: str, hub: LiveHub
) -> None:
    query = "subscription { subscriptionChanged { stripeSubscriptionId scheduledChange { productType } } }"
    results = await stream(query, context("st-dee", hub))
    assert (await next_result(results)).data["subscriptionChanged"] is None
    others = await factories.subscription("st-eve")
    ours = await factories.subscription("st-dee")
    async with notifications.transaction():  # someone else's change first: nothing of it shows
        await notifications.subscription_changed(others, NOW)
    await ours.save_versioned(
        scheduled_product_type=ProductType.PREMIUM_YEARLY, scheduled_at=NOW + timedelta(days=20)
    )
    async with notifications.transaction():
        await notifications.subscription_changed(ours, NOW)
    answer = await next_result(results)
    assert answer.errors is None
    assert answer.data["subscriptionChanged"] == {
        "stripeSubscriptionId": ours.stripe_subscription_id,
        "scheduledChange": {"productType": "PREMIUM_YEARLY"},
    }
    await results.aclose()


async def test_subscriptions_need_a_signed_in_viewer(db: str, hub: LiveHub) -> None:
    results = await stream(PREMIUM, context(None, hub))
    answer = await next_result(results)
    assert answer.data is None
    assert answer.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_a_failure_inside_a_stream_is_masked(db: str) -> None:
    results = await stream(PAYMENTS, context("st-dee", None))  # no hub: an internal failure
    answer = await next_result(results)
    assert [e.message for e in answer.errors] == ["Unexpected error."]


async def test_a_subscriber_that_falls_behind_gets_one_resync(db: str) -> None:
    small = LiveHub(db, queue_size=3)
    async with small.running(), small.subscribe("st-eve") as changes:
        for pk in range(10):
            small.dispatch(Change("st-eve", ChangeKind.PAYMENT, pk))
        assert await next_change(changes) == Change("st-eve", ChangeKind.RESYNC)
        await no_change(changes, wait=0.1)


@pytest.mark.postgres_only
async def test_the_listener_reconnects_and_subscribers_resync(db: str, hub: LiveHub) -> None:
    """The LISTEN connection is killed (failover, idle reaper): it comes back and nothing goes quiet."""
    async with hub.subscribe("st-fay") as changes:
        pid = hub.listener_pid
        assert pid is not None
        admin = await asyncpg.connect(db.split("?")[0])
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        assert await next_change(changes, timeout=10) == Change("st-fay", ChangeKind.RESYNC)
        assert hub.listening.is_set() and hub.listener_pid not in (None, pid)

        async with notifications.transaction():
            await notifications.announce(Change("st-fay", ChangeKind.PREMIUM))
        assert await next_change(changes) == Change("st-fay", ChangeKind.PREMIUM)


async def _until_subscribed(hub: LiveHub, count: int) -> None:
    async with asyncio.timeout(5):
        while hub.subscriber_count < count:  # noqa: ASYNC110  (no event to wait on)
            await asyncio.sleep(0.01)
