"""`changePlan` (monthly <-> yearly, now or at the period end) and `cancelPlanChange`.

Thin: the viewer, billing's answer (the subscription as Stripe now holds it, and the
PLAN_CHANGE payment of an immediate change) or its `BillingError` as the payload.
"""

from __future__ import annotations

from strawberry.types import Info

from billing.errors import BillingError
from billing.plans import cancel_plan_change as drop_scheduled_change
from billing.plans import change_plan as switch_plan
from resolvers.mutations.services import services_of
from schema.types.errors import user_errors_from
from schema.types.mutation_io import ChangePlanInput, ChangePlanPayload, SubscriptionPayload
from schema.types.payment import build_payments
from schema.types.subscription import subscription_from_row


async def change_plan(info: Info, input: ChangePlanInput) -> ChangePlanPayload:
    context = info.context
    viewer = context.require_viewer()
    try:
        result = await switch_plan(
            services_of(context), viewer.user_id, input.product_type, input.timing, input.idempotency_key
        )
    except BillingError as error:
        return ChangePlanPayload(user_errors=user_errors_from(error))
    payment = (await build_payments([result.payment], context))[0] if result.payment else None
    return ChangePlanPayload(subscription=subscription_from_row(result.subscription), payment=payment)


async def cancel_plan_change(info: Info) -> SubscriptionPayload:
    context = info.context
    viewer = context.require_viewer()
    try:
        row = await drop_scheduled_change(services_of(context), viewer.user_id)
    except BillingError as error:
        return SubscriptionPayload(user_errors=user_errors_from(error))
    return SubscriptionPayload(subscription=subscription_from_row(row))
