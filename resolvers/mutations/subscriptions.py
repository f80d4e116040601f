"""`cancelSubscription` (at period end) and `reactivateSubscription` (undo a pending cancel).

Thin: the viewer, the input as billing's `CancelRequest`, billing's answer (the
subscription as Stripe now holds it) or its `BillingError` as the payload.
"""

from __future__ import annotations

from strawberry.types import Info

from billing.errors import BillingError
from billing.subscriptions import actions as subscription_actions
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.mutation_io import CancelSubscriptionInput, SubscriptionPayload
from schema.types.subscription import subscription_from_row


async def cancel_subscription(
    info: Info,
    input: CancelSubscriptionInput | None = None,
) -> SubscriptionPayload:
    context = info.context
    viewer = context.require_viewer()
    request = subscription_actions.CancelRequest(
        reason=input.reason if input else None,
        feedback=input.feedback if input else None,
    )
    try:
        row = await subscription_actions.cancel_subscription(services_of(context), viewer.user_id, request)
    except BillingError as error:
        return SubscriptionPayload(user_errors=user_errors_from(error))
    return SubscriptionPayload(subscription=subscription_from_row(row))


async def reactivate_subscription(info: Info) -> SubscriptionPayload:
    context = info.context
    viewer = context.require_viewer()
    try:
        row = await subscription_actions.reactivate_subscription(services_of(context), viewer.user_id)
    except BillingError as error:
        return SubscriptionPayload(user_errors=user_errors_from(error))
    return SubscriptionPayload(subscription=subscription_from_row(row))
