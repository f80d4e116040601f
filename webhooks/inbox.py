"""The webhook inbox: store every verified event, then run its handler at most once at a time.

Lifecycle of a `WebhookEvent` row:

    record()  -> RECEIVED (next_attempt_at = received + grace: the retry loop's safety net);
                 a delivery's new row is inserted already claimed by the worker that answers it
                 (`lease`), so its handler needs no claim of its own
    claim()   -> lease taken (claimed_until = now + lease, attempts + 1); one conditional UPDATE
    process() -> PROCESSED | IGNORED (unknown type)  | FAILED (next_attempt_at = now + backoff)
                 | put back as it was (DEFERRED: Stripe answered 429/409, "later"; due again in
                   seconds, and the claim's attempt is given back, so it never counts toward the
                   retry loop's limit of attempts)

Why this shape:
- The row is written (and committed) before any handler runs, so an event
  Stripe delivered is never lost, and a duplicate delivery finds it.
- The claim is a single `UPDATE … WHERE status IN (RECEIVED, FAILED) AND lease free`,
  so among any number of requests and replicas exactly one runs the handler.
  A claim whose lease ran out (the worker died mid-handler) can be taken over.
- No transaction is held open around the handler: handlers call Stripe over
  the network and open their own short transactions. They are idempotent
  (see `webhooks.registry`), so a crash between the handler's commit and the
  inbox's bookkeeping only means the handler runs once more.
- Bookkeeping after the handler is conditional on still holding the claim, so
  a worker whose lease was taken over cannot overwrite the new owner's result.

Inbox timings (leases, backoff, received/processed times) use the gateway's
clock (`services.clock`), which is the system clock in production; against the
sandbox an advanced clock simply makes pending retries due, as Stripe's do.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from structlog.contextvars import bound_contextvars
from tortoise.expressions import F, Q

from billing.backoff import Backoff
from billing.redaction import redact_text
from billing.services import Services
from billing.stripe import calls as stripe_calls
from billing.stripe import pacing as stripe_pacing
from billing.telemetry import telemetry
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import registry

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_HANDLER_TIMEOUT = 60.0  # seconds; well inside the lease, so a slow handler is not run twice
DEFAULT_GRACE = timedelta(minutes=2)  # an unclaimed RECEIVED row becomes the retry loop's after this
MAX_EVENT_BYTES = 1_048_576
MAX_ERROR_CHARS = 2000

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_FACTOR = 3  # 10 s, 30 s, 90 s, 4.5 min, 13.5 min, 40 min, then the cap
BACKOFF_CAP = timedelta(hours=1)
BACKOFF_JITTER = 0.2  # ±20 %, so replicas that failed together do not retry in lockstep
RETRY_BACKOFF = Backoff(BACKOFF_BASE, BACKOFF_FACTOR, BACKOFF_CAP, BACKOFF_JITTER)
# A handler that met Stripe's limits (429, 409) after the client's own retries: due again in 1-3 s.
DEFER_BACKOFF = Backoff(timedelta(seconds=2), 1, timedelta(seconds=2), jitter=0.5)

_RUNNABLE = (InboxStatus.RECEIVED, InboxStatus.FAILED)
_FINISHED = (InboxStatus.PROCESSED, InboxStatus.IGNORED)
_MAX_ID_CHARS = 128  # WebhookEvent.stripe_event_id / type column width
# Stripe's ids and event types are printable ASCII. Anything else (a NUL, which PostgreSQL
# text cannot hold, or other control characters) would fail the insert with a 5xx that
# Stripe redelivers forever, so it is refused as not an event instead.
_EVENT_ID = re.compile(r"evt_[\x21-\x7e]{1,124}")
_EVENT_TYPE = re.compile(r"[\x21-\x7e]{1,128}")
_MAX_BIGINT = 2**63 - 1


class InvalidEvent(ValueError):
    """A correctly signed body that is not a Stripe event we can store (-> 400, nothing stored)."""


class Outcome(StrEnum):
    """What `process` did; the webhook route reports it as `status`."""

    PROCESSED = "PROCESSED"
    IGNORED = "IGNORED"  # no handler for the type: acknowledged, nothing to do
    FAILED = "FAILED"  # handler raised; recorded and queued for retry with backoff
    DEFERRED = "DEFERRED"  # Stripe said "later" (429, 409): put back as it was, due again shortly
    IN_PROGRESS = "IN_PROGRESS"  # another request/replica holds the claim
    ALREADY_DONE = "ALREADY_DONE"  # PROCESSED or IGNORED earlier; nothing changed
    LOST_CLAIM = "LOST_CLAIM"  # our lease ran out and someone else took the event over


@dataclass(frozen=True)
class ProcessResult:
    outcome: Outcome
    status: InboxStatus  # the row's status as far as this call knows
    error: str | None = None


# -- parsing and recording -------------------------------------------------------------------


def parse_event(payload: bytes, *, max_bytes: int = MAX_EVENT_BYTES) -> dict[str, Any]:
    """Decode and check the fields the inbox and `StripeEvent` rely on.

    Strict on purpose: a signed body that is not an event (or confuses types)
    would otherwise fail later, inside a handler, where it is retried forever.
    """
    if len(payload) > max_bytes:
        raise InvalidEvent(f"event body larger than {max_bytes} bytes")
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"body is not valid JSON ({exc.msg})") from None
    if not isinstance(event, dict):
        raise InvalidEvent("event must be a JSON object")
    event_id, event_type, created, data = (event.get(k) for k in ("id", "type", "created", "data"))
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise InvalidEvent("`id` must be evt_ and printable ASCII (at most 128 characters)")
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise InvalidEvent("`type` must be non-empty printable ASCII (at most 128 characters)")
    if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created <= _MAX_BIGINT:
        raise InvalidEvent("`created` must be an integer (unix seconds)")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise InvalidEvent("`data.object` must be a JSON object")
    previous = data.get("previous_attributes")
    if previous is not None and not isinstance(previous, dict):
        raise InvalidEvent("`data.previous_attributes` must be a JSON object when present")
    return event


async def record(
    payload: bytes,
    *,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    max_bytes: int = MAX_EVENT_BYTES,
    lease: timedelta | None = None,
) -> tuple[WebhookEvent, bool]:
    """Store a verified event by its Stripe id; return the row and whether it was new.

    One statement for a new event (`INSERT … ON CONFLICT DO NOTHING`); a
    duplicate, or the loser of two requests inserting the same new event at
    once, gets the existing row, untouched. The raw body is kept verbatim (the
    signed bytes), which is what `replay` and audits want.

    `lease`: the new row is inserted claimed (`claimed_until = now + lease`, one attempt), as
    `claim` would leave it, for the caller to run at once with `process(..., held=...)`: one
    UPDATE (and commit) fewer per event. Nothing else can take it before the lease runs out,
    which is also when the retry loop would (the grace); a duplicate gets the existing row.
    """
    event = parse_event(payload, max_bytes=max_bytes)
    claimed = {} if lease is None else {"claimed_until": now + lease, "attempts": 1}
    row = await WebhookEvent.create_if_absent(
        stripe_event_id=event["id"],
        type=event["type"],
        payload=payload.decode("utf-8"),
        stripe_created=event["created"],
        status=InboxStatus.RECEIVED,
        received_at=now,
        next_attempt_at=now + grace,
        **claimed,
    )
    if row is None:  # delivered before, or inserted concurrently by another request
        return await WebhookEvent.get(stripe_event_id=event["id"]), False
    return row, True


async def record_event(
    event: Mapping[str, Any], *, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> tuple[WebhookEvent, bool]:
    """`record` for an event fetched from Stripe's API (reconciliation), not received as a webhook.

    Pass a plain mapping (`stripe.Event.to_dict()`). It goes through the same
    checks and the same unique insert, so a webhook and a reconcile run that
    meet the same event store it once.
    """
    try:
        payload = orjson.dumps(event)
    except TypeError as exc:
        raise InvalidEvent(f"event is not JSON-serialisable ({exc})") from None
    return await record(payload, now=now, grace=grace, max_bytes=max(MAX_EVENT_BYTES, len(payload)))


# -- claiming ----------------------------------------------------------------------------------


def lease_free(now: datetime, lease: timedelta) -> Q:
    """Rows nobody holds: never claimed, lease run out, or a lease from a clock that went back."""
    # A lease further ahead than any we grant means the clock went backwards
    # (e.g. a sandbox reset): treat it as free rather than blocked for days.
    # "Further ahead" leaves a lease's worth of margin: a racing claimer that read
    # its `now` a moment before the winner (or a replica a little behind) sees the
    # winner's lease slightly more than `lease` ahead, and must not take it over.
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_until__gt=now + lease + lease)


async def claim(
    event_pk: int,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    *,
    any_status: bool = False,
    ours: datetime | None = None,
) -> datetime | None:
    """Take the event for `lease` with one conditional UPDATE; return the lease token or None.

    Exactly one of any number of concurrent callers wins. The returned
    `claimed_until` value identifies this claim: the bookkeeping that follows
    only applies while the row still carries it. `attempts` counts claims, so
    a handler that crashed the whole process is counted too. `any_status`
    (replay) also claims PROCESSED/IGNORED events. `ours`: a claim this caller
    already holds (see `record`), renewed if the row still carries it.
    """
    token = now + lease
    free = lease_free(now, lease)
    if ours is not None:
        free |= Q(claimed_until=ours)
    condition = Q(pk=event_pk) & free
    if not any_status:
        condition &= Q(status__in=list(_RUNNABLE))
    updated = await WebhookEvent.filter(condition).update(
        claimed_until=token, attempts=F("attempts") + 1, version=F("version") + 1
    )
    return token if updated == 1 else None


async def release(event_pk: int, token: datetime) -> bool:
    """Give up a claim that was never used (its attempt too): the row is as `record` left it."""
    updated = await WebhookEvent.filter(pk=event_pk, claimed_until=token).update(
        claimed_until=None, attempts=F("attempts") - 1, version=F("version") + 1
    )
    return updated == 1


async def _finish(event_pk: int, token: datetime, **changes: Any) -> bool:
    """Apply the outcome if the claim is still ours (and release it)."""
    updated = await WebhookEvent.filter(pk=event_pk, claimed_until=token).update(
        **changes, claimed_until=None, version=F("version") + 1
    )
    return updated == 1


# -- retries -----------------------------------------------------------------------------------


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` tries (`RETRY_BACKOFF`, billing's one backoff rule)."""
    return RETRY_BACKOFF.delay(attempts, rng)


