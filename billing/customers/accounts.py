"""Billing customers: one row per user, and exactly one Stripe customer per user.

Two checkouts racing for a new user must not make two Stripe customers. The
Stripe create call carries an idempotency key derived from the user id, so
racers get the same Stripe customer back, and the id is stored with a
conditional UPDATE (`WHERE stripe_customer_id IS NULL`): the loser re-reads the
winner's id. No lock is held across the network call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from models import Customer


async def ensure_customer(user_id: str, now: datetime) -> Customer:
    """The user's billing row, created on first need (race-safe via the unique user_id)."""
    customer = await Customer.get_or_none(user_id=user_id)
    if customer is not None:
        return customer
    try:
        return await Customer.create(user_id=user_id, created_at=now, updated_at=now)
    except IntegrityError:
        return await Customer.get(user_id=user_id)


async def ensure_stripe_customer(services: Services, customer: Customer) -> str:
    """The user's Stripe customer id, creating the Stripe customer at most once."""
    if customer.stripe_customer_id:
        return customer.stripe_customer_id
    created = await call(
        "customers.create",
        services.stripe.v1.customers.create_async(
            params={"metadata": {"user_id": customer.user_id}},
            options={"idempotency_key": f"bg-customer-{customer.user_id}"},
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    stored = await Customer.filter(id=customer.id, stripe_customer_id__isnull=True).update(
        stripe_customer_id=created.id,
        updated_at=services.clock.now(),
        version=F("version") + 1,
    )
    await customer.refresh_from_db()
    # If `stored` is 0 another request stored its id first (the same customer, thanks to the
    # idempotency key, unless Stripe's 24 h key window passed): theirs is kept either way.
    del stored
    return customer.stripe_customer_id or created.id


async def owner_of(obj: dict[str, Any], customer_id: str | None) -> str | None:
    """The user a Stripe object belongs to: its metadata, else the customer's row."""
    user_id = so.metadata(obj).get("user_id")
    if user_id:
        return user_id
    if customer_id:
        return await Customer.filter(stripe_customer_id=customer_id).first().values_list("user_id", flat=True)
    return None
