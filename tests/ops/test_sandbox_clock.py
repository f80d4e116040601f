"""The gateway's clock under `CLOCK=sandbox` (dev and every end-to-end test).

Why it matters: each request and job re-reads the sandbox's clock. An estimate
that drifted by a second (the sandbox answers in whole seconds, after a round
trip) made "now" step backwards inside one test, and a gift taken back moments
after its redemption kept up to a second of access (a flaky end-to-end test).
"""

from __future__ import annotations

import asyncio
import time

from gateway.clock import SandboxClock
from stripe_sandbox.testing import SandboxServer


async def _offset(sandbox: SandboxServer) -> int:
    return (await sandbox.acontrol("/_sandbox/clock"))["offset"]


async def test_follows_an_advance_to_the_second(sandbox: SandboxServer) -> None:
    clock = SandboxClock(sandbox.base_url)
    try:
        await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 3 * 86400})
        await clock.refresh()
        expected = time.time() + await _offset(sandbox)
        assert abs(clock.now().timestamp() - expected) < 0.2
    finally:
        await clock.aclose()


async def test_never_steps_back_when_answers_arrive_late(sandbox: SandboxServer) -> None:
    """A busy event loop reads each answer late (here 0.7 s): "now" still only moves forward."""
    clock = SandboxClock(sandbox.base_url)
    try:
        await clock.refresh()
        readings = [clock.now()]
        for _ in range(6):
            pending = asyncio.create_task(clock.refresh())
            for _ in range(3):
                await asyncio.sleep(0)  # the request goes out (its answer comes during the block)
            time.sleep(0.7)  # noqa: ASYNC251 - on purpose: the loop is busy while the answer waits
            await pending
            readings.append(clock.now())
        assert readings == sorted(readings), [r.isoformat() for r in readings]
        expected = time.time() + await _offset(sandbox)
        assert abs(clock.now().timestamp() - expected) < 0.2
    finally:
        await clock.aclose()
