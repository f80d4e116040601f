"""Clock implementations chosen by the `CLOCK` setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from billing.clock import Clock, SystemClock


class SandboxClock:
    """Follows the Stripe sandbox's clock (`GET /_sandbox/clock`).

    The sandbox's time is real time plus an offset that only grows when a test
    or a developer advances it, so we keep the offset and re-read it on
    `refresh()` (once per request or job) rather than on every `now()`.

    The read is short-timed: it runs before every request, and a hung sandbox
    must not add seconds to each one (a mutation must still answer
    PAYMENT_PROVIDER_ERROR about STRIPE_TIMEOUT_SECONDS after it starts). A
    failed read keeps the previous offset (the callers log it).
    """

    READ_TIMEOUT_SECONDS = 1.0

    def __init__(self, api_base: str) -> None:
        self._url = api_base.rstrip("/") + "/_sandbox/clock"
        self._offset = timedelta(0)
        self._client = httpx.AsyncClient(timeout=self.READ_TIMEOUT_SECONDS)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    async def refresh(self) -> None:
        response = await self._client.get(self._url)
        response.raise_for_status()
        sandbox_now = datetime.fromtimestamp(response.json()["now"], UTC)
        offset = sandbox_now - datetime.now(UTC)
        # The sandbox reports whole seconds: keep sub-second real time, never go backwards.
        if offset > self._offset + timedelta(seconds=1) or offset < self._offset - timedelta(seconds=1):
            self._offset = timedelta(seconds=round(offset.total_seconds()))

    async def aclose(self) -> None:
        await self._client.aclose()


def make_clock(kind: str, stripe_api_base: str) -> Clock:
    return SandboxClock(stripe_api_base) if kind == "sandbox" else SystemClock()
