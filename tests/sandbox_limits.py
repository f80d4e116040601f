"""Switching Stripe's limits on in the (shared) sandbox for one test, and off again after it.

The sandbox's `/_sandbox/limits` control API sets the account's and the per-endpoint rate limits,
the answer latency and lock timeouts; its answer counts what the limits did (`requests` admitted,
`answered` 429s and 409s). Tests share one sandbox, so a test must leave every limit off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from stripe_sandbox.testing import SandboxServer

OFF = dict.fromkeys(("requests_per_second", "per_endpoint_per_second", "latency_ms", "latency_jitter_ms"))


class SandboxLimits:
    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.locked: set[str] = set()

    async def set(self, **body: Any) -> dict[str, Any]:
        if "lock_timeout" in body:
            self.locked.add(body["lock_timeout"]["object"])
        return await self.sandbox.acontrol("/_sandbox/limits", body)

    async def state(self) -> dict[str, Any]:
        return await self.sandbox.acontrol("/_sandbox/limits")

    async def answered(self, code: str) -> int:
        """How many 429 `rate_limit` / `lock_timeout` or 409 `idempotency_key_in_use` answers so far."""
        return (await self.state())["answered"][code]

    async def off(self) -> None:
        await self.sandbox.acontrol("/_sandbox/limits", OFF)
        for object_id in self.locked:
            unlock = {"lock_timeout": {"object": object_id, "count": 0}}
            await self.sandbox.acontrol("/_sandbox/limits", unlock)
        self.locked.clear()


@asynccontextmanager
async def sandbox_limits(sandbox: SandboxServer, **body: Any) -> AsyncIterator[SandboxLimits]:
    """`body` set for the block (more through `.set`); every limit off again afterwards."""
    limits = SandboxLimits(sandbox)
    try:
        if body:
            await limits.set(**body)
        yield limits
    finally:
        await limits.off()
