"""Every Stripe request of the process, paced and retried the way Stripe asks.

Stripe allows so many requests per second per account (100 live, 25 in test
mode), shared by every replica, and 25 per second per endpoint; over that it
answers 429 ``rate_limit``. A write to an object another request holds can
answer 429 ``lock_timeout``, a request whose idempotency key is still running
409 ``idempotency_key_in_use``, and any answer may carry
``Stripe-Should-Retry``. Stripe's advice ("Rate limits", "Advanced error
handling"): pace your own traffic with a token bucket on the client side,
retry 429s with exponential backoff and jitter, and throttle back when you
are being limited. This module does that once, below billing, for every call:

- `Pacer`: at most `rate` requests per second for the whole process (one
  pacer per rate, shared by every client built with it), spaced evenly and
  first come first served, except that what a user is waiting on goes first:
  work done `in_background()` (webhook handling) books a slot only when one
  is free within 50 ms, and holds back for a second after Stripe answers 429
  rate_limit, so a burst of handlers can neither queue a checkout behind
  them nor spend the account's second it retries in. A 429
  ``rate_limit`` drops the pace at once to what Stripe took from this process
  in the last second (at most half, at most one cut a second) and it creeps
  back to the ceiling, so a process that shares the account with others
  settles near its share of the limit.
- `PacedHTTPXClient`: the SDK's own HTTP client with its own retry loop
  (`max_network_retries`), which already keeps a request's idempotency key
  across attempts (the SDK makes the key before its loop, so a retried POST
  can never charge twice), honours ``Stripe-Should-Retry``, and retries 409s,
  5xx and connection errors (those once). Added to it: every attempt waits for the pacer;
  a 429 is retried too (the SDK leaves rate limits to the integration, Stripe's
  SDK maintainers' choice, because only the integration can slow down); the
  delay follows billing's one backoff rule; and a call with a time budget
  (`budget`, set by `billing.stripe.calls.call` for what a user waits on)
  does not start a wait or a retry that cannot finish within it.
- `transient`: whether a failure was Stripe asking to come back later (a 429
  or a 409), so the webhook inbox puts such an event back instead of failing it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import orjson
import stripe

from billing.backoff import Backoff
from billing.stripe.endpoints import endpoint_of
from billing.telemetry import telemetry

#: The delay before the n-th retry: the SDK's own schedule (0.5 s doubling to 5 s), jittered ±25 %.
RETRY_BACKOFF = Backoff(timedelta(seconds=0.5), 2.0, timedelta(seconds=5), jitter=0.25)
#: Retries of one request at most (the budget of a user-facing call usually ends them sooner).
MAX_RETRIES = 4
#: Retries after a connection error or timeout: one, as before pacing (Stripe may be down; the
#: retries above are for Stripe saying "later").
CONNECTION_RETRIES = 1
#: Time an attempt needs at least; a retry that cannot get this before the budget ends is not made.
MIN_ATTEMPT_SECONDS = 0.25
#: After a cut the pace climbs back by this share of the ceiling per second (full in 10 s from half).
RECOVERY_PER_SECOND = 0.05
#: After a 429 rate_limit, background calls wait this long: users' calls (and their retries) first.
BACKGROUND_PAUSE_SECONDS = 1.0
#: How far ahead a background call may book its slot: what a user's call may wait behind them.
BACKGROUND_LOOKAHEAD_SECONDS = 0.05

_deadline: ContextVar[float | None] = ContextVar("stripe_deadline", default=None)
_planned_delay: ContextVar[float | None] = ContextVar("stripe_planned_delay", default=None)
_background: ContextVar[bool] = ContextVar("stripe_background", default=False)


class PaceTimeout(TimeoutError):
    """No request slot before the call's budget ends (the pace is taken by other calls)."""


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Calls made inside have `seconds` in all, pacing and retries included (monotonic time)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def in_background() -> Iterator[None]:
    """Calls made inside yield the pace to calls a user is waiting on (see `Pacer.wait`)."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


class Pacer:
    """At most `rate` requests per second, evenly spaced; slows down when Stripe says 429."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.ceiling = float(rate)
        self.floor = min(self.ceiling, 1.0)
        self._clock = clock
        self._next = -math.inf  # when the next request may start
        self._cut_to = self.ceiling  # the pace right after the last cut
        self._cut_at = -math.inf
        self._limited_at = -math.inf  # Stripe's last 429 rate_limit
        self._answered: deque[float] = deque()  # when Stripe answered without a 429, the last second
        self._turns: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def rate(self, now: float | None = None) -> float:
        """The pace now: the ceiling, or recovering toward it since the last 429."""
        now = self._clock() if now is None else now
        recovered = self._cut_to + (now - self._cut_at) * self.ceiling * RECOVERY_PER_SECOND
        return min(self.ceiling, recovered)

    def reserve(self, deadline: float | None = None) -> float:
        """Take the next slot; return how long to wait for it. `PaceTimeout` if it is past `deadline`."""
        now = self._clock()
        start = max(now, self._next)
        if deadline is not None and start + MIN_ATTEMPT_SECONDS > deadline:
            raise PaceTimeout(f"no Stripe request slot within the time left ({self.rate(now):.1f}/s pace)")
        self._next = start + 1.0 / self.rate(now)
        return start - now

    async def wait(self, deadline: float | None = None, *, background: bool = False) -> None:
        """Wait for this request's slot. A foreground call books the next slot at once (behind other
        foreground calls only). A background call waits its turn among background calls, then books
        a slot only once it is free within `BACKGROUND_LOOKAHEAD_SECONDS`: a foreground call arriving
        meanwhile books the next one, so it waits at most that (and one interval) for background
        work however much of it is queued."""
        if not background:
            delay = self.reserve(deadline)
            telemetry().stripe_paced(delay)
            if delay > 0:
                await asyncio.sleep(delay)
            return
        started = self._clock()
        async with self._background_turn():
            while (delay := self._background_start() - self._clock()) > BACKGROUND_LOOKAHEAD_SECONDS:
                if deadline is not None and self._background_start() + MIN_ATTEMPT_SECONDS > deadline:
                    raise PaceTimeout(
                        f"no Stripe request slot within the time left ({self.rate():.1f}/s pace)"
                    )
                await asyncio.sleep(delay - BACKGROUND_LOOKAHEAD_SECONDS)
            delay = self.reserve(deadline)
        # Booked a moment ahead and slept outside the turn: how late the event loop wakes a sleeper
        # is not added to every background slot (serialised, it cut the pace to half in the S6 bench).
        if delay > 0:
            await asyncio.sleep(delay)
        telemetry().stripe_paced(self._clock() - started)

    def _background_start(self) -> float:
        """The earliest a background call may start: the next free slot, and not within
        `BACKGROUND_PAUSE_SECONDS` of Stripe's last 429 rate_limit (the account's second is spent:
        what is left of it, and of the next, is for the calls users wait on and their retries)."""
        return max(self._next, self._limited_at + BACKGROUND_PAUSE_SECONDS)

    def _background_turn(self) -> asyncio.Lock:
        """The lock background calls queue on, in order; one per event loop (a pacer outlives loops
        in tests, and an asyncio lock belongs to the loop it first waited in)."""
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, asyncio.Lock())
        return self._turns[1]

    def answered(self) -> None:
        """Stripe took a request (any answer but a 429 rate_limit): what the account lets us do."""
        now = self._clock()
        self._answered.append(now)
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()

    def slow_down(self) -> None:
        """Stripe rate limited us: drop to what it took from us in the last second, at most half the
        pace (once a second at most: one burst of 429s is one signal), then creep back up."""
        now = self._clock()
        self._limited_at = now
        if now - self._cut_at < 1.0:
            return
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()
        self._cut_to = max(self.floor, min(self.rate(now) / 2, float(len(self._answered))))
        self._cut_at = now


