"""Outbound notifications: POST each `OutboxMessage` to OUTBOUND_WEBHOOK_URL until acknowledged.

Billing writes the rows (`billing.notifications.changes.premium_changed`, in the
transaction of the change); this worker, started by the app when the URL is
set, delivers them:

- Claim: one conditional UPDATE per message (undelivered, due, lease free;
  the same lease rule as the webhook inbox), so among any number of replicas
  exactly one sends a given message at a time. A sender that died is taken
  over when its lease runs out; the lease is far longer than the request timeout.
- Send: ``POST`` of the JSON body with the headers below; any 2xx acknowledges.
  Anything else (status, timeout, refused connection) is recorded in
  `last_error` and retried with capped, jittered exponential backoff, forever:
  the receiver decides when it has the message.
- At least once: a crash between the receiver's 2xx and our bookkeeping sends
  the message again, so receivers dedupe on the message id (`id` in the body,
  also the `Billing-Message-Id` header). Messages carry the whole premium state
  and `occurred_at`; a retried older message can arrive after a newer one, so
  receivers keep the state with the latest `occurred_at`.

Retention: a background loop (`run_pruner`, hourly, whether or not a URL is
set) deletes messages older than OUTBOX_RETENTION_DAYS, except each user's
latest one per topic: that one is the "last announced state" billing compares
against (`billing.notifications.changes.premium_differs`), and keeping it bounds the
table by the number of users plus the changes of the retention period. An old
message that was never delivered but is superseded goes too: the newer one
carries the whole state. Deleting is idempotent, so every replica may prune.

Metrics (`gateway.metrics`): each attempt counts in
``billing_outbox_delivery_attempts_total`` by outcome, each pruned message in
``billing_outbox_pruned_messages_total``.

Signature (like Stripe's): ``Billing-Signature: t=<unix seconds>,v1=<hex>`` where
``v1 = HMAC-SHA256(key, "<t>.<raw body>")``. `t` is the system time of the
attempt (what a receiver checks freshness against), not the business clock: a
sandbox clock moved a month ahead must not make every signature look forged.
OUTBOUND_WEBHOOK_SECRET may hold several keys, comma separated (``new,old``,
while receivers move to the new key): each signs, one ``v1=`` per key, and a
receiver accepts the message when any ``v1`` matches a key it holds, as with
Stripe's own signatures during a secret roll.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import orjson
from tortoise.expressions import F, Q
from tortoise.functions import Max

from billing.backoff import Backoff
from billing.clock import Clock
from billing.notifications import Change, ChangeKind
from gateway.metrics import OUTBOX_DELIVERIES, OUTBOX_PRUNED
from gateway.pubsub import LiveHub
from gateway.settings import Settings, signing_keys
from models import OutboxMessage
from webhooks.inbox import describe_error

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Billing-Signature"
MESSAGE_ID_HEADER = "Billing-Message-Id"

DEFAULT_RETENTION = timedelta(days=Settings.model_fields["outbox_retention_days"].default)
PRUNE_INTERVAL = 3600.0  # seconds between pruning runs
PRUNE_BATCH = 500


@dataclass(frozen=True)
class DeliveryPolicy:
    lease: timedelta = timedelta(minutes=2)
    request_timeout: float = 10.0  # well inside the lease: a slow receiver is not sent to twice
    backoff_base: timedelta = timedelta(seconds=5)
    backoff_factor: float = 3.0  # 5 s, 15 s, 45 s, 2.25 min, 6.75 min, 20 min, then the cap
    backoff_cap: timedelta = timedelta(hours=1)
    backoff_jitter: float = 0.2
    poll_interval: float = 5.0  # safety net; a premium change announced anywhere wakes the worker
    batch: int = 20

    def backoff(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """Delay after `attempts` failed tries: billing's one backoff rule with this schedule."""
        schedule = Backoff(self.backoff_base, self.backoff_factor, self.backoff_cap, self.backoff_jitter)
        return schedule.delay(attempts, rng)


# --- the wire format ---------------------------------------------------------------------------


def message_id(pk: int) -> str:
    return f"msg_{pk}"


def message_body(row: OutboxMessage) -> bytes:
    """``{"id", "type", "user_id", "premium", "occurred_at"}``: the payload billing stored, plus its id."""
    return orjson.dumps({"id": message_id(row.pk), "type": row.topic, **row.payload})


