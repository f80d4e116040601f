"""`webhooks list|retry|replay` building blocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inbox_testkit import HANDLED, T0, Calls, event_payload

from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import admin, inbox
from webhooks.registry import Handler, StripeEvent


async def _row(status: InboxStatus, minutes: int, event_type: str = HANDLED) -> str:
    row, _ = await inbox.record(event_payload(event_type), now=T0 + timedelta(minutes=minutes))
    await WebhookEvent.filter(pk=row.pk).update(status=status)
    return row.stripe_event_id


async def test_list_puts_failed_first_then_newest(db: str) -> None:
    old_failed = await _row(InboxStatus.FAILED, 1)
    new_failed = await _row(InboxStatus.FAILED, 5)
    old_done = await _row(InboxStatus.PROCESSED, 2)
    new_ignored = await _row(InboxStatus.IGNORED, 9)
    listed = await admin.list_events()
    assert [e["id"] for e in listed] == [new_failed, old_failed, new_ignored, old_done]
    assert set(listed[0]) >= {
        "id",
        "type",
        "status",
        "attempts",
        "last_error",
        "received_at",
        "next_attempt_at",
    }
    assert "payload" not in listed[0]
    assert [e["id"] for e in await admin.list_events(limit=3)] == [new_failed, old_failed, new_ignored]
    assert [e["id"] for e in await admin.list_events(status="processed")] == [old_done]
    assert await admin.list_events(limit=0) == []


async def test_retry_runs_a_failed_event_now_and_refuses_finished_ones(
    db: str, services: Services, calls: Calls
) -> None:
    failed = await _row(InboxStatus.FAILED, 1)
    await WebhookEvent.filter(stripe_event_id=failed).update(next_attempt_at=T0 + timedelta(days=1))
    [result] = await admin.retry(services, failed, actor="support-1")
    assert (result["outcome"], result["status"]) == ("PROCESSED", "PROCESSED")
    [again] = await admin.retry(services, failed, actor="support-1")
    assert again["outcome"] == "ALREADY_DONE" and "replay" in again["error"]
    assert len(calls) == 1


async def test_retry_all_failed(db: str, services: Services, calls: Calls) -> None:
    for minutes in range(3):
        await _row(InboxStatus.FAILED, minutes)
    await _row(InboxStatus.PROCESSED, 9)
    results = await admin.retry(services, all_failed=True, actor="support-1")
    assert [r["outcome"] for r in results] == ["PROCESSED"] * 3
    assert await WebhookEvent.filter(status=InboxStatus.FAILED).count() == 0 and len(calls) == 3


async def test_retry_needs_exactly_one_target(db: str, services: Services) -> None:
    with pytest.raises(ValueError):
        await admin.retry(services, actor="support-1")
    with pytest.raises(ValueError):
        await admin.retry(services, "evt_x", all_failed=True, actor="support-1")
    with pytest.raises(admin.EventNotFound, match="evt_missing"):
        await admin.retry(services, "evt_missing", actor="support-1")


async def test_replay_reruns_a_processed_event(db: str, services: Services, calls: Calls) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    await inbox.process(row, services)
    result = await admin.replay(services, row.stripe_event_id, actor="support-1")
    assert (result["outcome"], result["status"]) == ("PROCESSED", "PROCESSED")
    assert len(calls) == 2
    assert (await WebhookEvent.get(pk=row.pk)).attempts == 2


async def test_replay_runs_an_ignored_event_once_a_handler_exists(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:
    row, _ = await inbox.record(event_payload("invoice.voided"), now=T0)
    assert (await inbox.process(row, services)).outcome is inbox.Outcome.IGNORED
    seen: list[str] = []

    async def voided(event: StripeEvent, services: Services) -> None:
        seen.append(event.id)

    handlers["invoice.voided"] = voided
    assert (await inbox.process(row, services)).outcome is inbox.Outcome.ALREADY_DONE  # a redelivery
    assert (await admin.replay(services, row.stripe_event_id, actor="support-1"))["status"] == "PROCESSED"
    assert seen == [row.stripe_event_id]


async def test_replay_does_not_race_a_running_handler(db: str, services: Services, calls: Calls) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    assert await inbox.claim(row.pk, T0, inbox.DEFAULT_LEASE)
    assert (await admin.replay(services, row.stripe_event_id, actor="support-1"))["outcome"] == "IN_PROGRESS"
    assert len(calls) == 0
    with pytest.raises(admin.EventNotFound):
        await admin.replay(services, "evt_missing", actor="support-1")


async def test_render_prints_a_table(db: str, services: Services, calls: Calls) -> None:
    assert admin.render([]) == "(no webhook events)"
    failed = await _row(InboxStatus.FAILED, 1)
    await WebhookEvent.filter(stripe_event_id=failed).update(last_error="RuntimeError: " + "x" * 200)
    table = admin.render(await admin.list_events())
    header, line = table.splitlines()
    assert header.split() == [
        "ID",
        "TYPE",
        "STATUS",
        "ATTEMPTS",
        "RECEIVED_AT",
        "NEXT_ATTEMPT_AT",
        "LAST_ERROR",
    ]
    assert failed in line and "FAILED" in line and line.endswith("…") and len(line) < 250
    results = admin.render(await admin.retry(services, failed, actor="support-1"))
    assert "PROCESSED" in results and failed in results
