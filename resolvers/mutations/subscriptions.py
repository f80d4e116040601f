"""`cancelSubscription` (at period end) and `reactivateSubscription` (undo a pending cancel)."""

from __future__ import annotations

from strawberry.types import Info

from schema.types.mutation_io import CancelSubscriptionInput, SubscriptionPayload


async def cancel_subscription(
    info: Info,
    input: CancelSubscriptionInput | None = None,
) -> SubscriptionPayload:
    raise NotImplementedError("cancelSubscription is not implemented yet")


async def reactivate_subscription(info: Info) -> SubscriptionPayload:
    raise NotImplementedError("reactivateSubscription is not implemented yet")
