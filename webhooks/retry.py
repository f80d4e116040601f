"""The gateway's own retry of inbox events, so nothing depends on Stripe redelivering.

Due events are FAILED ones whose backoff ran out, and RECEIVED ones nobody
finished: `record` sets their `next_attempt_at` to "received + grace", so an
event whose inline processing never happened (or whose worker died) becomes
due once the grace (and any lease) has passed. Both kinds are found by one
indexed query on `(status, next_attempt_at)`.

Any number of replicas may run the loop: they may select the same rows, but
`inbox.claim` lets exactly one of them run each event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from tortoise.expressions import Q

from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0  # seconds between scans when idle
DEFAULT_BATCH = 50
MAX_AUTOMATIC_ATTEMPTS = 30  # ~a day with the 1 h cap; after that only an operator retries (CLI)


async def due_events(
    services: Services,
    limit: int,
    *,
    lease: timedelta = inbox.DEFAULT_LEASE,
    max_attempts: int = MAX_AUTOMATIC_ATTEMPTS,
) -> list[WebhookEvent]:
    """Events the retry loop should try now, oldest due first."""
    now = services.clock.now()
    return (
        await WebhookEvent.filter(
            Q(status__in=[InboxStatus.RECEIVED, InboxStatus.FAILED]),
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True),  # unscheduled: due now
            Q(attempts__lt=max_attempts),
            inbox.lease_free(now, lease),
        )
        .order_by("next_attempt_at", "id")
        .limit(limit)
    )


async def retry_due(
    services: Services,
    limit: int = DEFAULT_BATCH,
    *,
    lease: timedelta = inbox.DEFAULT_LEASE,
    handler_timeout: float = inbox.DEFAULT_HANDLER_TIMEOUT,
    max_attempts: int = MAX_AUTOMATIC_ATTEMPTS,
) -> int:
    """Try up to `limit` due events once each; return how many this call actually ran.

    Events claimed by someone else in the meantime are skipped (not counted).
    """
    ran = 0
    for row in await due_events(services, limit, lease=lease, max_attempts=max_attempts):
        result = await inbox.process(row, services, lease=lease, handler_timeout=handler_timeout)
        if result.outcome not in (inbox.Outcome.IN_PROGRESS, inbox.Outcome.ALREADY_DONE):
            ran += 1
    return ran


async def run_retry_loop(
    services: Services,
    *,
    interval: float = DEFAULT_INTERVAL,
    stop_event: asyncio.Event,
    limit: int = DEFAULT_BATCH,
) -> None:
    """Run `retry_due` every `interval` seconds until `stop_event` is set.

    A full batch means there is a backlog, so the next scan starts at once.
    Errors (database down, clock unreachable) are logged and the loop carries
    on: it must outlive any outage it is there to recover from.
    """
    while not stop_event.is_set():
        ran = 0
        try:
            await services.clock.refresh()
            ran = await retry_due(services, limit)
            if ran:
                log.info("webhook retry loop ran %d event(s)", ran)
        except Exception:
            log.exception("webhook retry loop: scan failed; trying again in %.0f s", interval)
        if ran >= limit:
            await asyncio.sleep(0)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=interval)
