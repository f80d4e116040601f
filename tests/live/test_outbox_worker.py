"""Outbound premium notifications over real HTTP to a Starlette receiver on loopback.

The messages are written by billing's real path (a purchase through the
sandbox and the webhook handlers); the worker is the app's own, with only its
backoff shortened so four attempts take a fraction of a second.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import httpx
import pytest

from billing.clock import SystemClock
from billing.notifications import changes as notifications
from billing.premium.rule import PremiumSource, PremiumState
from gateway.outbox_worker import (
    DeliveryPolicy,
    OutboxSender,
    message_id,
    outbox_delivery,
    prune,
    run_outbox_worker,
    sign,
    verify,
)
from models import OutboxMessage
from models.enums import ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.live.conftest import OUTBOUND_SECRET, Receiver
from tests.stripe_world import StripeWorld

# Backoff shortened (0.1 s, doubling, no jitter) so the retries take a fraction of a second.
FAST = DeliveryPolicy(
    backoff_base=timedelta(milliseconds=100), backoff_factor=2, backoff_jitter=0, poll_interval=0.02
)


async def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def recorded_delivered(*pks: int, timeout: float = 10.0) -> None:
    """Until the outbox rows say delivered: a delivered row is never selected again, so no send
    can follow (what a fixed sleep after the acknowledgement used to hope for)."""
    deadline = time.monotonic() + timeout
    while await OutboxMessage.filter(id__in=pks, delivered_at__isnull=True).exists():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def run_worker(sender: OutboxSender):
    stop = asyncio.Event()
    task = asyncio.create_task(run_outbox_worker(sender, stop_event=stop))
    return stop, task


async def test_a_receiver_failing_three_times_gets_the_fourth_attempt_once(
    world: StripeWorld, receiver: Receiver
) -> None:
    receiver.fail_first = 3
    await buy(world, "out-ann", request(ProductType.PREMIUM_YEARLY))
    (row,) = await OutboxMessage.filter(user_id="out-ann")
    msg = message_id(row.pk)

    async with httpx.AsyncClient() as http:
        sender = OutboxSender(
            clock=world.services.clock, url=receiver.url, secret=OUTBOUND_SECRET, http=http, policy=FAST
        )
        stop, task = await run_worker(sender)
        try:
            await wait_until(lambda: receiver.acknowledged(msg))
            await recorded_delivered(row.pk)
        finally:
            stop.set()
            await task

    attempts = receiver.of(msg)
    assert [a.status for a in attempts] == [503, 503, 503, 200]
    assert all(a.signature_ok for a in attempts)
    gaps = [b.at - a.at for a, b in pairwise(attempts)]
    scheduled = [FAST.backoff(n).total_seconds() for n in (1, 2, 3)]  # 0.1 s, 0.2 s, 0.4 s
    assert all(gap >= delay * 0.95 for gap, delay in zip(gaps, scheduled, strict=True)), (gaps, scheduled)
    body = attempts[-1].body
    assert body["id"] == msg and body["type"] == "premium.changed" and body["user_id"] == "out-ann"
    assert body["premium"]["active"] is True and body["premium"]["source"] == "SUBSCRIPTION"
    assert body["premium"]["billing_cycle"] == "YEARLY" and body["occurred_at"]
    row = await OutboxMessage.get(pk=row.pk)
    assert row.delivered_at is not None and row.attempts == 4 and row.last_error is None
    assert row.claimed_until is None


async def test_an_unreachable_receiver_is_retried_and_the_error_kept(db: str) -> None:
    now = datetime.now(UTC)
    async with notifications.transaction():
        await notifications.premium_changed("out-bea", PremiumState.none(), now)
    async with httpx.AsyncClient() as http:
        sender = OutboxSender(
            clock=SystemClock(),
            url="http://127.0.0.1:9/nowhere",
            secret=OUTBOUND_SECRET,
            http=http,
            policy=FAST,
        )
        assert await sender.deliver_due() == 1
    row = await OutboxMessage.get(user_id="out-bea")
    assert row.delivered_at is None and row.attempts == 1 and row.claimed_until is None
    assert "ConnectError" in row.last_error and row.next_attempt_at > now


def test_the_signature_covers_timestamp_and_body() -> None:
    body = b'{"id":"msg_1"}'
    header = sign("k" * 32, 1_700_000_000, body)
    assert verify("k" * 32, header, body, now=1_700_000_010)
    assert not verify("k" * 32, header, body + b" ", now=1_700_000_010)  # tampered body
    assert not verify("x" * 32, header, body, now=1_700_000_010)  # other secret
    assert not verify("k" * 32, header, body, now=1_700_001_000)  # replayed much later
    assert not verify("k" * 32, header.replace("t=1700000000", "t=1700000001"), body, now=1_700_000_010)


def test_a_rotation_signs_with_every_key_and_either_verifies() -> None:
    """OUTBOUND_WEBHOOK_SECRET="new,old": receivers on the old key and on the new one both accept."""
    new, old, body = "n" * 32, "o" * 32, b'{"id":"msg_1"}'
    header = sign(f"{new}, {old}", 1_700_000_000, body)
    assert header.count("v1=") == 2
    assert verify(old, header, body, now=1_700_000_010) and verify(new, header, body, now=1_700_000_010)
    assert not verify("x" * 32, header, body, now=1_700_000_010)
    # One timestamp only: a second `t` (a spliced header) is refused, not guessed at.
    assert not verify(old, header + ",t=1700000005", body, now=1_700_000_010)


async def test_a_receiver_still_on_the_old_key_gets_messages_during_a_rotation(db: str) -> None:
    receiver = Receiver(secret="old-outbound-key-0123456789abcdef").start()
    try:
        now = datetime.now(UTC)
        async with notifications.transaction():
            await notifications.premium_changed("out-rot", PremiumState.none(), now)
        async with httpx.AsyncClient() as http:
            sender = OutboxSender(
                clock=SystemClock(),
                url=receiver.url,
                secret=f"new-outbound-key-0123456789abcdef,{receiver.secret}",
                http=http,
                policy=FAST,
            )
            assert await sender.deliver_due() == 1
        (attempt,) = receiver.attempts
        assert attempt.status == 200 and attempt.signature_ok
    finally:
        receiver.stop()


@pytest.mark.postgres_only
async def test_racing_replicas_send_each_message_exactly_once(db: str) -> None:
    """Four senders (as four replicas would) drain 40 messages; the receiver sees each once."""
    receiver = Receiver(delay=0.01).start()
    try:
        now = datetime.now(UTC)
        state = PremiumState(True, PremiumSource.GIFT, None, None, now, now + timedelta(days=30), False)
        for i in range(40):
            async with notifications.transaction():
                await notifications.premium_changed(f"out-race-{i}", state, now)
        policy = DeliveryPolicy(poll_interval=0.01, batch=40)
        async with httpx.AsyncClient() as http:
            senders = [
                OutboxSender(
                    clock=SystemClock(), url=receiver.url, secret=OUTBOUND_SECRET, http=http, policy=policy
                )
                for _ in range(4)
            ]
            stop = asyncio.Event()
            tasks = [asyncio.create_task(run_outbox_worker(s, stop_event=stop)) for s in senders]
            try:
                await wait_until(lambda: len(receiver.acknowledged()) >= 40)
                await recorded_delivered(*await OutboxMessage.all().values_list("id", flat=True))
            finally:
                stop.set()
                await asyncio.gather(*tasks)
        ids = [a.message_id for a in receiver.acknowledged()]
        assert len(ids) == 40 and len(set(ids)) == 40, "a message was sent twice"
        assert await OutboxMessage.filter(delivered_at__isnull=True).count() == 0
        assert set(await OutboxMessage.all().values_list("attempts", flat=True)) == {1}
    finally:
        receiver.stop()


# --- retention --------------------------------------------------------------------------------


async def _message(
    user_id: str, created: datetime, *, delivered: bool = True, topic: str = "premium.changed"
):
    return await OutboxMessage.create(
        topic=topic,
        user_id=user_id,
        payload={"user_id": user_id},
        created_at=created,
        next_attempt_at=created,
        delivered_at=created if delivered else None,
    )


async def test_pruning_deletes_old_messages_but_keeps_each_users_latest_and_recent_ones(db: str) -> None:
    now = datetime.now(UTC)
    days = timedelta(days=1)
    old_delivered = [await _message("prune-ann", now - n * days) for n in (90, 60, 40)]
    ann_recent = await _message("prune-ann", now - 5 * days)
    bob_only = await _message("prune-bob", now - 400 * days)  # old, but the last word on bob
    cat_superseded = await _message("prune-cat", now - 50 * days, delivered=False)  # never delivered
    cat_latest = await _message("prune-cat", now - 45 * days, delivered=False)
    ann_other_topic = await _message("prune-ann", now - 70 * days, topic="other.topic")

    # Small batches, so the keyset walk over several pages is exercised.
    deleted = await prune(now, timedelta(days=30), batch=2)

    kept = set(await OutboxMessage.all().values_list("id", flat=True))
    assert kept == {ann_recent.pk, bob_only.pk, cat_latest.pk, ann_other_topic.pk}
    assert deleted == len(old_delivered) + 1 and cat_superseded.pk not in kept
    assert await prune(now, timedelta(days=30)) == 0  # nothing more to do
    # What billing compares a new premium state against is still there for every user.
    for user in ("prune-ann", "prune-bob", "prune-cat"):
        last = await OutboxMessage.filter(user_id=user, topic="premium.changed").order_by("-id").first()
        assert last is not None


async def test_the_app_prunes_even_without_an_outbound_url(db: str) -> None:
    """The table is bounded whether or not notifications are delivered (without a URL nobody sends them)."""
    now = datetime.now(UTC)
    old = [await _message("prune-eve", now - timedelta(days=d), delivered=False) for d in (100, 99)]
    async with outbox_delivery(url=None, secret=None, clock=SystemClock(), retention=timedelta(days=30)):
        await wait_until_async(lambda: OutboxMessage.filter(pk=old[0].pk).exists(), expect=False)
    assert await OutboxMessage.filter(user_id="prune-eve").values_list("id", flat=True) == [old[1].pk]


async def wait_until_async(query, *, expect: bool, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while await query() != expect:
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
