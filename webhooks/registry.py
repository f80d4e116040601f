"""Which handler runs for which Stripe event type.

Handlers follow dj-stripe's layout: one module per event family under
`webhooks/handlers/`, each exporting `HANDLERS: dict[str, Handler]`. A handler
must be idempotent and converge on Stripe's current state (it may re-fetch the
object), because the inbox can run it more than once (redelivery, a retry after
a crash between the handler's commit and the inbox's bookkeeping) and events
arrive in any order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from billing.services import Services


@dataclass(frozen=True)
class StripeEvent:
    """The parts of a verified Stripe event that handlers read."""

    id: str
    type: str
    created: int
    object: dict[str, Any]
    previous_attributes: dict[str, Any] | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> StripeEvent:
        data = payload["data"]
        return cls(
            id=payload["id"],
            type=payload["type"],
            created=int(payload["created"]),
            object=dict(data["object"]),
            previous_attributes=data.get("previous_attributes"),
        )


Handler = Callable[[StripeEvent, Services], Awaitable[None]]


def all_handlers() -> dict[str, Handler]:
    """Every handled event type. Anything else is recorded as IGNORED and acknowledged."""
    from webhooks.handlers import HANDLERS

    return dict(HANDLERS)
