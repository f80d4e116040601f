"""checkout.session.*: settle the purchase from Stripe's current session."""

from __future__ import annotations

from billing.checkout import settle_session
from billing.reversals import cancel_if_duplicate_of
from billing.services import Services
from billing.stripe.objects import ts
from webhooks.event import Handler, StripeEvent


async def on_session(event: StripeEvent, services: Services) -> None:
    payment = await settle_session(services, event.object["id"], event.type, ts(event.created))
    if payment is not None:  # DESIGN: one live subscription per user (a second one paid ends here)
        await cancel_if_duplicate_of(services, payment.stripe_subscription_id)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_session,
    "checkout.session.expired": on_session,
    "checkout.session.async_payment_succeeded": on_session,
    "checkout.session.async_payment_failed": on_session,
}
