"""The background runner of recorded events: answers first, handlers behind them, nothing starves."""

from __future__ import annotations

import asyncio

from inbox_testkit import HANDLED, T0, event_payload, settled

from billing.services import Services
from billing.stripe import pacing as stripe_pacing
from models.enums import InboxStatus
from webhooks import inbox
from webhooks.dispatch import Dispatcher
from webhooks.registry import Handler, StripeEvent


async def test_handlers_yield_to_answers_and_use_every_slot_once_none_is_being_answered(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    running: set[str] = set()
    most = 0
    changed = asyncio.Condition()
    release = asyncio.Event()

    async def held(event: StripeEvent, services: Services) -> None:
        nonlocal most
        async with changed:
            running.add(event.id)
            most = max(most, len(running))
            changed.notify_all()
        await release.wait()
        running.discard(event.id)

    async def until(count: int) -> None:
        async with changed:
            await asyncio.wait_for(changed.wait_for(lambda: len(running) >= count), timeout=5)

    handlers[HANDLED] = held
    dispatcher = Dispatcher(concurrency=3, busy_concurrency=1)
    rows = [(await inbox.record(event_payload(), now=T0))[0] for _ in range(5)]
    with dispatcher.answering():  # a delivery is being answered
        for row in rows:
            assert dispatcher.submit(row, services)
        await until(1)
        for _ in range(20):  # give the others every chance to start
            await asyncio.sleep(0)
        assert (len(running), most) == (1, 1)
    await until(3)  # answered: every slot is used
    release.set()
    await dispatcher.drain()
    assert most == 3
    for row in rows:
        assert (await settled(row.stripe_event_id)).status is InboxStatus.PROCESSED


async def test_the_serving_dispatcher_scales_with_the_database_pool(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    """Handlers mostly wait on Stripe: as many run as the pool serves (half while answering)."""
    running: set[str] = set()
    changed = asyncio.Condition()
    release = asyncio.Event()

    async def held(event: StripeEvent, services: Services) -> None:
        async with changed:
            running.add(event.id)
            changed.notify_all()
        await release.wait()
        running.discard(event.id)

    async def until(count: int) -> None:
        async with changed:
            await asyncio.wait_for(changed.wait_for(lambda: len(running) >= count), timeout=5)

    handlers[HANDLED] = held
    dispatcher = Dispatcher.for_pool(6)
    rows = [(await inbox.record(event_payload(), now=T0))[0] for _ in range(8)]
    with dispatcher.answering():
        for row in rows:
            assert dispatcher.submit(row, services)
        await until(3)
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(running) == 3
    await until(6)
    assert len(running) == 6
    release.set()
    await dispatcher.drain()


async def test_waiting_checkout_session_events_go_before_the_rest_in_arrival_order(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    """In a burst the session's handler (which brings the purchase's subscription and invoice
    along) runs before the purchase's other events, which then ask Stripe nothing."""
    order: list[str] = []
    release = asyncio.Event()

    async def record(event: StripeEvent, services: Services) -> None:
        order.append(event.type)
        await release.wait()

    kinds = ["customer.subscription.created", "invoice.paid", "checkout.session.completed"] * 2
    for kind in set(kinds):
        handlers[kind] = record
    dispatcher = Dispatcher(concurrency=1, busy_concurrency=1)
    rows = [(await inbox.record(event_payload(kind), now=T0))[0] for kind in kinds]
    for row in rows:
        assert dispatcher.submit(row, services)
    for _ in range(50):  # the first takes the one slot; the others queue
        await asyncio.sleep(0)
    release.set()
    await dispatcher.drain()
    assert order == [
        "customer.subscription.created",  # took the free slot before anything waited
        "checkout.session.completed",
        "checkout.session.completed",
        "invoice.paid",
        "customer.subscription.created",
        "invoice.paid",
    ]


async def test_handlers_call_stripe_as_background_work(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    """What a handler asks of Stripe yields the pace to a user's call (billing.stripe.pacing)."""
    seen: list[bool] = []

    async def record(event: StripeEvent, services: Services) -> None:
        seen.append(stripe_pacing._background.get())

    handlers[HANDLED] = record
    row, _ = await inbox.record(event_payload(), now=T0)
    await inbox.process(row, services)
    assert seen == [True]
    assert stripe_pacing._background.get() is False  # and only inside the handler
