"""Clock implementations chosen by the `CLOCK` setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from billing.clock import Clock, SystemClock


class SandboxClock:
    """Follows the Stripe sandbox's clock (`GET /_sandbox/clock`).

    The sandbox's time is real time plus an offset that only changes when a test
    or a developer advances (or resets) it, so we keep the offset and re-read it
    on `refresh()` (once per request or job) rather than on every `now()`.

    The offset is taken exactly from the answer's `offset` (whole seconds, as
    our sandbox reports it). Estimating it from `now` (whole seconds, read
    after a round trip) is off by up to a second plus the trip, and an estimate
    that flips between two neighbouring seconds moves "now" *backwards* within
    one test: a gift taken back a moment after its redemption then kept up to
    a second of access. A sandbox that reports only `now` gets that estimate,
    which moves back only for a jump larger than any trip (a reset).

    The read is short-timed: it runs before every request, and a hung sandbox
    must not add seconds to each one (a mutation must still answer
    PAYMENT_PROVIDER_ERROR about STRIPE_TIMEOUT_SECONDS after it starts). A
    failed read keeps the previous offset (the callers log it).
    """

    READ_TIMEOUT_SECONDS = 1.0
    BACKWARD_JUMP = timedelta(seconds=2)  # estimates only: smaller steps back are read noise

    def __init__(self, api_base: str) -> None:
        self._url = api_base.rstrip("/") + "/_sandbox/clock"
        self._offset = timedelta(0)
        self._client = httpx.AsyncClient(timeout=self.READ_TIMEOUT_SECONDS)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    async def refresh(self) -> None:
        response = await self._client.get(self._url)
        response.raise_for_status()
        answer = response.json()
        if isinstance(answer.get("offset"), int | float):
            self._offset = timedelta(seconds=answer["offset"])
            return
        sandbox_now = datetime.fromtimestamp(answer["now"], UTC)
        estimate = timedelta(seconds=round((sandbox_now - datetime.now(UTC)).total_seconds()))
        if estimate > self._offset + timedelta(seconds=1) or estimate < self._offset - self.BACKWARD_JUMP:
            self._offset = estimate

    async def aclose(self) -> None:
        await self._client.aclose()


def make_clock(kind: str, stripe_api_base: str) -> Clock:
    return SandboxClock(stripe_api_base) if kind == "sandbox" else SystemClock()
