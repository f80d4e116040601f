"""Stripe's limits around every ``/v1`` request: rate limits, lock timeouts, latency, idempotency.

Why: a client that works against an instant, unlimited Stripe can still fail
against the real one, which answers in 100-300 ms, refuses bursts with 429s,
makes a write wait for (and give up on) an object another request holds, and
has precise rules about what an idempotency key remembers.  This module plays
those rules around each API handler (:func:`serve`, called once by
:mod:`.api`); the control API (``/_sandbox/limits``) switches them on.  All of
it is off by default, and ``/_sandbox/reset`` switches it off again.

Stripe's rules played here (its "Rate limits", "Idempotent requests",
"Advanced error handling" and "Error codes" pages):

- Rate limits: so many requests per second for the account, and per endpoint,
  where an endpoint is a named operation (``GET /v1/invoices/{id}`` for any id
  is one).  Over the limit: 429 with code ``rate_limit``.  The limiter runs
  before the idempotency layer, so a limited request keeps no result.  Counted
  over any one-second window of real time.
- Object lock timeouts: a write to an object another request or Stripe process
  holds gives up with 429, code ``lock_timeout``, after a wait; Stripe's SDKs
  retry it (stripe-python because the answer says ``Stripe-Should-Retry: true``).
  The control API makes the next N writes naming an object time out.
- Idempotency: a result is kept for 24 hours (sandbox time) and only once the
  endpoint began executing: a request that failed parameter validation keeps
  none, nor one that arrived while another with the same key was still
  running, which is refused with 409 ``idempotency_key_in_use``.
- Latency: every answer takes ``latency_ms`` (± ``latency_jitter_ms``), during
  which the request is in flight (so a retry with its key meets it).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from starlette.responses import Response

from .errors import StripeError, idempotency_mismatch, invalid

if TYPE_CHECKING:
    from .core import Sandbox

#: How long an idempotency key's result is kept (sandbox seconds): Stripe's 24 hours.
IDEMPOTENCY_TTL = 24 * 3600
#: Results kept at most, newest first (a memory bound far above any test's or benchmark's volume).
IDEMPOTENCY_LIMIT = 50_000
#: The window the per-second limits count in (real seconds).
WINDOW = 1.0

_WRITES = frozenset({"POST", "DELETE"})

RATE_LIMIT_MESSAGE = (
    "Too many requests hit the API too quickly ({detail}). We recommend an exponential backoff of "
    "your requests."
)
LOCK_TIMEOUT_MESSAGE = (
    "This object cannot be accessed right now because another API request or Stripe process is "
    "currently accessing it. If you see this error intermittently, retry the request. If you see this "
    "error frequently and are making multiple concurrent requests to a single object, make your "
    "requests serially or at a lower rate."
)
IN_USE_MESSAGE = (
    "The idempotency key provided is currently being used in another request. This occurs if your "
    "integration is making duplicate requests simultaneously."
)


def rate_limited(detail: str) -> StripeError:
    return StripeError(RATE_LIMIT_MESSAGE.format(detail=detail), status=429, code="rate_limit")


def lock_timeout() -> StripeError:
    return StripeError(LOCK_TIMEOUT_MESSAGE, status=429, code="lock_timeout")


def key_in_use() -> StripeError:
    return StripeError(IN_USE_MESSAGE, status=409, code="idempotency_key_in_use")


@dataclass
class Execution:
    """What running the endpoint produced; ``keep``: whether an idempotency key remembers it."""

    status: int
    body: bytes
    keep: bool


@dataclass
class Limits:
    """The switches (``/_sandbox/limits``) and what they have done so far."""

    requests_per_second: int | None = None
    per_endpoint_per_second: int | None = None
    latency_ms: int | None = None
    latency_jitter_ms: int | None = None
    lock_timeouts: dict[str, int] = field(default_factory=dict)
    answered: Counter[str] = field(default_factory=Counter)  # error code -> answers given
    requests: int = 0  # /v1 requests admitted by the rate limiter
    in_flight: set[str] = field(default_factory=set)  # idempotency keys being executed
    _account: deque[float] = field(default_factory=deque)
    _endpoints: dict[str, deque[float]] = field(default_factory=dict)

    # -- the control API --------------------------------------------------------
    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Apply the keys present in ``body``; ``null`` switches a limit off."""
        known = {"requests_per_second", "per_endpoint_per_second", "latency_ms", "latency_jitter_ms"}
        unknown = set(body) - known - {"lock_timeout"}
        if unknown:
            raise invalid(f"Unknown key(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
        for key in sorted(known & set(body)):
            value = body[key]
            least = 0 if key.startswith("latency") else 1
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
                raise invalid(f"{key} must be an integer >= {least}, or null", param=key)
        if "lock_timeout" in body:
            lock = body["lock_timeout"]
            if not isinstance(lock, dict) or set(lock) != {"object", "count"}:
                raise invalid('lock_timeout must be {"object": id, "count": N}', param="lock_timeout")
            object_id, count = lock["object"], lock["count"]
            if not isinstance(object_id, str) or not object_id:
                raise invalid("lock_timeout.object must be an object id", param="lock_timeout.object")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise invalid("lock_timeout.count must be an integer >= 0", param="lock_timeout.count")
            if count:
                self.lock_timeouts[object_id] = count
            else:
                self.lock_timeouts.pop(object_id, None)
        for key in sorted(known & set(body)):
            setattr(self, key, body[key])
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests_per_second": self.requests_per_second,
            "per_endpoint_per_second": self.per_endpoint_per_second,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.jitter_ms(),
            "lock_timeouts": dict(self.lock_timeouts),
            "requests": self.requests,
            "in_flight": len(self.in_flight),
            "answered": {
                code: self.answered[code] for code in ("rate_limit", "lock_timeout", "idempotency_key_in_use")
            },
        }

    # -- the rules --------------------------------------------------------------
    def admit(self, operation: str, now: float | None = None) -> None:
        """Count the request, or refuse it with a 429 ``rate_limit`` (it then counts for nothing)."""
        now = time.monotonic() if now is None else now
        account = _trim(self._account, now)
        endpoint = _trim(self._endpoints.setdefault(operation, deque()), now)
        if self.requests_per_second is not None and len(account) >= self.requests_per_second:
            raise rate_limited(f"at most {self.requests_per_second} requests per second for this account")
        if self.per_endpoint_per_second is not None and len(endpoint) >= self.per_endpoint_per_second:
            raise rate_limited(f"at most {self.per_endpoint_per_second} requests per second to {operation}")
        account.append(now)
        endpoint.append(now)
        self.requests += 1

    def check_lock(self, method: str, names: list[Any]) -> None:
        """A write naming an object the control API locked times out (and uses up one of its count)."""
        if method not in _WRITES or not self.lock_timeouts:
            return
        for name in names:
            if isinstance(name, str) and name in self.lock_timeouts:
                left = self.lock_timeouts[name] - 1
                if left:
                    self.lock_timeouts[name] = left
                else:
                    del self.lock_timeouts[name]
                raise lock_timeout()

    def jitter_ms(self) -> int | None:
        if self.latency_ms is None:
            return None
        return self.latency_jitter_ms if self.latency_jitter_ms is not None else self.latency_ms // 5

    async def pause(self) -> None:
        """Take as long as Stripe would to answer: ``latency_ms`` ± ``latency_jitter_ms``."""
        if not self.latency_ms:
            return
        jitter = self.jitter_ms() or 0
        await asyncio.sleep(max(0.0, self.latency_ms + random.uniform(-jitter, jitter)) / 1000)