def _digests(secret: str, timestamp: int, body: bytes) -> list[str]:
    signed = f"{timestamp}.".encode() + body
    return [hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in signing_keys(secret)]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex>[,v1=<hex>…]``: one signature per key of `secret`."""
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in _digests(secret, timestamp, body))])


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """The receiver's check (documented here, used by tests): a `v1` by one of its keys, and fresh."""
    pairs = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for name, value in pairs if name.strip() == "t"]
    try:
        (timestamp,) = (int(value) for value in stamps)
    except ValueError:  # none, several, or not a number
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = _digests(secret, timestamp, body)
    offered = [value for name, value in pairs if name.strip() == "v1"]
    return any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in offered)


# --- claiming and delivering -----------------------------------------------------------------


def lease_free(now: datetime, lease: timedelta) -> Q:
    """Messages nobody holds: never claimed, lease run out, or granted by a clock that went back.

    "Went back" needs a lease further ahead than twice any we grant: two replicas
    claiming at once read "now" microseconds apart, and a lease just granted by
    the one that read later must not look like one from the future to the other.
    """
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_until__gt=now + 2 * lease)


async def claim(pk: int, now: datetime, lease: timedelta) -> datetime | None:
    """Take message `pk` for `lease` (one conditional UPDATE); the returned token proves the claim."""
    token = now + lease
    updated = await OutboxMessage.filter(
        Q(pk=pk, delivered_at__isnull=True, next_attempt_at__lte=now) & lease_free(now, lease)
    ).update(claimed_until=token, attempts=F("attempts") + 1, version=F("version") + 1)
    return token if updated == 1 else None


async def _finish(pk: int, token: datetime, **changes: object) -> bool:
    """Record the outcome while the claim is still ours (a taken-over claim records nothing)."""
    updated = await OutboxMessage.filter(pk=pk, claimed_until=token).update(
        **changes, claimed_until=None, version=F("version") + 1
    )
    return updated == 1


class OutboxSender:
    def __init__(
        self,
        *,
        clock: Clock,
        url: str,
        secret: str,
        http: httpx.AsyncClient,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.url = url
        self.secret = secret
        self.http = http
        self.policy = policy or DeliveryPolicy()

    async def deliver_due(self) -> int:
        """Try each due message once (skipping those another replica holds); returns how many were tried."""
        now = self.clock.now()
        due = (
            await OutboxMessage.filter(
                Q(delivered_at__isnull=True, next_attempt_at__lte=now) & lease_free(now, self.policy.lease)
            )
            .order_by("next_attempt_at", "id")
            .limit(self.policy.batch)
            .values_list("id", flat=True)
        )
        tried = 0
        for pk in due:
            if await self.deliver(pk):
                tried += 1
        return tried

    async def deliver(self, pk: int) -> bool:
        """Claim and send one message; False when it was not ours to send."""
        token = await claim(pk, self.clock.now(), self.policy.lease)
        if token is None:
            return False
        row = await OutboxMessage.get_or_none(pk=pk)
        if row is None:  # pruned between the claim and now
            return False
        outcome, error = await self._post(row)
        OUTBOX_DELIVERIES.labels(outcome).inc()
        if error is None:
            await _finish(pk, token, delivered_at=self.clock.now(), last_error=None)
            return True
        retry_in = self.policy.backoff(row.attempts)
        log.warning(
            "outbound notification %s not acknowledged (attempt %d): %s; retry in %.0f s",
            message_id(pk),
            row.attempts,
            error,
            retry_in.total_seconds(),
        )
        await _finish(pk, token, last_error=error, next_attempt_at=self.clock.now() + retry_in)
        return True

    async def _post(self, row: OutboxMessage) -> tuple[str, str | None]:
        """(outcome for the metrics, None when the receiver acknowledged (2xx) else why not)."""
        body = message_body(row)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, int(time.time()), body),
            MESSAGE_ID_HEADER: message_id(row.pk),
        }
        try:
            response = await self.http.post(
                self.url, content=body, headers=headers, timeout=self.policy.request_timeout
            )
        except httpx.HTTPError as exc:
            return "failed", describe_error(exc)
        if 200 <= response.status_code < 300:
            return "delivered", None
        return "rejected", f"HTTP {response.status_code}"

    async def next_due_in(self) -> float:
        """Seconds until the earliest undelivered message is due (the poll interval if none sooner)."""
        first = (
            await OutboxMessage.filter(delivered_at__isnull=True)
            .order_by("next_attempt_at")
            .first()
            .values_list("next_attempt_at", flat=True)
        )
        if first is None:
            return self.policy.poll_interval
        wait = (first - self.clock.now()).total_seconds()
        return min(self.policy.poll_interval, max(0.0, wait))


