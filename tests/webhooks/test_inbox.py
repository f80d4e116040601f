"""Inbox mechanics on a real database: record, claim, leases, takeover, backoff."""

from __future__ import annotations

import random
from datetime import timedelta

import orjson
import pytest
from inbox_testkit import HANDLED, T0, Calls, event_id_of, event_payload

from billing.clock import FixedClock
from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox
from webhooks.registry import Handler, StripeEvent

LEASE = inbox.DEFAULT_LEASE


async def test_record_stores_once_and_returns_the_existing_row_for_a_duplicate(db: str) -> None:
    payload = event_payload(created=1_700_000_123)
    row, created = await inbox.record(payload, now=T0)
    again, created_again = await inbox.record(payload, now=T0 + timedelta(hours=1))
    assert (created, created_again) == (True, False)
    assert again.pk == row.pk and again.received_at == T0
    assert (row.stripe_event_id, row.type, row.stripe_created) == (
        event_id_of(payload),
        HANDLED,
        1_700_000_123,
    )
    assert row.status is InboxStatus.RECEIVED and row.attempts == 0
    assert row.next_attempt_at == T0 + inbox.DEFAULT_GRACE
    assert await WebhookEvent.all().count() == 1


def test_parse_event_rejects_oversized_bodies() -> None:
    with pytest.raises(inbox.InvalidEvent, match="larger than"):
        inbox.parse_event(event_payload(), max_bytes=10)


async def test_claim_has_exactly_one_winner_until_the_lease_runs_out(db: str) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    first = await inbox.claim(row.pk, T0, LEASE)
    assert first == T0 + LEASE
    assert await inbox.claim(row.pk, T0, LEASE) is None
    assert await inbox.claim(row.pk, T0 + LEASE, LEASE) is None  # not before the lease has passed
    later = T0 + LEASE + timedelta(seconds=1)
    assert await inbox.claim(row.pk, later, LEASE) == later + LEASE  # the holder died: take over
    row = await WebhookEvent.get(pk=row.pk)
    assert row.attempts == 2 and row.claimed_until == later + LEASE and row.version == 3


async def test_claim_refuses_finished_events_unless_forced(db: str, services: Services, calls: Calls) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    assert (await inbox.process(row, services)).outcome is inbox.Outcome.PROCESSED
    assert await inbox.claim(row.pk, T0, LEASE) is None
    assert await inbox.claim(row.pk, T0, LEASE, any_status=True) == T0 + LEASE


async def test_a_lease_from_a_clock_that_went_backwards_does_not_block(db: str) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    assert await inbox.claim(row.pk, T0 + timedelta(days=30), LEASE)  # e.g. sandbox clock advanced...
    assert await inbox.claim(row.pk, T0, LEASE) == T0 + LEASE  # ...then reset


async def test_stale_claim_is_taken_over_by_a_redelivery(
    db: str, services: Services, clock: FixedClock, calls: Calls
) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    dead_worker = await inbox.claim(row.pk, T0, LEASE)  # claimed, then the process died mid-handler
    assert dead_worker is not None

    busy = await inbox.process(row, services)
    assert (busy.outcome, busy.status) == (inbox.Outcome.IN_PROGRESS, InboxStatus.RECEIVED)
    assert len(calls) == 0

    clock.set(T0 + LEASE + timedelta(seconds=1))
    taken = await inbox.process(row, services)
    assert taken.outcome is inbox.Outcome.PROCESSED and len(calls) == 1
    row = await WebhookEvent.get(pk=row.pk)
    assert row.status is InboxStatus.PROCESSED and row.attempts == 2 and row.claimed_until is None


