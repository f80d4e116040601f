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

Acknowledgements first: a handler costs several times the CPU of an answer
(a Stripe call and a transaction against one INSERT), and both share this
process's event loop. While deliveries are being answered here, at most
`busy_concurrency` handlers run; once none is, up to `concurrency`. A burst is
thus answered at the rate the answers alone allow and worked off behind it,
and a steady stream still gets `busy_concurrency` handlers at all times, so
nothing starves. How far handling lags shows in the inbox backlog metrics.

How many: `serve` sizes it by the database pool (`for_pool`), not by CPU. Against a local
sandbox a handler was mostly CPU and 3 kept a core busy; against Stripe (100-300 ms an answer)
it mostly waits, and a fixed 3 handled about 20 events/s in the S6 bench (bench/burst.py) while
the Stripe pace allowed several times that. With Stripe's concurrent deliveries something is
nearly always being answered, so a worker runs `DB_POOL_MAX`/2 handlers: at about 0.11 s a
handler that is some 45 events/s a worker (the S7 bench: 84-88/s for two workers against 120
arriving; README "Paid means Premium" sizes replicas and the pool from it).
`max_pending` bounds memory: past it an event is left to the retry loop, which
finds it by itself.

What waits for a slot goes in arrival order, except that a checkout session's events go first
(`FIRST`): they are what turns a payment into Premium, and their handler fetches the session
with its subscription and invoice (`billing.checkout.fulfilment`), so the purchase's other
events, handled behind it, find those rows already as new as they are and ask Stripe nothing
(`billing.stripe.calls.fetched_after_event`). In a steady stream nothing waits and the order is
the arrival's.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from billing.services import Services
from models.inbox import WebhookEvent
from webhooks import inbox

log = logging.getLogger(__name__)

# For a Dispatcher made directly (tests, tools); `serve` uses `for_pool`.
DEFAULT_CONCURRENCY = 3
DEFAULT_BUSY_CONCURRENCY = 1
DEFAULT_MAX_PENDING = 10_000
#: Event types whose handlers take a free slot before others waiting (by prefix).
FIRST = ("checkout.session.",)


def priority_of(event_type: str) -> int:
    """0 for the events that go first (`FIRST`), 1 for the rest."""
    return 0 if event_type.startswith(FIRST) else 1


class Dispatcher:
    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        busy_concurrency: int = DEFAULT_BUSY_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        lease: timedelta = inbox.DEFAULT_LEASE,
        handler_timeout: float = inbox.DEFAULT_HANDLER_TIMEOUT,
    ) -> None:
        self._concurrency = concurrency
        self._busy_concurrency = max(1, min(busy_concurrency, concurrency))
        self._max_pending = max_pending
        self._lease = lease
        self._handler_timeout = handler_timeout
        self._tasks: set[asyncio.Task[None]] = set()  # referenced until done
        self._answering = 0  # deliveries being answered in this process now
        self._running = 0  # handlers running now
        # Handlers waiting for a slot: (priority, arrival number, turn), a heap (first out: smallest).
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @classmethod
    def for_pool(cls, pool_max: int) -> Dispatcher:
        """As many handlers as the process's database pool serves, half of them while answering.

        A handler spends most of its time waiting on Stripe (100-300 ms an answer in production),
        holding no database connection meanwhile, and Stripe's pace is already kept by the
        process's pacer (STRIPE_MAX_REQUESTS_PER_SECOND): so how many handlers wait at once is what
        decides how fast a burst is handled (Little's law), and the bound that matters is the pool
        they share with the acknowledgements, which keep the other half while deliveries arrive.
        """
        return cls(concurrency=max(1, pool_max), busy_concurrency=max(1, pool_max // 2))

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Mark a delivery being answered: handlers get fewer slots meanwhile."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1
            self._wake()

    @property
    def lease(self) -> timedelta:
        """How long a handler's claim lasts (`inbox.record` takes a new delivery's claim with it)."""
        return self._lease

    def has_room(self) -> bool:
        """Whether `submit` would take another event now."""
        return len(self._tasks) < self._max_pending

    def submit(
        self,
        row: WebhookEvent,
        services: Services,
        *,
        arrived: float | None = None,
        held: datetime | None = None,
    ) -> bool:
        """Queue the event's processing; False (and logged) when the backlog is full.

        The task inherits the caller's context, so its log lines carry the
        delivery's request id as well as the event's id and type.
        """
        if not self.has_room():
            log.warning(
                "webhook backlog full (%d events): left to the retry loop",
                self._max_pending,
                extra={"event_id": row.stripe_event_id, "event_type": row.type},
            )
            return False
        task = asyncio.create_task(
            self._run(row, services, arrived, held), name=f"webhook {row.stripe_event_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def drain(self) -> None:
        """Wait until everything submitted so far has run (tests; a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(
        self,
        row: WebhookEvent,
        services: Services,
        arrived: float | None = None,
        held: datetime | None = None,
    ) -> None:
        ids = {"event_id": row.stripe_event_id, "event_type": row.type}
        await self._slot(priority_of(row.type))
        try:
            result = await inbox.process(
                row,
                services,
                lease=self._lease,
                handler_timeout=self._handler_timeout,
                arrived=arrived,
                held=held,
            )
        except Exception:
            # The database failed under the bookkeeping: the claim runs out and the
            # retry loop (or Stripe's redelivery) runs the event again.
            log.exception("webhook processing broke down; the retry loop takes it over", extra=ids)
            return
        finally:
            self._running -= 1
            self._wake()
        log.info(
            "webhook %s %s processed: %s",
            row.type,
            row.stripe_event_id,
            result.outcome.value,
            extra={**ids, "outcome": result.outcome.value},
        )

    def _limit(self) -> int:
        return self._busy_concurrency if self._answering else self._concurrency

    async def _slot(self, priority: int = 1) -> None:
        """Wait for a free slot (by `priority`, then first come, first served), then take it."""
        if self._waiting or self._running >= self._limit():
            turn = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, next(self._arrivals), turn))
            try:
                await turn  # _wake took the slot for us
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._running -= 1  # woken and cancelled at once: give the slot back
                    self._wake()
                raise
            return
        self._running += 1

    def _wake(self) -> None:
        """Hand free slots to the waiting handlers that go first, the longest waiting among them."""
        while self._waiting and self._running < self._limit():
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                self._running += 1
                turn.set_result(None)