def _trim(window: deque[float], now: float) -> deque[float]:
    while window and window[0] <= now - WINDOW:
        window.popleft()
    return window


# -- idempotency ----------------------------------------------------------------------------


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps([method, path, params], option=orjson.OPT_SORT_KEYS)).hexdigest()


def recall(sb: Sandbox, key: str, print_: str) -> dict[str, Any] | None:
    """The kept result for ``key`` (None if none, or older than 24 hours); 400 if the request differs."""
    seen = sb.store.idempotency.get(key)
    if seen is None:
        return None
    if sb.clock.now() - seen.get("created", sb.clock.now()) >= IDEMPOTENCY_TTL:
        del sb.store.idempotency[key]
        sb.store.touch()
        return None
    if seen["fingerprint"] != print_:
        raise idempotency_mismatch(key)
    return seen


def remember(sb: Sandbox, key: str, print_: str, status: int, body: bytes) -> None:
    store = sb.store.idempotency
    now = sb.clock.now()
    store.pop(key, None)  # re-inserted last: the dict stays oldest first
    store[key] = {"fingerprint": print_, "status": status, "body": body.decode(), "created": now}
    for old in list(store):  # drop what has expired, and the oldest beyond the memory bound
        if now - store[old].get("created", now) < IDEMPOTENCY_TTL and len(store) <= IDEMPOTENCY_LIMIT:
            break
        del store[old]
    sb.store.touch()


# -- one request ----------------------------------------------------------------------------


def _error(exc: StripeError, headers: dict[str, str], answered: Counter[str]) -> Response:
    if exc.code in ("rate_limit", "lock_timeout", "idempotency_key_in_use"):
        answered[exc.code] += 1
    if exc.code == "lock_timeout":
        headers = {**headers, "Stripe-Should-Retry": "true"}
    return Response(orjson.dumps(exc.body()), exc.status, headers=headers, media_type="application/json")


async def serve(
    sb: Sandbox,
    *,
    operation: str,
    method: str,
    path: str,
    params: dict[str, Any],
    path_params: dict[str, Any],
    idempotency_key: str | None,
    headers: dict[str, str],
    execute: Callable[[], Execution],
) -> Response:
    """Run ``execute`` (the endpoint) within Stripe's limits and idempotency rules.

    ``operation`` is the endpoint's name for the per-endpoint limit (``GET
    /v1/invoices/{id}``); ``path`` the concrete path, which with ``method`` and
    ``params`` is what an idempotency key is bound to.
    """
    limits = sb.limits
    print_ = ""
    try:
        limits.admit(operation)
        if idempotency_key:
            if idempotency_key in limits.in_flight:
                raise key_in_use()
            print_ = fingerprint(method, path, params)
            seen = recall(sb, idempotency_key, print_)
            if seen is not None:
                await limits.pause()
                replayed = {**headers, "Idempotent-Replayed": "true"}
                body = seen["body"].encode()
                return Response(body, seen["status"], replayed, media_type="application/json")
    except StripeError as exc:
        await limits.pause()
        return _error(exc, headers, limits.answered)
    if idempotency_key:
        limits.in_flight.add(idempotency_key)
    try:
        await limits.pause()
        try:
            limits.check_lock(method, [*path_params.values(), *params.values()])
        except StripeError as exc:
            return _error(exc, headers, limits.answered)
        done = execute()
        if idempotency_key and done.keep:
            remember(sb, idempotency_key, print_, done.status, done.body)
    finally:
        if idempotency_key:
            limits.in_flight.discard(idempotency_key)
    sb.after_request()
    return Response(done.body, done.status, headers, media_type="application/json")
