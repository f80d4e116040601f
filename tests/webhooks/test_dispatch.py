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


class Held:
    """A handler that holds every event until `release` is set, counting how many it holds."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.most = 0
        self.changed = asyncio.Condition()
        self.release = asyncio.Event()

    async def handler(self, event: StripeEvent, services: Services) -> None:
        async with self.changed:
            self.running.add(event.id)
            self.most = max(self.most, len(self.running))
            self.changed.notify_all()
        await self.release.wait()
        self.running.discard(event.id)

    async def until(self, count: int) -> None:
        """Wait until `count` events are held at once (5 s at most)."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.running) >= count), timeout=5)


async def test_handlers_yield_to_answers_and_use_every_slot_once_none_is_being_answered(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    held = Held()
    handlers[HANDLED] = held.handler
    dispatcher = Dispatcher(concurrency=3, busy_concurrency=1)
    rows = [(await inbox.record(event_payload(), now=T0))[0] for _ in range(5)]
    with dispatcher.answering():  # a delivery is being answered
        for row in rows:
            assert dispatcher.submit(row, services)
        await held.until(1)
        for _ in range(20):  # give the others every chance to start
            await asyncio.sleep(0)
        assert (len(held.running), held.most) == (1, 1)
    await held.until(3)  # answered: every slot is used
    held.release.set()
    await dispatcher.drain()
    assert held.most == 3
    for row in rows:
        assert (await settled(row.stripe_event_id)).status is InboxStatus.PROCESSED


async def test_the_serving_dispatcher_scales_with_the_database_pool(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    """Handlers mostly wait on Stripe: as many run as the pool serves (half while answering)."""
    held = Held()
    handlers[HANDLED] = held.handler
    dispatcher = Dispatcher.for_pool(6)
    rows = [(await inbox.record(event_payload(), now=T0))[0] for _ in range(8)]
    with dispatcher.answering():
        for row in rows:
            assert dispatcher.submit(row, services)
        await held.until(3)
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(held.running) == 3
    await held.until(6)
    assert len(held.running) == 6
    held.release.set()
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
