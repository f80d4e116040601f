"""Card changes: a setup-mode Checkout Session collects a card; the gateway makes it the default.

`start_card_change` gives the user a Stripe-hosted page (a setup-mode Checkout
Session) that collects a new payment method and sends them back to an allowed
`returnUrl`. Stripe does not make a card collected in setup mode anyone's
default, so on that session's completion (`apply_new_default`, called by
`billing.checkout.fulfilment.settle_session`) the gateway sets it on the customer
(future invoices) and on the customer's live subscriptions (a subscription made
by Checkout carries its own default, which would otherwise keep charging the
old card).

Only a user with a subscription that has not ended may start one: gifts are
one-time payments whose Checkout collects a card each time, so without a
subscription there is no future charge a new card would pay
(NO_ACTIVE_SUBSCRIPTION).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from billing.checkout.payment_method_params import payment_method_params
from billing.checkout.redirects import check_redirect
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.services import Services
from billing.stripe import budget as stripe_budget
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.subscriptions.actions import live_subscription

log = logging.getLogger("billing.checkout.card_change")

CARD_CHANGE = "card_change"
# Stripe statuses of a subscription that will never bill again.
_ENDED_IN_STRIPE = frozenset({"canceled", "incomplete_expired"})


async def start_card_change(services: Services, user_id: str, return_url: str) -> str:
    """The URL of a Stripe-hosted page where the user enters a new card; back to `return_url` after."""
    check_redirect(return_url, services.config.redirect_allowed_origins, ["input", "returnUrl"])
    subscription = await live_subscription(user_id)
    if subscription is None:
        raise BillingError(
            ErrorCode.NO_ACTIVE_SUBSCRIPTION, "There is no subscription whose card could be changed."
        )
    await stripe_budget.spend(services, user_id, services.clock.now())
    metadata = {
        "user_id": user_id,
        "purpose": CARD_CHANGE,
        "subscription_id": subscription.stripe_subscription_id,
    }
    session = await call(
        "checkout.sessions.create(setup)",
        services.stripe.v1.checkout.sessions.create_async(
            params={
                "mode": "setup",
                "customer": subscription.stripe_customer_id,
                "currency": str(subscription.currency).lower(),
                **payment_method_params(services.config),
                "success_url": return_url,
                "cancel_url": return_url,
                "client_reference_id": user_id,
                "metadata": metadata,
                "setup_intent_data": {"metadata": metadata},
            },
            # A fresh key per click: safe SDK retries, and each click may get its own page.
            options={"idempotency_key": f"bg-card-change-{uuid.uuid4().hex}"},
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    if not session.url:
        log.error("setup session without a url", extra={"session": session.id})
        raise PaymentProviderError()
    return session.url


async def apply_new_default(services: Services, session: dict[str, Any]) -> str | None:
    """Make the card of a completed setup session the default; returns the payment method id.

    Converges whatever the delivery order: a redelivered older session whose card
    is older than the customer's current default changes nothing.
    """
    if session.get("status") != "complete":
        return None
    setup_intent_id = so.obj_id(session.get("setup_intent"))
    customer_id = so.obj_id(session.get("customer"))
    if not setup_intent_id or not customer_id:
        return None
    intent = so.as_dict(
        await services.stripe.v1.setup_intents.retrieve_async(
            setup_intent_id, params={"expand": ["payment_method"]}
        )
    )
    method = intent.get("payment_method")
    method_id = so.obj_id(method)
    if not method_id:
        return None
    if await _newer_default_exists(services, customer_id, method):
        log.info("older card change ignored", extra={"customer": customer_id, "payment_method": method_id})
        return None
    await services.stripe.v1.customers.update_async(
        customer_id, params={"invoice_settings": {"default_payment_method": method_id}}
    )
    subscriptions = await services.stripe.v1.subscriptions.list_async(
        params={"customer": customer_id, "status": "all", "limit": 100}
    )
    for sub in subscriptions.data:
        if sub.status in _ENDED_IN_STRIPE or so.obj_id(sub.default_payment_method) == method_id:
            continue
        await services.stripe.v1.subscriptions.update_async(
            sub.id, params={"default_payment_method": method_id}
        )
    log.info("default payment method changed", extra={"customer": customer_id})
    return method_id


async def _newer_default_exists(services: Services, customer_id: str, method: Any) -> bool:
    customer = so.as_dict(await services.stripe.v1.customers.retrieve_async(customer_id))
    current = so.obj_id((customer.get("invoice_settings") or {}).get("default_payment_method"))
    if not current or current == so.obj_id(method) or not isinstance(method, dict):
        return False
    current_method = so.as_dict(await services.stripe.v1.payment_methods.retrieve_async(current))
    return int(current_method.get("created") or 0) > int(method.get("created") or 0)