async def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_the_result(
    db: str, services: Services, clock: FixedClock, handlers: dict[str, Handler]
) -> None:
    """A slow worker outlives its lease; a second one takes over and succeeds; the first then fails."""
    row, _ = await inbox.record(event_payload(), now=T0)
    nested: list[inbox.ProcessResult] = []
    started: list[str] = []

    async def slow_then_fail(event: StripeEvent, services: Services) -> None:
        started.append(event.id)
        if len(started) == 1:  # the first (slow) worker; the second succeeds at once
            clock.set(T0 + LEASE + timedelta(seconds=1))
            nested.append(await inbox.process(row, services))  # the second worker, meanwhile
            raise RuntimeError("first worker gave up")

    handlers[HANDLED] = slow_then_fail
    first = await inbox.process(row, services)
    assert nested[0].outcome is inbox.Outcome.PROCESSED
    assert first.outcome is inbox.Outcome.LOST_CLAIM
    row = await WebhookEvent.get(pk=row.pk)
    assert (row.status, row.last_error, row.claimed_until) == (InboxStatus.PROCESSED, None, None)


async def test_handler_receives_the_event_and_the_services(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    seen: list[tuple[StripeEvent, Services]] = []

    async def capture(event: StripeEvent, svc: Services) -> None:
        seen.append((event, svc))

    handlers["customer.subscription.updated"] = capture
    payload = event_payload(
        "customer.subscription.updated", obj={"id": "sub_1", "object": "subscription"}, created=1_700_000_000
    )
    row, _ = await inbox.record(payload, now=T0)
    await inbox.process(row, services)
    event, svc = seen[0]
    assert (event.id, event.type, event.created, event.object["id"]) == (
        event_id_of(payload),
        "customer.subscription.updated",
        1_700_000_000,
        "sub_1",
    )
    assert event.previous_attributes is None and svc is services


async def test_failures_back_off_further_each_time(
    db: str, services: Services, clock: FixedClock, handlers: dict[str, Handler]
) -> None:
    async def broken(event: StripeEvent, services: Services) -> None:
        raise ValueError("still broken")

    handlers[HANDLED] = broken
    row, _ = await inbox.record(event_payload(), now=T0)
    delays = []
    for _ in range(4):
        result = await inbox.process(row, services)
        assert result.outcome is inbox.Outcome.FAILED and result.error == "ValueError: still broken"
        current = await WebhookEvent.get(pk=row.pk)
        assert current.next_attempt_at is not None
        delays.append(current.next_attempt_at - clock.now())
        clock.set(current.next_attempt_at)
    assert current.attempts == 4
    assert delays == sorted(delays)
    assert timedelta(seconds=8) <= delays[0] <= timedelta(seconds=12)


def test_backoff_is_exponential_capped_and_jittered() -> None:
    rng = random.Random(7)
    bases = [10, 30, 90, 270, 810, 2430, 3600, 3600, 3600]
    for attempts, base in enumerate(bases, start=1):
        delay = inbox.backoff(attempts, rng=rng).total_seconds()
        assert base * 0.8 <= delay <= base * 1.2, (attempts, delay)
    assert inbox.backoff(10_000, rng=rng) <= timedelta(hours=1.2)
    assert len({inbox.backoff(3) for _ in range(20)}) > 1  # replicas do not retry in lockstep


def test_error_descriptions_are_truncated_and_redact_keys() -> None:
    text = inbox.describe_error(
        RuntimeError("key sk_live_abc123XYZ and whsec_s3cr3t and Bearer eyJ.x.y " + "z" * 5000)
    )
    assert "sk_live_abc123XYZ" not in text and "whsec_s3cr3t" not in text and "eyJ.x.y" not in text
    assert text.startswith("RuntimeError: key [REDACTED]") and len(text) == inbox.MAX_ERROR_CHARS
    assert inbox.describe_error(KeyError()) == "KeyError"


# One of each secret the stored error text must never keep (the logs mask the same: billing.redaction).
_STORED_SECRETS = {
    "bare JWT": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl",
    "basic-auth header": "Basic dXNlcjpwYXNzd29yZA==",
    "bearer header": "Bearer opaque-token-value",
    "card number": "4242 4242 4242 4242",
    "card number, ungrouped": "5555555555554444",
    "live key": "sk_live_51HxYzAbCdEf",
    "test key": "sk_test_51HxYzAbCdEf",
    "restricted key": "rk_live_51HxYzAbCdEf",
    "key of another mode": "sk_org_51HxYzAbCdEfGh",
    "webhook secret": "whsec_abcDEF123+/=",
}


async def test_a_stored_handler_error_has_every_kind_of_secret_masked(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    message = "; ".join(f"{kind}: {value}" for kind, value in _STORED_SECRETS.items())

    async def leaky(event: StripeEvent, services: Services) -> None:
        raise RuntimeError(message)

    handlers[HANDLED] = leaky
    row, _ = await inbox.record(event_payload(), now=T0)
    assert (await inbox.process(row, services)).outcome is inbox.Outcome.FAILED
    stored = (await WebhookEvent.get(pk=row.pk)).last_error
    for kind, value in _STORED_SECRETS.items():
        assert value not in stored, f"{kind} kept in the stored error: {stored}"
        assert f"{kind}: " in stored  # the rest of the text survives
    assert stored.count("[REDACTED") == len(_STORED_SECRETS), stored


async def test_record_event_stores_an_api_fetched_event_once_with_its_webhook_twin(db: str) -> None:
    payload = event_payload()
    fetched = orjson.loads(payload)  # what stripe.Event.to_dict() gives for the same event
    row, created = await inbox.record_event(fetched, now=T0)
    twin, twin_created = await inbox.record(payload, now=T0)
    assert (created, twin_created, twin.pk) == (True, False, row.pk)
    with pytest.raises(inbox.InvalidEvent):
        await inbox.record_event({"id": "not_an_event"}, now=T0)
    with pytest.raises(inbox.InvalidEvent):
        await inbox.record_event({"id": "evt_x", "when": object()}, now=T0)


async def test_a_delivery_recorded_claimed_is_run_by_its_worker_and_no_one_else(
    db: str, services: Services, clock: FixedClock, calls: Calls
) -> None:
    """The worker that answers a delivery inserts the row already claimed and runs it under that
    claim; a redelivery or the retry loop meanwhile finds it taken, as after an explicit claim."""
    row, created = await inbox.record(event_payload(), now=T0, lease=LEASE)
    assert created and row.claimed_until == T0 + LEASE and row.attempts == 1
    assert await inbox.claim(row.pk, T0 + timedelta(seconds=1), LEASE) is None
    other = await inbox.process(row, services)  # a redelivery on another worker
    assert other.outcome is inbox.Outcome.IN_PROGRESS and len(calls) == 0

    done = await inbox.process(row, services, held=row.claimed_until)
    assert done.outcome is inbox.Outcome.PROCESSED and len(calls) == 1
    row = await WebhookEvent.get(pk=row.pk)
    assert (row.status, row.attempts, row.claimed_until) == (InboxStatus.PROCESSED, 1, None)


async def test_a_claim_from_recording_that_waited_long_is_renewed_or_lost(
    db: str, services: Services, clock: FixedClock, calls: Calls
) -> None:
    """An event that waited for a handler slot past half its lease renews the claim before running;
    one whose lease ran out and was taken over is not run a second time by the first worker."""
    waited, _ = await inbox.record(event_payload(), now=T0, lease=LEASE)
    clock.set(T0 + LEASE * 0.75)
    assert (
        await inbox.process(waited, services, held=waited.claimed_until)
    ).outcome is inbox.Outcome.PROCESSED
    assert (await WebhookEvent.get(pk=waited.pk)).attempts == 2  # the renewal is a claim

    clock.set(T0)
    lost, _ = await inbox.record(event_payload(), now=T0, lease=LEASE)
    later = T0 + LEASE + timedelta(seconds=1)
    assert await inbox.claim(lost.pk, later, LEASE) is not None  # the retry loop took it over
    clock.set(later + timedelta(seconds=1))
    result = await inbox.process(lost, services, held=lost.claimed_until)
    assert result.outcome is inbox.Outcome.IN_PROGRESS and len(calls) == 1  # only `waited` ran


async def test_an_unused_claim_is_given_back_whole(db: str) -> None:
    row, _ = await inbox.record(event_payload(), now=T0, lease=LEASE)
    assert await inbox.release(row.pk, row.claimed_until)
    row = await WebhookEvent.get(pk=row.pk)
    assert (row.claimed_until, row.attempts) == (None, 0)
    assert await inbox.claim(row.pk, T0, LEASE) == T0 + LEASE
