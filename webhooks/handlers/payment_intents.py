"""payment_intent.*: link intents to their payment and record failed attempts.

A failed attempt inside an open Checkout Session leaves the payment PENDING
(the user may try another card); the failure is recorded for support.
"""

from __future__ import annotations

from billing.payments import record_intent
from billing.services import Services
from webhooks.event import Handler, StripeEvent


async def on_intent(event: StripeEvent, services: Services) -> None:
    await record_intent(services, event.object, failed=event.type == "payment_intent.payment_failed")


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": on_intent,
    "payment_intent.payment_failed": on_intent,
}
