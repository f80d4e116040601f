"""Many deliveries of one event at once: the handler's effect happens exactly once.

The test handler's effect is a real row: it creates (or bumps) a
`RateLimitCounter` keyed by the event id, after an await that lets the other
deliveries catch up. A second run would show as `count == 2`.

On PostgreSQL the requests really run in parallel: every query outside a
transaction takes its own pooled connection (pool of 20), so the unique insert
race and the claim race are decided by the database, not by the event loop.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from inbox_testkit import HANDLED, SECRET, T0, event_id_of, event_payload, settled
from tortoise.expressions import F

from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from models.rate_limit import RateLimitCounter
from webhooks import inbox
from webhooks.registry import Handler, StripeEvent
from webhooks.signature import sign_header

CONCURRENCY = 20


@pytest.fixture
def effects(handlers: dict[str, Handler]) -> list[str]:
    ran: list[str] = []

    async def effect(event: StripeEvent, services: Services) -> None:
        ran.append(event.id)
        await asyncio.sleep(0.05)  # a Stripe call, say: the other deliveries arrive meanwhile
        counter, created = await RateLimitCounter.get_or_create(
            key=f"effect:{event.id}", defaults={"window_start": services.clock.now(), "count": 1}
        )
        if not created:
            await RateLimitCounter.filter(key=counter.key).update(count=F("count") + 1)

    handlers[HANDLED] = effect
    return ran


async def _deliver_concurrently(client: httpx.AsyncClient, payload: bytes) -> list[httpx.Response]:
    async def one() -> httpx.Response:
        return await client.post(
            "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign_header(payload, SECRET)}
        )

    return await asyncio.gather(*(one() for _ in range(CONCURRENCY)))


async def _assert_exactly_once(payload: bytes, responses: list[httpx.Response], effects: list[str]) -> None:
    assert [r.status_code for r in responses] == [200] * CONCURRENCY
    bodies = [r.json() for r in responses]
    assert sum(1 for b in bodies if not b.get("duplicate")) == 1
    event_id = event_id_of(payload)
    row = await settled(event_id)
    counter = await RateLimitCounter.get(key=f"effect:{event_id}")
    assert counter.count == 1
    assert effects == [event_id]
    assert (row.status, row.attempts) == (InboxStatus.PROCESSED, 1)
    assert await WebhookEvent.all().count() == 1


async def test_concurrent_deliveries_of_one_event_have_one_effect(
    client: httpx.AsyncClient, effects: list[str]
) -> None:
    payload = event_payload()
    responses = await _deliver_concurrently(client, payload)
    await _assert_exactly_once(payload, responses, effects)


@pytest.mark.postgres_only
async def test_on_postgres_concurrent_deliveries_have_one_effect_over_many_rounds(
    client: httpx.AsyncClient, effects: list[str]
) -> None:
    for round_ in range(5):
        effects.clear()
        await WebhookEvent.all().delete()
        payload = event_payload()
        responses = await _deliver_concurrently(client, payload)
        await _assert_exactly_once(payload, responses, effects)
        kinds = Counter("duplicate" if b.get("duplicate") else "first" for b in (r.json() for r in responses))
        print(f"\nround {round_}: {dict(kinds)}")


@pytest.mark.postgres_only
async def test_on_postgres_concurrent_records_insert_once(db: str) -> None:
    """Twenty `INSERT … ON CONFLICT DO NOTHING` at once: the database lets one in, the rest get its row."""
    payload = event_payload()
    results = await asyncio.gather(*(inbox.record(payload, now=T0) for _ in range(CONCURRENCY)))
    assert sum(created for _, created in results) == 1
    assert len({row.pk for row, _ in results}) == 1
    assert await WebhookEvent.all().count() == 1


@pytest.mark.postgres_only
async def test_on_postgres_concurrent_claims_have_one_winner(db: str) -> None:
    row, _ = await inbox.record(event_payload(), now=T0)
    for round_ in range(5):
        now = T0 + round_ * (inbox.DEFAULT_LEASE + timedelta(seconds=1))
        tokens = await asyncio.gather(
            *(inbox.claim(row.pk, now, inbox.DEFAULT_LEASE) for _ in range(CONCURRENCY))
        )
        assert sum(token is not None for token in tokens) == 1
    assert (await WebhookEvent.get(pk=row.pk)).attempts == 5