_pacers: dict[tuple[float, str | None], Pacer] = {}
#: Endpoints paced one by one at most (the gateway calls a few dozen); past it they share a pace.
MAX_ENDPOINT_PACERS = 500


def shared_pacer(rate: float, endpoint: str | None = None) -> Pacer:
    """The process's pacer for `rate` (of one `endpoint`, or of all requests): every client built
    with the same rate shares it."""
    key = (rate, endpoint)
    pacer = _pacers.get(key)
    if pacer is None:
        if endpoint is not None and len(_pacers) >= MAX_ENDPOINT_PACERS:
            key = (rate, "other")  # one pace for every endpoint past the bound
            pacer = _pacers.get(key)
            if pacer is not None:
                return pacer
        pacer = _pacers[key] = Pacer(rate)
    return pacer


def error_code(body: Any) -> str | None:
    """``error.code`` of a Stripe error body (bytes or str), if it has one."""
    try:
        error = orjson.loads(body).get("error")
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return None
    return error.get("code") if isinstance(error, dict) else None


def retry_reason(status: int | None, headers: Mapping[str, str] | None, body: Any) -> str | None:
    """Why Stripe's answer may be retried (a metrics label), or None."""
    advice = (headers or {}).get("stripe-should-retry")
    if advice == "false" or status is None:
        return None
    if status == 429:
        return error_code(body) or "rate_limit"
    if status == 409:
        return error_code(body) or "conflict"
    if advice == "true":
        return "should_retry"
    if status >= 500:
        return "server_error"
    return None


