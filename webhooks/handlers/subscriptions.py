"""customer.subscription.*: mirror Stripe's current subscription (and with it, premium)."""

from __future__ import annotations

from billing.reversals import cancel_if_duplicate
from billing.services import Services
from billing.subscriptions import sync_subscription
from webhooks.event import Handler, StripeEvent


async def on_subscription(event: StripeEvent, services: Services) -> None:
    row = await sync_subscription(services, event.object["id"])
    await cancel_if_duplicate(services, row)  # DESIGN: one live subscription per user


HANDLERS: dict[str, Handler] = {
    "customer.subscription.created": on_subscription,
    "customer.subscription.updated": on_subscription,
    "customer.subscription.deleted": on_subscription,
}
