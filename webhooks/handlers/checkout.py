"""checkout.session.*: settle the purchase from Stripe's current session."""

from __future__ import annotations

from billing.fulfilment import settle_session
from billing.services import Services
from billing.stripe_objects import ts
from webhooks.registry import Handler, StripeEvent


async def on_session(event: StripeEvent, services: Services) -> None:
    await settle_session(services, event.object["id"], event.type, ts(event.created))


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_session,
    "checkout.session.expired": on_session,
    "checkout.session.async_payment_succeeded": on_session,
    "checkout.session.async_payment_failed": on_session,
}
