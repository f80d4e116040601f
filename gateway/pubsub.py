"""Live-update fan-out: billing's change notices to this process's GraphQL subscribers.

On PostgreSQL a dedicated asyncpg connection (outside Tortoise's pool: a
pooled connection could be handed to a query mid-LISTEN) runs ``LISTEN`` on
`billing.notifications.changes.CHANNEL`. Every replica listens, so a change committed
through any replica reaches the one holding the user's websocket; the notice
carries ids only and subscribers re-read the rows. On SQLite (a single process)
billing hands its changes to `LiveHub.dispatch` directly, after the commit.

The listener reconnects by itself; after a reconnect every subscriber gets a
RESYNC notice (notifications sent while it was away are gone), so screens
re-read rather than silently miss a change. A slow subscriber's queue is
collapsed into one RESYNC instead of growing without bound.

Every live-update subscription goes through `LiveHub.subscribe`, so the hub is
where they are counted (`billing_live_subscriptions`, and each notice handed
to a subscriber in `billing_live_notices_total`, see `gateway.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import asyncpg

from billing.notifications import Change, ChangeKind
from billing.notifications import changes as notifications
from gateway.db import dialect_of
from gateway.metrics import LIVE_NOTICES, LIVE_SUBSCRIPTIONS

log = logging.getLogger(__name__)

QUEUE_SIZE = 64
HEALTH_CHECK_SECONDS = 15.0
HEALTH_CHECK_TIMEOUT = 5.0
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)  # then 5 s until the database answers again

Observer = Callable[[Change], None]


class LiveHub:
    """This process's subscribers, by user id; implements `billing.notifications.changes.ChangeFeed`."""

    def __init__(self, database_url: str, *, queue_size: int = QUEUE_SIZE) -> None:
        self._dsn = database_url.split("?", 1)[0]
        self._uses_notify = dialect_of(database_url) == "postgres"
        self._queue_size = queue_size
        self._queues: dict[str, set[asyncio.Queue[Change]]] = {}
        self._observers: list[Observer] = []
        self._task: asyncio.Task[None] | None = None
        self._local: contextlib.ExitStack | None = None
        self.listening = asyncio.Event()  # set while LISTEN is in force (PostgreSQL)
        self.listener_pid: int | None = None  # the LISTEN connection's server process, for operators

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._uses_notify:
            self._task = asyncio.create_task(self._listen_forever(), name="live-updates-listener")
            try:  # start serving with LISTEN in place when the database is up; never block start-up
                await asyncio.wait_for(self.listening.wait(), timeout=5)
            except TimeoutError:
                log.warning("live updates: LISTEN not established yet; retrying in the background")
        else:
            self._local = contextlib.ExitStack()
            self._local.enter_context(notifications.local_listener(self.dispatch))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[LiveHub]:
        """Listen for as long as the app runs."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def stop(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- subscribers -------------------------------------------------------------------------

    @asynccontextmanager
    async def subscribe(self, user_id: str) -> AsyncIterator[AsyncIterator[Change]]:
        """Changes for `user_id` (and RESYNC notices) while inside the block."""
        queue: asyncio.Queue[Change] = asyncio.Queue(maxsize=self._queue_size)
        self._queues.setdefault(user_id, set()).add(queue)
        LIVE_SUBSCRIPTIONS.inc()
        try:
            yield _Drain(queue)
        finally:
            LIVE_SUBSCRIPTIONS.dec()
            queues = self._queues.get(user_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[user_id]

    @contextlib.contextmanager
    def observe(self, observer: Observer) -> Iterator[None]:
        """Every change, whoever it is for (the outbox worker wakes on premium changes)."""
        self._observers.append(observer)
        try:
            yield
        finally:
            self._observers.remove(observer)

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._queues.values())

    def dispatch(self, change: Change) -> None:
        """Hand `change` to its user's subscribers in this process (never anyone else's)."""
        for observer in list(self._observers):
            try:
                observer(change)
            except Exception:
                log.exception("live-update observer failed")
        for queue in list(self._queues.get(change.user_id, ())):
            _offer(queue, change)

    def _resync_all(self) -> None:
        for user_id, queues in list(self._queues.items()):
            for queue in list(queues):
                _offer(queue, Change(user_id, ChangeKind.RESYNC))

    # -- PostgreSQL LISTEN ---------------------------------------------------------------------

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            change = Change.decode(payload)
        except ValueError as exc:
            log.warning("live updates: ignored a foreign notification (%s)", exc)
            return
        self.dispatch(change)

    async def _listen_forever(self) -> None:
        attempt = 0
        connected_before = False
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=HEALTH_CHECK_TIMEOUT)
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(notifications.CHANNEL, self._on_notify)
                self.listener_pid = conn.get_server_pid()
                self.listening.set()
                if connected_before:
                    log.info("live updates: LISTEN re-established; subscribers re-read")
                    self._resync_all()
                connected_before = True
                attempt = 0
                await self._watch(conn, lost)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live updates: listener connection failed: %s", exc)
            finally:
                self.listening.clear()
                self.listener_pid = None
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), HEALTH_CHECK_TIMEOUT)
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is gone, or silently dead (a health check that does not answer)."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), HEALTH_CHECK_SECONDS)
                return
            await conn.fetchval("SELECT 1", timeout=HEALTH_CHECK_TIMEOUT)


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _conn: event.set()


def _offer(queue: asyncio.Queue[Change], change: Change) -> None:
    """Enqueue without blocking; a full queue is collapsed into one RESYNC (re-read everything)."""
    try:
        queue.put_nowait(change)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        change = Change(change.user_id, ChangeKind.RESYNC)
        queue.put_nowait(change)
    LIVE_NOTICES.labels(str(change.kind)).inc()


class _Drain:
    """An endless iterator over a queue; a cancelled wait loses nothing (unlike an async generator)."""

    def __init__(self, queue: asyncio.Queue[Change]) -> None:
        self._queue = queue

    def __aiter__(self) -> _Drain:
        return self

    async def __anext__(self) -> Change:
        return await self._queue.get()