def describe_error(exc: BaseException) -> str:
    """`Type: message`, truncated, with anything that looks like a key or token redacted.

    A NUL (an exception quoting a key or value from a hostile event) is written
    as `\\x00`: PostgreSQL text cannot hold it, and a failure that cannot be
    recorded would leave the event claimed and answer 503 on every redelivery.
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = redact_text(text).replace("\x00", "\\x00")
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


# -- processing --------------------------------------------------------------------------------


async def process(
    row: WebhookEvent,
    services: Services,
    *,
    lease: timedelta = DEFAULT_LEASE,
    handler_timeout: float = DEFAULT_HANDLER_TIMEOUT,
    force: bool = False,
    arrived: float | None = None,
    held: datetime | None = None,
) -> ProcessResult:
    """Claim the event and run its handler once; record the outcome.

    `held`: the claim `record(..., lease=...)` took for this caller; used as it is while at least
    half of it is left (an event that waited longer renews it with the usual UPDATE).

    `arrived` (time.monotonic(), this process) is when the delivery reached us: a Stripe object
    fetched since then is at least as new as the event, so the handler may use such an answer
    instead of fetching again (`billing.stripe.calls.retrieve`).

    Never raises for a handler's failure (that is recorded as FAILED with a
    backoff); raises only when the database itself fails, in which case the
    lease runs out and the event is retried. `force` (replay) re-runs even a
    PROCESSED or IGNORED event.

    Every log line written meanwhile carries the event's id and type (bound in
    structlog's context variables, whoever called: the route, the retry loop,
    the CLI), and the run is counted by type and outcome (`billing.telemetry`).
    """
    started = time.perf_counter()
    outcome = "error"  # the database failed under us
    with bound_contextvars(event_id=row.stripe_event_id, event_type=row.type):
        try:
            result = await _process(
                row,
                services,
                lease=lease,
                handler_timeout=handler_timeout,
                force=force,
                arrived=arrived,
                held=held,
            )
            outcome = result.outcome.value.lower()
            return result
        finally:
            telemetry().webhook_event(row.type, outcome, time.perf_counter() - started)


async def _process(
    row: WebhookEvent,
    services: Services,
    *,
    lease: timedelta,
    handler_timeout: float,
    force: bool,
    arrived: float | None = None,
    held: datetime | None = None,
) -> ProcessResult:
    now = services.clock.now()
    if held is not None and not force and held - now >= lease / 2:
        token: datetime | None = held
    else:
        token = await claim(row.pk, now, lease, any_status=force, ours=held)
    if token is None:
        current = await WebhookEvent.get(pk=row.pk)
        if current.status in _FINISHED and not force:
            return ProcessResult(Outcome.ALREADY_DONE, current.status)
        return ProcessResult(Outcome.IN_PROGRESS, current.status)

    handler = registry.all_handlers().get(row.type)
    if handler is None:
        await _finish(row.pk, token, status=InboxStatus.IGNORED, processed_at=now, next_attempt_at=None)
        log.info("webhook event ignored", extra={"event_id": row.stripe_event_id, "event_type": row.type})
        return ProcessResult(Outcome.IGNORED, InboxStatus.IGNORED)

    deadline = asyncio.timeout(handler_timeout)
    try:
        event = registry.StripeEvent.from_payload(orjson.loads(row.payload))
        async with deadline:
            # Answers fetched since the delivery arrived are fresh enough; users' own calls go first.
            with stripe_calls.handling_started(arrived), stripe_pacing.in_background():
                await handler(event, services)
    except Exception as exc:
        failure: Exception = exc
        if deadline.expired():  # our deadline, not a TimeoutError the handler raised itself
            failure = TimeoutError(f"handler did not finish within {handler_timeout:g} s")
        elif stripe_pacing.transient(exc):
            return await _defer(row, services, token, exc)
        return await _record_failure(row, services, token, failure)

    done = await _finish(
        row.pk,
        token,
        status=InboxStatus.PROCESSED,
        processed_at=services.clock.now(),
        last_error=None,
        next_attempt_at=None,
    )
    if not done:
        return _lost_claim(row)
    return ProcessResult(Outcome.PROCESSED, InboxStatus.PROCESSED)


async def _record_failure(
    row: WebhookEvent, services: Services, token: datetime, exc: Exception
) -> ProcessResult:
    """FAILED, with the error and the next try; logged with the event id and type (never the body)."""
    error = describe_error(exc)
    current = await WebhookEvent.get(pk=row.pk)  # `attempts` as the claim left it
    retry_in = backoff(current.attempts)
    log.error(
        "webhook handler failed for %s %s (attempt %d); retry in %d s",
        row.type,
        row.stripe_event_id,
        current.attempts,
        retry_in.total_seconds(),
        exc_info=exc,
        extra={"event_id": row.stripe_event_id, "event_type": row.type, "attempts": current.attempts},
    )
    done = await _finish(
        row.pk,
        token,
        status=InboxStatus.FAILED,
        last_error=error,
        next_attempt_at=services.clock.now() + retry_in,
    )
    if not done:
        return _lost_claim(row)
    return ProcessResult(Outcome.FAILED, InboxStatus.FAILED, error)


async def _defer(row: WebhookEvent, services: Services, token: datetime, exc: Exception) -> ProcessResult:
    """Put the event back as it was, due again in a moment: Stripe is limiting us, the event is fine.

    The claim's attempt is given back (`attempts` - 1), so a burst of 429s can never push an event
    past the retry loop's limit of attempts (a poison event), and the status stays RECEIVED (or
    FAILED, with the earlier failure's backoff replaced by this short wait).
    """
    error = describe_error(stripe_pacing.transient_cause(exc) or exc)  # Stripe's own words, not a wrapper's
    retry_in = DEFER_BACKOFF.delay(1)
    log.warning(
        "webhook handler for %s %s met Stripe's rate limits; put back, due again in %.1f s",
        row.type,
        row.stripe_event_id,
        retry_in.total_seconds(),
        extra={"event_id": row.stripe_event_id, "event_type": row.type, "error": error},
    )
    done = await _finish(
        row.pk,
        token,
        attempts=F("attempts") - 1,
        last_error=error,
        next_attempt_at=services.clock.now() + retry_in,
    )
    if not done:
        return _lost_claim(row)
    return ProcessResult(Outcome.DEFERRED, row.status, error)


def _lost_claim(row: WebhookEvent) -> ProcessResult:
    log.warning(
        "webhook event lease lost before bookkeeping; the new owner records the outcome",
        extra={"event_id": row.stripe_event_id, "event_type": row.type},
    )
    return ProcessResult(Outcome.LOST_CLAIM, InboxStatus.RECEIVED)
