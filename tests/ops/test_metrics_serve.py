"""`/metrics` of a real `serve --workers 2`: every worker's counts summed, inbox gauges from the DB."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from ops_serve import WEBHOOK_SECRET, ServeProcess, sample, serve_env, total

from models.enums import InboxStatus
from models.inbox import WebhookEvent
from stripe_sandbox.testing import SandboxServer
from tests.inbox_settle import inbox_settled
from webhooks.signature import sign_header

PRICES = "query OpsServePrices { prices { lookupKey } }"


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prometheus-multiproc")


@pytest.fixture(scope="module")
def two_workers(migrated_db: str, sandbox: SandboxServer, samples_dir: Path) -> Iterator[ServeProcess]:
    stale = samples_dir / "counter_1.db"
    stale.write_bytes(b"stale samples of an earlier run")  # serve must clear them
    env = serve_env(
        migrated_db,
        sandbox.base_url,
        STRIPE_API_KEY=sandbox.api_key,
        PROMETHEUS_MULTIPROC_DIR=str(samples_dir),
        LOG_LEVEL="WARNING",
    )
    with ServeProcess(env, workers=2) as server:
        assert not stale.exists()
        yield server


def worker_pids(samples_dir: Path) -> set[str]:
    return {
        m[1] for p in samples_dir.glob("counter_*.db") if (m := re.fullmatch(r"counter_(\d+)\.db", p.name))
    }


async def burst(server: ServeProcess, n: int) -> None:
    """`n` concurrent requests, each on its own connection, so the kernel spreads them over workers."""

    async def one() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            response = await http.post("/graphql", json={"query": PRICES})
            assert response.status_code == 200 and "errors" not in response.json()

    await asyncio.gather(*(one() for _ in range(n)))


async def test_counts_of_all_workers_are_summed(
    db: str, two_workers: ServeProcess, samples_dir: Path
) -> None:
    sent = 0
    for _ in range(10):  # until both workers answered some (each writes its own samples file)
        await burst(two_workers, 20)
        sent += 20
        if len(worker_pids(samples_dir)) >= 2:
            break
    assert len(worker_pids(samples_dir)) >= 2, "one worker took every connection; cannot test aggregation"
    for _ in range(6):  # whichever worker answers the scrape reports the same totals
        text = await two_workers.scrape()
        labels = {"operation": "OpsServePrices", "type": "query"}
        assert sample(text, "billing_graphql_operations_total", **labels, outcome="ok") == sent
        assert sample(text, "billing_graphql_operation_duration_seconds_count", **labels) == sent


async def deliver(server: ServeProcess, event_type: str, event_id: str) -> httpx.Response:
    body = orjson.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": 1_760_000_000,
            "data": {"object": {"id": "cus_ops_" + secrets.token_hex(4), "object": "customer"}},
        }
    )
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        return await http.post(
            "/webhooks/stripe", content=body, headers={"Stripe-Signature": sign_header(body, WEBHOOK_SECRET)}
        )


async def test_webhook_events_by_type_and_outcome(db: str, two_workers: ServeProcess) -> None:
    before = await two_workers.scrape()
    event_id = "evt_ops_" + secrets.token_hex(8)
    first = await deliver(two_workers, "customer.created", event_id)
    await inbox_settled()  # handled after the answer
    again = await deliver(two_workers, "customer.created", event_id)
    assert first.json()["queued"] is True
    assert again.json() == {"received": True, "status": "IGNORED", "duplicate": True}
    after = await two_workers.scrape()

    def grown(outcome: str) -> float:
        labels = {"event_type": "customer.created", "outcome": outcome}
        return total(after, "billing_webhook_events_total", **labels) - total(
            before, "billing_webhook_events_total", **labels
        )

    assert (grown("ignored"), grown("already_done")) == (1, 1)


async def test_inbox_backlog_and_oldest_age_are_read_at_scrape_time(
    db: str, two_workers: ServeProcess
) -> None:
    empty = await two_workers.scrape()
    assert sample(empty, "billing_webhook_inbox_backlog_events") == 0
    assert sample(empty, "billing_webhook_inbox_oldest_unprocessed_age_seconds") == 0

    now = datetime.now(UTC)
    later = now + timedelta(days=1)  # not due: the retry loop leaves them alone
    for age, status in (
        (3600, InboxStatus.RECEIVED),
        (60, InboxStatus.FAILED),
        (7200, InboxStatus.PROCESSED),
    ):
        await WebhookEvent.create(
            stripe_event_id="evt_ops_" + secrets.token_hex(8),
            type="invoice.paid",
            payload="{}",
            stripe_created=1_760_000_000,
            status=status,
            received_at=now - timedelta(seconds=age),
            next_attempt_at=later if status != InboxStatus.PROCESSED else None,
        )
    text = await two_workers.scrape()
    assert sample(text, "billing_webhook_inbox_backlog_events") == 2
    age = sample(text, "billing_webhook_inbox_oldest_unprocessed_age_seconds")
    assert age is not None and 3600 <= age < 3660
