"""Run recorded events' handlers in the background, a bounded number at a time.

The webhook route answers Stripe as soon as an event is durably in the inbox
(Stripe's own advice: verify, record, answer 2xx, process asynchronously) and
hands the row to a `Dispatcher`. Nothing here needs to be durable: the inbox
row is. If this process dies with events queued or running, they are still
RECEIVED (or hold a lease that runs out) and the retry loop (`webhooks.retry`)
runs them once `grace` (or the lease) has passed; Stripe's redelivery of an
unfinished event queues it again. `inbox.process` claims each event with one
conditional UPDATE, so however many dispatchers, replicas and retry loops meet
the same event, its handler runs once at a time and its effect happens once.

`concurrency` bounds how many handlers run at once in this process (each calls
Stripe and the database): under a burst, acknowledgements stay fast and the
backlog is worked off at the rate the handlers allow. `max_pending` bounds
memory: past it an event is left to the retry loop, which finds it by itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from billing.services import Services
from models.inbox import WebhookEvent
from webhooks import inbox

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_PENDING = 10_000


class Dispatcher:
    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        lease: timedelta = inbox.DEFAULT_LEASE,
        handler_timeout: float = inbox.DEFAULT_HANDLER_TIMEOUT,
    ) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._lease = lease
        self._handler_timeout = handler_timeout
        self._tasks: set[asyncio.Task[None]] = set()  # referenced until done

    def submit(self, row: WebhookEvent, services: Services) -> bool:
        """Queue the event's processing; False (and logged) when the backlog is full.

        The task inherits the caller's context, so its log lines carry the
        delivery's request id as well as the event's id and type.
        """
        if len(self._tasks) >= self._max_pending:
            log.warning(
                "webhook backlog full (%d events): left to the retry loop",
                self._max_pending,
                extra={"event_id": row.stripe_event_id, "event_type": row.type},
            )
            return False
        task = asyncio.create_task(self._run(row, services), name=f"webhook {row.stripe_event_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @property
    def pending(self) -> int:
        """Events queued or running in this process."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until everything submitted so far has run (tests; a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, row: WebhookEvent, services: Services) -> None:
        ids = {"event_id": row.stripe_event_id, "event_type": row.type}
        async with self._slots:
            try:
                result = await inbox.process(
                    row, services, lease=self._lease, handler_timeout=self._handler_timeout
                )
            except Exception:
                # The database failed under the bookkeeping: the claim runs out and the
                # retry loop (or Stripe's redelivery) runs the event again.
                log.exception("webhook processing broke down; the retry loop takes it over", extra=ids)
                return
        log.info(
            "webhook %s %s processed: %s",
            row.type,
            row.stripe_event_id,
            result.outcome.value,
            extra={**ids, "outcome": result.outcome.value},
        )
