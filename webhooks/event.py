"""The verified Stripe event as handlers see it, and the handler signature.

Its own module so that `webhooks.handlers` (which uses it) and `webhooks.registry`
(which imports the handlers) form no cycle.
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