def transient(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) is Stripe saying "later": a 429 or a 409, or a call that ran
    out of pace. Such work is worth doing again soon and is no sign of a bad request."""
    return transient_cause(exc) is not None


def transient_cause(exc: BaseException | None) -> BaseException | None:
    """The 429/409 Stripe error (or `PaceTimeout`) in `exc`'s chain of causes, if there is one."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, PaceTimeout):
            return exc
        if isinstance(exc, stripe.StripeError) and exc.http_status in (409, 429):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


class PacedHTTPXClient(stripe.HTTPXClient):
    """`stripe.HTTPXClient` whose attempts wait for `pacer` (all requests) and for their endpoint's
    pacer (`endpoint_rate` a second each, Stripe's per-endpoint limit), and whose retries include
    429s."""

    def __init__(self, *, pacer: Pacer, endpoint_rate: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer
        self.endpoint_rate = endpoint_rate

    def _pacers(self, method: str, url: str) -> list[Pacer]:
        if self.endpoint_rate is None:
            return [self.pacer]
        return [shared_pacer(self.endpoint_rate, endpoint_of(method, url)), self.pacer]

    async def _wait(self, pacers: list[Pacer]) -> None:
        # The endpoint's slot first: a slot of the whole pace is not held while waiting for it.
        for pacer in pacers:
            await pacer.wait(_deadline.get(), background=_background.get())

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Any]:
        pacers = self._pacers(method, url)
        await self._wait(pacers)
        response = await super().request_async(method, url, headers, post_data)
        for pacer in pacers:
            if response[1] != 429:
                pacer.answered()
            elif error_code(response[0]) in ("rate_limit", None):  # a lock_timeout is one object's
                pacer.slow_down()  # the account's limit or the endpoint's: Stripe does not say which
        return response

    async def request_stream_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[Any, int, Any]:
        await self._wait(self._pacers(method, url))
        return await super().request_stream_async(method, url, headers, post_data)

    def _should_retry(
        self,
        response: tuple[Any, int, Mapping[str, str] | None] | None,
        api_connection_error: stripe.APIConnectionError | None,
        num_retries: int,
        max_network_retries: int | None,
    ) -> bool:
        if response is None and num_retries >= CONNECTION_RETRIES:
            return False
        retry = super()._should_retry(response, api_connection_error, num_retries, max_network_retries)
        if not retry and response is not None and response[1] == 429:
            advice = (response[2] or {}).get("stripe-should-retry")
            retry = advice != "false" and num_retries < (max_network_retries or 0)
        if not retry:
            return False
        delay = RETRY_BACKOFF.seconds(num_retries + 1)
        deadline = _deadline.get()
        if deadline is not None and time.monotonic() + delay + MIN_ATTEMPT_SECONDS > deadline:
            return False  # the retry could not finish in time: give the caller the answer now
        _planned_delay.set(delay)
        reason = "connection_error" if response is None else retry_reason(*_parts(response))
        telemetry().stripe_retry(reason or "other")
        return True

    def _sleep_time_seconds(self, num_retries: int) -> float:
        planned = _planned_delay.get()
        _planned_delay.set(None)
        return planned if planned is not None else RETRY_BACKOFF.seconds(num_retries)


def _parts(response: tuple[Any, int, Mapping[str, str] | None]) -> tuple[int, Mapping[str, str] | None, Any]:
    body, status, headers = response
    return status, headers, body
