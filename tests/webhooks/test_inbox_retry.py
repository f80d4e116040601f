"""The gateway's own retry of failed and abandoned inbox events."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from inbox_testkit import HANDLED, T0, Calls, event_payload

from billing.clock import FixedClock
from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox, retry
from webhooks.registry import Handler, StripeEvent


async def _row(status: InboxStatus, **fields: object) -> WebhookEvent:
    row, _ = await inbox.record(event_payload(), now=T0)
    await WebhookEvent.filter(pk=row.pk).update(status=status, **fields)
    return await WebhookEvent.get(pk=row.pk)


async def test_retry_due_runs_only_due_events_in_due_order(
    db: str, services: Services, clock: FixedClock, handlers: dict[str, Handler]
) -> None:
    order: list[str] = []

    async def record_order(event: StripeEvent, services: Services) -> None:
        order.append(event.id)

    handlers[HANDLED] = record_order
    now = T0 + timedelta(hours=1)
    clock.set(now)
    due_later = await _row(InboxStatus.FAILED, attempts=2, next_attempt_at=now - timedelta(seconds=5))
    due_first = await _row(InboxStatus.FAILED, attempts=1, next_attempt_at=now - timedelta(minutes=5))
    abandoned = await _row(InboxStatus.RECEIVED)  # recorded at T0, never processed: past its grace
    not_yet = await _row(InboxStatus.FAILED, attempts=1, next_attempt_at=now + timedelta(seconds=5))
    fresh = await _row(InboxStatus.RECEIVED, next_attempt_at=now + timedelta(seconds=30))
    held = await _row(
        InboxStatus.FAILED,
        next_attempt_at=now - timedelta(minutes=1),
        claimed_until=now + timedelta(seconds=9),
    )
    gave_up = await _row(
        InboxStatus.FAILED, attempts=retry.MAX_AUTOMATIC_ATTEMPTS, next_attempt_at=now - timedelta(hours=1)
    )
    done = await _row(InboxStatus.PROCESSED, next_attempt_at=None)
    ignored = await _row(InboxStatus.IGNORED, next_attempt_at=None)

    assert await retry.retry_due(services, limit=10) == 3
    assert order == [abandoned.stripe_event_id, due_first.stripe_event_id, due_later.stripe_event_id]
    statuses = {row.pk: row.status for row in await WebhookEvent.all()}
    for row in (due_first, due_later, abandoned, done):
        assert statuses[row.pk] is InboxStatus.PROCESSED
    for row in (not_yet, held, gave_up):
        assert statuses[row.pk] is InboxStatus.FAILED
    assert statuses[fresh.pk] is InboxStatus.RECEIVED and statuses[ignored.pk] is InboxStatus.IGNORED
    assert await retry.retry_due(services, limit=10) == 0


async def test_retry_due_respects_the_limit(
    db: str, services: Services, clock: FixedClock, calls: Calls
) -> None:
    clock.set(T0 + timedelta(hours=1))
    for _ in range(5):
        await _row(InboxStatus.FAILED, next_attempt_at=T0)
    assert await retry.retry_due(services, limit=2) == 2
    assert await WebhookEvent.filter(status=InboxStatus.FAILED).count() == 3


async def test_a_failing_retry_backs_off_again(
    db: str, services: Services, clock: FixedClock, handlers: dict[str, Handler]
) -> None:
    async def broken(event: StripeEvent, services: Services) -> None:
        raise ConnectionError("stripe unreachable")

    handlers[HANDLED] = broken
    clock.set(T0 + timedelta(hours=1))
    row = await _row(InboxStatus.FAILED, attempts=3, next_attempt_at=T0)
    assert await retry.retry_due(services) == 1
    row = await WebhookEvent.get(pk=row.pk)
    assert row.status is InboxStatus.FAILED and row.attempts == 4
    assert row.last_error == "ConnectionError: stripe unreachable"
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - clock.now() >= timedelta(seconds=270 * 0.8)
    assert await retry.retry_due(services) == 0  # not due again yet


async def test_the_loop_retries_until_stopped_and_survives_errors(
    db: str, clock: FixedClock, calls: Calls
) -> None:
    class FlakyClock(FixedClock):
        refreshes = 0

        async def refresh(self) -> None:
            FlakyClock.refreshes += 1
            if FlakyClock.refreshes == 1:
                raise ConnectionError("clock source down")

    import stripe

    services = Services(clock=FlakyClock(T0 + timedelta(hours=1)), stripe=stripe.StripeClient("sk_test_x"))
    row = await _row(InboxStatus.FAILED, next_attempt_at=T0)
    stop = asyncio.Event()
    loop = asyncio.create_task(retry.run_retry_loop(services, interval=0.01, stop_event=stop))
    for _ in range(300):
        if (await WebhookEvent.get(pk=row.pk)).status is InboxStatus.PROCESSED:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, timeout=2)
    assert (await WebhookEvent.get(pk=row.pk)).status is InboxStatus.PROCESSED
    assert FlakyClock.refreshes >= 2 and len(calls) == 1


async def test_an_unscheduled_row_is_due_now(db: str, services: Services, calls: Calls) -> None:
    row = await _row(InboxStatus.RECEIVED, next_attempt_at=None)
    assert await retry.retry_due(services) == 1
    assert (await WebhookEvent.get(pk=row.pk)).status is InboxStatus.PROCESSED
