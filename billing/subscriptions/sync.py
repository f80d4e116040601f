"""Keeping the gateway's subscription rows in step with Stripe.

`sync_subscription` re-fetches the subscription and writes what Stripe says
now, so it gives the same rows whatever order (or how often) the
`customer.subscription.*` and checkout events arrive in.

Each write keeps when the GET it came from started (`stripe_synced_at`,
`billing.stripe.calls.retrieve_stamped`): an answer older than the stored one
is not written over it, and an event that arrived before the stored GET began
is answered from the row without asking Stripe again (in a burst, the checkout
session's re-fetch brings the subscription along, and its own events are then
already answered).
"""

from __future__ import annotations

import logging
from typing import Any

from billing.catalog import entries as catalog
from billing.customers.accounts import owner_of
from billing.notifications.access import record_access
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import fetched_after_event, older_than_stored, retrieve, retrieve_stamped
from models import Subscription
from models.enums import CancellationReason, ProductType

log = logging.getLogger("billing.subscriptions.sync")


async def fetch_subscription(services: Services, subscription_id: str) -> dict[str, Any]:
    return await retrieve(services.stripe, "subscriptions", subscription_id)


def _columns(sub: dict[str, Any]) -> dict[str, Any]:
    item = so.subscription_item(sub)
    price = item.get("price") or {}
    entry = catalog.by_lookup_key(price.get("lookup_key") or "")
    product = so.metadata(sub).get("product_type")
    product_type = ProductType(product) if product else (entry.product_type if entry else None)
    if product_type is None:
        raise ValueError(f"subscription {sub['id']}: cannot tell which product it sells")
    details = sub.get("cancellation_details") or {}
    feedback = details.get("feedback")
    return {
        "stripe_customer_id": so.obj_id(sub.get("customer")),
        "stripe_price_id": price.get("id"),
        "product_type": product_type,
        "billing_cycle": catalog.billing_cycle_of(product_type),
        "status": so.subscription_status(sub["status"]),
        "price_amount": int(price.get("unit_amount") or 0),
        "currency": so.currency(price.get("currency") or sub["currency"]),
        "current_period_start": so.ts(item["current_period_start"]),
        "current_period_end": so.ts(item["current_period_end"]),
        "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
        "cancel_at": so.ts(sub.get("cancel_at")),
        "canceled_at": so.ts(sub.get("canceled_at")),
        "ended_at": so.ts(sub.get("ended_at")),
        "cancellation_reason": CancellationReason(feedback.upper()) if feedback else None,
        "cancellation_feedback": details.get("comment"),
        "created_at": so.ts(sub["created"]),
    }


async def apply_subscription(
    services: Services, sub: dict[str, Any], fetched_ms: int = 0
) -> Subscription | None:
    """Write Stripe's current state of `sub` (a dict) to its row; create the row on first sight.

    `fetched_ms`: when the GET (or the call) that answered `sub` started (`retrieve_stamped`); a
    row holding an answer from a later GET is left alone. 0: not known, written as before and
    never taken as fresh enough to skip a re-fetch.
    """
    user_id = await owner_of(sub, so.obj_id(sub.get("customer")))
    if user_id is None:
        log.info("subscription of an unknown customer ignored", extra={"subscription": sub.get("id")})
        return None
    now = services.clock.now()
    row, _ = await Subscription.upsert_versioned(
        {"stripe_subscription_id": sub["id"]},
        _columns(sub),
        on_create={"user_id": user_id, "updated_at": now},
        keep_if=lambda stored: older_than_stored(fetched_ms, stored.stripe_synced_at),
        with_changes={"stripe_synced_at": fetched_ms},
    )
    await record_access(user_id, now)
    return row


async def sync_subscription(services: Services, subscription_id: str) -> Subscription | None:
    """Re-fetch from Stripe and apply: the convergent way every handler updates a subscription.
    In a handler, a row already written from a GET begun after the event arrived is the answer."""
    stored = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
    if stored is not None and fetched_after_event(stored.stripe_synced_at):
        return stored
    sub, fetched_ms = await retrieve_stamped(services.stripe, "subscriptions", subscription_id)
    return await apply_subscription(services, sub, fetched_ms)
