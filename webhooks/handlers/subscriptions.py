"""customer.subscription.* and subscription_schedule.*: mirror Stripe's current subscription
(and with it, premium, a scheduled plan change and the trial end)."""

from __future__ import annotations

from billing.notifications import changes as notifications
from billing.reversals import cancel_if_duplicate
from billing.services import Services
from billing.stripe import objects as so
from billing.subscriptions import sync_subscription
from webhooks.event import Handler, StripeEvent


async def on_subscription(event: StripeEvent, services: Services) -> None:
    row = await sync_subscription(services, event.object["id"])
    await cancel_if_duplicate(services, row)  # DESIGN: one live subscription per user


async def on_trial_will_end(event: StripeEvent, services: Services) -> None:
    """Three days before a trial ends (DESIGN "Trials"): the outbound notification reminds the user."""
    row = await sync_subscription(services, event.object["id"])
    if row is None or row.trial_end is None:
        return  # ended already, or the trial was cut short since
    await notifications.trial_will_end(
        row.user_id, row.trial_end, str(row.product_type), services.clock.now()
    )


async def on_schedule(event: StripeEvent, services: Services) -> None:
    """A schedule (a PERIOD_END plan change) was made, changed, released, cancelled or ran out:
    the subscription's row shows what is scheduled now."""
    schedule = event.object
    subscription_id = so.obj_id(schedule.get("subscription")) or so.obj_id(
        schedule.get("released_subscription")
    )
    if subscription_id:
        await sync_subscription(services, subscription_id)


HANDLERS: dict[str, Handler] = {
    "customer.subscription.created": on_subscription,
    "customer.subscription.updated": on_subscription,
    "customer.subscription.deleted": on_subscription,
    # A plan change waiting for its payment (`payment_behavior=pending_if_incomplete`) applied,
    # or given up after 23 hours: the row shows the price in effect.
    "customer.subscription.pending_update_applied": on_subscription,
    "customer.subscription.pending_update_expired": on_subscription,
    "customer.subscription.trial_will_end": on_trial_will_end,
    **{
        f"subscription_schedule.{what}": on_schedule
        for what in ("created", "updated", "released", "canceled", "completed", "aborted")
    },
}
