"""Signed webhook delivery: at least once, retried with backoff.

Why: Stripe POSTs each event to every subscribed endpoint with a
``Stripe-Signature: t=…,v1=…`` header (HMAC-SHA256 of ``"{t}.{payload}"``
with the endpoint secret) and retries on non-2xx or timeout.  ``t`` is the
real wall clock, so a receiver's 300 s tolerance holds however far the sandbox
clock was advanced.  Retries are due after a short *real* delay (so tests are
fast) or once the sandbox clock passes Stripe's own retry time, whichever
comes first.  Deliveries are started in event order by a background task, one
at a time by default (tests read a deterministic order), or up to
``concurrency`` at once (control API ``/_sandbox/webhooks/concurrency``): Stripe
itself does not wait for one delivery to be answered before sending the next,
and does not guarantee the order events arrive in (docs.stripe.com/webhooks,
"Event ordering"), so a receiver that scales out meets several deliveries at
once on several connections.  :meth:`Deliverer.flush` attempts everything
pending now.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

log = logging.getLogger("stripe_sandbox.webhooks")

#: Stripe's retry schedule in sandbox seconds (roughly exponential, up to ~3 days).
SANDBOX_RETRY_SCHEDULE = (60, 300, 1800, 3600, 7200, 14400, 28800, 57600, 86400)


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Deliverer:
    """Queue and deliver webhook attempts."""

    def __init__(
        self,
        sb: Sandbox,
        retry_delays: Sequence[float],
        *,
        max_attempts: int = 8,
        timeout: float = 5.0,
    ) -> None:
        self.sb = sb
        self.retry_delays = tuple(retry_delays) or (1.0,)
        self.max_attempts = max_attempts
        self.timeout = timeout
        # Control API: while held, the background task delivers nothing (as when Stripe's
        # deliveries run late); `flush` still delivers. Tests use it to come back before the news.
        self.held = False
        # Control API: how many deliveries may be in flight at once (1: strictly one after another).
        self.concurrency = 1
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None

    # -- queueing ----------------------------------------------------------
    def queue(self, event: dict[str, Any], endpoint: dict[str, Any]) -> None:
        delivery = {
            "id": new_id("wd"),
            "event": event["id"],
            "endpoint": endpoint["id"],
            "seq": self.sb.store.meta_of(event["id"]).get("seq", 0),
            "status": "pending",
            "attempts": [],
            "next_real_at": time.time(),
            "next_sandbox_at": None,
        }
        self.sb.store.deliveries[delivery["id"]] = delivery
        event["pending_webhooks"] += 1
        self.sb.store.touch()
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def pending(self) -> list[dict[str, Any]]:
        items = [d for d in self.sb.store.deliveries.values() if d["status"] == "pending"]
        return sorted(items, key=lambda d: d["seq"])

    def _due(self) -> list[dict[str, Any]]:
        if self.held:
            return []
        now_real, now_sb = time.time(), self.sb.clock.now()
        return [
            d
            for d in self.pending()
            if d["next_real_at"] <= now_real
            or (d["next_sandbox_at"] is not None and d["next_sandbox_at"] <= now_sb)
        ]

    def next_wait(self) -> float:
        pending = self.pending()
        if not pending:
            return 1.0
        soonest = min(d["next_real_at"] for d in pending) - time.time()
        return max(0.0, min(1.0, soonest))

    # -- delivery ------------------------------------------------------------
    async def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def _attempt(self, delivery: dict[str, Any]) -> None:
        store = self.sb.store
        event = store.find("event", delivery["event"])
        endpoint = store.find("webhook_endpoint", delivery["endpoint"])
        if event is None or endpoint is None or endpoint["status"] != "enabled":
            delivery["status"] = "canceled"
            if event is not None:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
            return
        payload = orjson.dumps(event, option=orjson.OPT_INDENT_2)
        secret = store.meta_of(endpoint["id"])["secret"]
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign(payload, secret, timestamp),
        }
        attempt: dict[str, Any] = {
            "at": timestamp,
            "sandbox_at": self.sb.clock.now(),
            "status_code": None,
            "error": None,
        }
        try:
            client = await self._http()
            response = await client.post(endpoint["url"], content=payload, headers=headers)
            attempt["status_code"] = response.status_code
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
            ok = False
        delivery["attempts"].append(attempt)
        count = len(delivery["attempts"])
        if ok or count >= self.max_attempts:
            delivery["status"] = "succeeded" if ok else "failed"
            event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
        else:
            delay = self.retry_delays[min(count - 1, len(self.retry_delays) - 1)]
            delivery["next_real_at"] = time.time() + delay
            sched = SANDBOX_RETRY_SCHEDULE
            delivery["next_sandbox_at"] = self.sb.clock.now() + sched[min(count - 1, len(sched) - 1)]
        store.touch()

    async def _attempt_all(self, deliveries: list[dict[str, Any]]) -> None:
        """Attempt each delivery once: in order, or `concurrency` at a time, started in order."""
        if self.concurrency <= 1:
            for delivery in deliveries:
                await self._attempt(delivery)
            return
        slots = asyncio.Semaphore(self.concurrency)

        async def attempt(delivery: dict[str, Any]) -> None:
            async with slots:
                await self._attempt(delivery)

        await asyncio.gather(*(attempt(d) for d in deliveries))

    async def run_due(self) -> int:
        """Attempt every delivery that is due; return how many were attempted."""
        async with self._lock:
            due = self._due()
            await self._attempt_all(due)
            return len(due)

    async def flush(self) -> dict[str, int]:
        """Attempt every pending delivery now, once, in event order."""
        async with self._lock:
            pending = self.pending()
            await self._attempt_all(pending)
        return {
            "attempted": len(pending),
            "delivered": sum(1 for d in pending if d["status"] == "succeeded"),
            "pending": len(self.pending()),
        }

    async def run_forever(self) -> None:
        """Background loop: deliver due attempts, tick the scheduler every second."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.next_wait())
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                self.sb.tick()
                await self.run_due()
            except Exception:  # the loop must survive any single failure
                log.exception("webhook delivery loop error")
                await asyncio.sleep(0.5)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