# --- retention ---------------------------------------------------------------------------------


async def prune(now: datetime, retention: timedelta = DEFAULT_RETENTION, *, batch: int = PRUNE_BATCH) -> int:
    """Delete messages created before ``now - retention``, except each user's latest per topic.

    In batches by id (short statements, no long lock). A message written while
    this runs only makes older ones "not the latest", so the rule holds for
    whatever it deletes. Returns how many rows it deleted.
    """
    cutoff = now - retention
    deleted, after = 0, 0
    while True:
        rows = (
            await OutboxMessage.filter(created_at__lt=cutoff, id__gt=after)
            .order_by("id")
            .limit(batch)
            .values_list("id", "user_id")
        )
        if not rows:
            break
        after = rows[-1][0]
        latest = set(
            await OutboxMessage.filter(user_id__in={user for _, user in rows})
            .annotate(latest=Max("id"))
            .group_by("user_id", "topic")
            .values_list("latest", flat=True)
        )
        doomed = [pk for pk, _ in rows if pk not in latest]
        if doomed:
            deleted += await OutboxMessage.filter(id__in=doomed).delete()
    if deleted:
        OUTBOX_PRUNED.inc(deleted)
        log.info("outbox: pruned %d message(s) created before %s", deleted, cutoff.isoformat())
    return deleted


async def run_pruner(
    clock: Clock, retention: timedelta, *, stop_event: asyncio.Event, interval: float = PRUNE_INTERVAL
) -> None:
    """Prune now, then every `interval` seconds, until `stop_event`."""
    while not stop_event.is_set():
        try:
            await clock.refresh()
            await prune(clock.now(), retention)
        except Exception:  # the database is away: the next round catches up
            log.exception("outbox pruning failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), interval)


async def run_outbox_worker(
    sender: OutboxSender, *, stop_event: asyncio.Event, wake: asyncio.Event | None = None
) -> None:
    """Deliver until `stop_event`; sleeps until the next due message, a wake-up, or the poll interval."""
    wake = wake or asyncio.Event()
    while not stop_event.is_set():
        wake.clear()
        delay = sender.policy.poll_interval
        try:
            await sender.clock.refresh()
            tried = await sender.deliver_due()
            delay = 0.0 if tried >= sender.policy.batch else await sender.next_due_in()
        except Exception:  # the database or clock source is away: try again later
            log.exception("outbox delivery round failed")
        if delay > 0:
            stopping = asyncio.ensure_future(stop_event.wait())
            woken = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait({stopping, woken}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                woken.cancel()


@asynccontextmanager
async def outbox_delivery(
    *,
    url: str | None,
    secret: str | None,
    clock: Clock,
    hub: LiveHub | None = None,
    retention: timedelta = DEFAULT_RETENTION,
) -> AsyncIterator[None]:
    """For as long as the app runs: prune the outbox, and deliver it when OUTBOUND_WEBHOOK_URL is set."""
    if url is not None and not secret:
        raise RuntimeError("OUTBOUND_WEBHOOK_URL is set but OUTBOUND_WEBHOOK_SECRET is not")
    stop = asyncio.Event()
    pruner = asyncio.create_task(run_pruner(clock, retention, stop_event=stop), name="outbox-pruner")
    try:
        if url is None:
            yield
            return
        async with _delivering(url=url, secret=secret or "", clock=clock, hub=hub):
            yield
    finally:
        stop.set()
        await pruner


@asynccontextmanager
async def _delivering(*, url: str, secret: str, clock: Clock, hub: LiveHub | None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    wake = asyncio.Event()

    def on_change(change: Change) -> None:
        if change.kind == ChangeKind.PREMIUM:
            wake.set()

    async with httpx.AsyncClient(follow_redirects=False) as http:
        sender = OutboxSender(clock=clock, url=url, secret=secret, http=http)
        with hub.observe(on_change) if hub is not None else contextlib.nullcontext():
            task = asyncio.create_task(
                run_outbox_worker(sender, stop_event=stop, wake=wake), name="outbox-worker"
            )
            try:
                yield
            finally:
                stop.set()
                await task
