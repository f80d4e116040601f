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
from billing.catalog.prices import entry_of_price
from billing.customers.accounts import owner_of
from billing.notifications import changes as notifications
from billing.notifications.access import record_access
from billing.notifications.changes import ANNOUNCED_SUBSCRIPTION_FIELDS
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import fetched_after_event, older_than_stored, retrieve, retrieve_stamped
from billing.stripe.discounts import SUBSCRIPTION_DISCOUNT_EXPAND, subscription_discount
from models import Subscription
from models.enums import CancellationReason, ProductType

log = logging.getLogger("billing.subscriptions.sync")


# One GET brings what the row shows: the discount (coupon and code) and a PERIOD_END plan change
# waiting in the subscription's schedule (its phases' prices).
SUBSCRIPTION_EXPAND = [*SUBSCRIPTION_DISCOUNT_EXPAND, "schedule"]


async def fetch_subscription(services: Services, subscription_id: str) -> dict[str, Any]:
    return await retrieve(services.stripe, "subscriptions", subscription_id, {"expand": SUBSCRIPTION_EXPAND})


def _product_type_of_price(price: Any) -> ProductType | None:
    if not isinstance(price, dict):
        return None
    entry = catalog.by_lookup_key(price.get("lookup_key") or "")
    return entry.product_type if entry else None


def scheduled_change(sub: dict[str, Any]) -> dict[str, Any]:
    """The columns of a PERIOD_END plan change: the schedule's next phase, when it starts at or
    after the current period's end with another price. Only read from an expanded schedule;
    with the schedule as a bare id (an event's payload) the stored columns are kept."""
    schedule = sub.get("schedule")
    if schedule is None:
        return dict.fromkeys(
            ("stripe_schedule_id", "scheduled_price_id", "scheduled_product_type", "scheduled_at")
        )
    if not isinstance(schedule, dict):
        return {"stripe_schedule_id": schedule}
    current = so.subscription_item(sub).get("price") or {}
    found: dict[str, Any] = dict.fromkeys(("scheduled_price_id", "scheduled_product_type", "scheduled_at"))
    if schedule.get("status") in ("not_started", "active"):
        period_end = so.subscription_item(sub).get("current_period_end") or 0
        for phase in schedule.get("phases") or []:
            items = phase.get("items") or []
            price = items[0].get("price") if items else None
            price_id = so.obj_id(price)
            if (phase.get("start_date") or 0) >= period_end and price_id and price_id != current.get("id"):
                found = {
                    "scheduled_price_id": price_id,
                    "scheduled_product_type": _product_type_of_price(price),
                    "scheduled_at": so.ts(phase["start_date"]),
                }
                break
    return {"stripe_schedule_id": schedule.get("id"), **found}


def _columns(sub: dict[str, Any]) -> dict[str, Any]:
    item = so.subscription_item(sub)
    price = item.get("price") or {}
    # The price in effect says which plan it is (a plan change swaps the price, not the
    # metadata the checkout wrote); the metadata only for a price outside the catalog.
    product = so.metadata(sub).get("product_type")
    product_type = _product_type_of_price(price) or (ProductType(product) if product else None)
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
        "trial_end": so.ts(sub.get("trial_end")) if sub["status"] == "trialing" else None,
        **_discount_column(sub),
        **scheduled_change(sub),
    }


def _discount_column(sub: dict[str, Any]) -> dict[str, Any]:
    """The discount, when the answer shows it (its discounts expanded, or none at all); an answer
    with bare discount ids (an event's payload, an update's answer) leaves the stored one."""
    discounts = sub.get("discounts") or []
    if all(isinstance(d, dict) for d in discounts):
        return {"discount": subscription_discount(sub)}
    return {}


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
    columns = _columns(sub)
    if columns.get("scheduled_price_id") and columns.get("scheduled_product_type") is None:
        entry = await entry_of_price(columns["scheduled_price_id"])  # the phase names its price by id
        columns["scheduled_product_type"] = entry.product_type if entry else None
    before: dict[str, Any] = {}

    def keep(stored: Subscription) -> bool:
        before.update({name: getattr(stored, name) for name in ANNOUNCED_SUBSCRIPTION_FIELDS})
        return older_than_stored(fetched_ms, stored.stripe_synced_at)

    async with notifications.transaction():  # the row and its announcement land together
        row, written = await Subscription.upsert_versioned(
            {"stripe_subscription_id": sub["id"]},
            columns,
            on_create={"user_id": user_id, "updated_at": now},
            keep_if=keep,
            with_changes={"stripe_synced_at": fetched_ms},
        )
        if written and _announced_change(before, row):
            await notifications.subscription_changed(row, now)
    await record_access(user_id, now)
    return row


def _announced_change(before: dict[str, Any], row: Subscription) -> bool:
    """A write changed what `subscription.changed` tells; a new row only when it starts with a
    trial, a discount or a scheduled change (its purchase is announced as premium)."""
    if not before:
        return any(getattr(row, name) is not None for name in ("trial_end", "discount", "scheduled_at"))
    return any(before[name] != getattr(row, name) for name in ANNOUNCED_SUBSCRIPTION_FIELDS)


async def sync_subscription(services: Services, subscription_id: str) -> Subscription | None:
    """Re-fetch from Stripe and apply: the convergent way every handler updates a subscription.
    In a handler, a row already written from a GET begun after the event arrived is the answer."""
    stored = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
    if stored is not None and fetched_after_event(stored.stripe_synced_at):
        return stored
    sub, fetched_ms = await retrieve_stamped(
        services.stripe, "subscriptions", subscription_id, {"expand": SUBSCRIPTION_EXPAND}
    )
    return await apply_subscription(services, sub, fetched_ms)
