"""Card changes: a setup-mode Checkout Session collects a card; the gateway makes it the default.

Stripe does not make a card collected in setup mode anyone's default, so on
that session's completion the gateway sets it on the customer (future
invoices) and on the user's live subscriptions (which may carry their own).
"""

from __future__ import annotations

import logging
from typing import Any

from billing import stripe_objects as so
from billing.services import Services
from models import Subscription
from models.enums import SubscriptionLiveness

log = logging.getLogger("billing.payment_method")


async def apply_new_default(services: Services, session: dict[str, Any]) -> str | None:
    """Make the card of a completed setup session the default; returns the payment method id."""
    if session.get("status") != "complete":
        return None
    setup_intent_id = so.obj_id(session.get("setup_intent"))
    customer_id = so.obj_id(session.get("customer"))
    if not setup_intent_id or not customer_id:
        return None
    intent = so.as_dict(await services.stripe.v1.setup_intents.retrieve_async(setup_intent_id))
    method_id = so.obj_id(intent.get("payment_method"))
    if not method_id:
        return None
    await services.stripe.v1.customers.update_async(
        customer_id, params={"invoice_settings": {"default_payment_method": method_id}}
    )
    live = await Subscription.filter(
        stripe_customer_id=customer_id, status__in=list(SubscriptionLiveness.NOT_ENDED)
    ).values_list("stripe_subscription_id", flat=True)
    for subscription_id in live:
        await services.stripe.v1.subscriptions.update_async(
            subscription_id, params={"default_payment_method": method_id}
        )
    log.info("default payment method changed", extra={"customer": customer_id})
    return method_id
