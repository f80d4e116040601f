"""Test support: the gateway's billing wired to the Stripe sandbox over real HTTP.

`StripeWorld` holds a running sandbox, the `Services` the gateway would build
for it (its clock follows the sandbox's), and helpers to drive Stripe's side
through the control API and to hand the resulting events to the gateway's own
webhook handlers.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from billing.deps import BillingConfig
from billing.services import Services
from billing.stripe.calls import handling_started
from gateway.clock import SandboxClock
from stripe_sandbox.testing import SandboxServer
from webhooks.registry import StripeEvent, all_handlers

ALLOWED_ORIGIN = "http://localhost:3000"
SUCCESS_URL = f"{ALLOWED_ORIGIN}/premium/success"
CANCEL_URL = f"{ALLOWED_ORIGIN}/premium/cancel"


@dataclass
class StripeWorld:
    sandbox: SandboxServer
    services: Services
    seen: set[str]
    last_seq: int = 0  # the sandbox's number of the newest event fetched so far

    @classmethod
    def start(cls, sandbox: SandboxServer, config: BillingConfig | None = None) -> StripeWorld:
        clock = SandboxClock(sandbox.base_url)
        config = config or BillingConfig(redirect_allowed_origins=(ALLOWED_ORIGIN,), stripe_timeout_seconds=5)
        return cls(sandbox, Services(clock=clock, stripe=sandbox.client(), config=config), set())

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        result = await self.sandbox.acontrol(path, body)
        await self.services.clock.refresh()
        return result

    async def advance(self, seconds: int) -> None:
        await self.control("/_sandbox/clock/advance", {"seconds": seconds})

    async def new_events(self) -> list[dict[str, Any]]:
        """Events Stripe emitted since the last call, oldest first."""
        # Only what came after the last answer: the session's sandbox keeps every test's events.
        listing = await self.sandbox.acontrol("/_sandbox/events", {"after_seq": self.last_seq})
        self.last_seq = max(self.last_seq, listing["last_seq"])
        events = [entry["event"] for entry in listing["data"]]
        events.sort(key=lambda e: (e["created"], e["id"]))
        fresh = [e for e in events if e["id"] not in self.seen]
        self.seen.update(e["id"] for e in fresh)
        return fresh

    async def deliver(self, events: list[dict[str, Any]], *, arrived: float | None = None) -> None:
        """Run the gateway's handler for each event, in the given order. `arrived`: when
        (time.monotonic()) the events reached the gateway, as the inbox tells its handlers: GETs
        started since may be shared, rows written since need none. None: asked of nobody."""
        handlers = all_handlers()
        await self.services.clock.refresh()
        for payload in events:
            handler = handlers.get(payload["type"])
            if handler is None:
                continue
            with handling_started(arrived) if arrived is not None else nullcontext():
                await handler(StripeEvent.from_payload(payload), self.services)

    async def deliver_new(self) -> list[dict[str, Any]]:
        events = await self.new_events()
        await self.deliver(events)
        return events
