"""The viewer's own entitlement and subscription."""

from __future__ import annotations

from strawberry.types import Info

from billing import read_queries
from billing.premium import rule as premium_rule
from schema.types.premium import Premium, premium_from_state
from schema.types.subscription import Subscription, subscription_from_row


async def premium(info: Info) -> Premium:
    viewer = info.context.require_viewer()
    state = await premium_rule.load_premium(viewer.user_id, info.context.now())
    return premium_from_state(state, viewer.user_id)


async def subscription(info: Info) -> Subscription | None:
    viewer = info.context.require_viewer()
    row = await read_queries.current_subscription(viewer.user_id)
    return subscription_from_row(row) if row else None
