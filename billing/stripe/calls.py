"""Calling Stripe from billing: one place that bounds time and names failures.

Every user-facing Stripe call goes through `call`, so a slow, unreachable or
rate-limiting Stripe becomes PAYMENT_PROVIDER_ERROR within
`stripe_timeout_seconds` instead of a hung request, and the operator log says
which call failed and why. The time covers the whole call: waiting for the
process's pace, the attempts and the retries between them
(`billing.stripe.pacing.budget`), so a retry that could not finish in time is
not started and the user hears at once.
`retrieve` is how webhook handlers re-fetch an object as a plain dict;
`retrieve_stamped` also says when that GET started, which a stored copy keeps
so a later event can tell whether it needs asking again (`fetched_after_event`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import quote

import stripe

from billing.errors import PaymentProviderError
from billing.stripe.pacing import budget

T = TypeVar("T")
log = logging.getLogger("billing.stripe")


async def call(operation: str, awaitable: Awaitable[T], *, timeout: float) -> T:
    """Await a Stripe SDK call within `timeout` in all; any Stripe or network failure (or running out of
    time) becomes `PaymentProviderError`, which keeps the Stripe error as its cause."""
    try:
        with budget(timeout):
            async with asyncio.timeout(timeout):
                return await awaitable
    except TimeoutError:
        log.warning("stripe call timed out", extra={"operation": operation, "timeout": timeout})
        raise PaymentProviderError() from None
    except stripe.StripeError as exc:
        log.warning(
            "stripe call failed",
            extra={
                "operation": operation,
                "error_type": type(exc).__name__,
                "stripe_code": getattr(exc, "code", None),
                # Stripe's id for the request; `request_id` is the gateway's own (gateway.request_id).
                "stripe_request_id": getattr(exc, "request_id", None),
                "http_status": getattr(exc, "http_status", None),
            },
        )
        raise PaymentProviderError() from exc
    finally:
        if _fresh_after.get() is not None:
            # This call may have changed Stripe's objects: what this handler fetches from now on
            # must be newer than the change (an answer fetched before it is no longer enough).
            _fresh_after.set(time.monotonic())


# From when (time.monotonic()) a Stripe answer is fresh enough for the event being handled in this
# context: when its delivery arrived, or its handling started. None outside a handler.
_fresh_after: ContextVar[float | None] = ContextVar("stripe_fresh_after", default=None)
# GETs by (client, path, params): when each started (monotonic, and wall clock in epoch ms), and its
# task (running, or done: kept a while).
_fetches: dict[tuple[int, str, str], tuple[float, int, asyncio.Task[dict[str, Any]]]] = {}
KEEP_ANSWERS_SECONDS = 30.0
MAX_KEPT_ANSWERS = 5_000
#: How far apart the wall clocks of the gateway's replicas may be (NTP keeps them within a few ms;
#: one replica's workers share one clock): a stored copy counts as fetched after an event only if
#: its GET started this much after the event arrived. What the rule needs is a GET begun after Stripe
#: created the event, and a delivery reaches us later than that by Stripe's own delivery time too,
#: so a skew a little past the margin still errs on the safe side. Larger, it would skip nothing in
#: a steady stream: a purchase's events arrive within milliseconds of each other.
CLOCK_MARGIN_MS = 20


def wall_ms() -> int:
    """Now, in epoch milliseconds: the stamp of a GET's start (`retrieve_stamped`)."""
    return time.time_ns() // 1_000_000


def older_than_stored(fetched_ms: int, stored_ms: int) -> bool:
    """Whether an answer whose GET started at `fetched_ms` is older than the one a row holds (GET
    started at `stored_ms`): then it is not written over it. 0: not known, never older."""
    return 0 < fetched_ms < stored_ms


def fetched_after_event(fetched_ms: int) -> bool:
    """Whether a stored copy whose GET started at `fetched_ms` (`retrieve_stamped`) already shows
    Stripe's object as new as the event being handled (and as any change this handler made).

    The event was created at Stripe before it was delivered, so a GET started after the delivery
    arrived answers with that state or a newer one: re-fetching for this event would tell nothing
    new, and whatever changes later sends its own event, which arrives later still. Outside a
    handler, never (there is no event to measure against).
    """
    fresh_after = _fresh_after.get()
    if fresh_after is None or fetched_ms <= 0:
        return False
    arrived_ms = wall_ms() - int((time.monotonic() - fresh_after) * 1000)
    return fetched_ms > arrived_ms + CLOCK_MARGIN_MS


@contextmanager
def handling_started(arrived: float | None = None) -> Iterator[None]:
    """Mark an event's handling: its re-fetches may use a GET started after `arrived` (or now)."""
    token = _fresh_after.set(arrived if arrived is not None else time.monotonic())
    try:
        yield
    finally:
        _fresh_after.reset(token)


async def retrieve(
    client: stripe.StripeClient, collection: str, object_id: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`GET /v1/{collection}/{object_id}` as the plain dict Stripe sent (`retrieve_stamped`)."""
    return (await retrieve_stamped(client, collection, object_id, params))[0]


async def retrieve_stamped(
    client: stripe.StripeClient, collection: str, object_id: str, params: dict[str, Any] | None = None
) -> tuple[dict[str, Any], int]:
    """`GET /v1/{collection}/{object_id}` as the plain dict Stripe sent, and when (`wall_ms`) that
    GET started: the stamp a stored copy keeps (`fetched_after_event`).

    Handlers read plain dicts (`stripe_objects`); the SDK's typed `retrieve_async`
    builds a `StripeObject` tree that `as_dict` then takes apart again, which was
    a third of a webhook's handling time in the S4 profile. Same request
    (`expand[]` and all), retries, metrics and errors (`stripe.StripeError`).

    Shared within a burst: Stripe sends several events about one purchase (two about its
    invoice, two about its subscription), and each handler re-fetches. A handler uses a GET of
    the same object started after its event's delivery arrived here (running, or answered in the
    last `KEEP_ANSWERS_SECONDS`): the event was created at Stripe before it was delivered, so that
    answer is at least as new as the event, which is all a re-fetch promises (any order of
    delivery still converges). A failed GET is not kept. Outside a handler, always a new GET.
    """
    path = f"/v1/{collection}/{quote(object_id, safe='')}"
    key = (id(client), path, repr(sorted((params or {}).items())))
    fresh_after = _fresh_after.get()
    entry = _fetches.get(key)
    if fresh_after is not None and entry is not None and entry[0] >= fresh_after:
        started, started_ms, task = entry
        answered = task.done() and not task.cancelled() and task.exception() is None
        if not task.done() or (answered and time.monotonic() - started < KEEP_ANSWERS_SECONDS):
            return copy.deepcopy(await asyncio.shield(task)), started_ms  # each handler its own dict

    async def fetch() -> dict[str, Any]:
        return (await client.raw_request_async("get", path, **(params or {}))).data

    started_ms = wall_ms()
    task = asyncio.ensure_future(fetch())
    if len(_fetches) >= MAX_KEPT_ANSWERS:
        _fetches.clear()  # a burst this wide re-fetches once more; memory stays bounded
    _fetches[key] = (time.monotonic(), started_ms, task)

    def forget_failure(done: asyncio.Task[dict[str, Any]]) -> None:
        if (done.cancelled() or done.exception()) and key in _fetches and _fetches[key][2] is done:
            del _fetches[key]

    task.add_done_callback(forget_failure)
    return copy.deepcopy(await asyncio.shield(task)), started_ms
