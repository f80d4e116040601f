"""A user's open Checkout Sessions: the ones the gateway handed out and nobody paid or let expire.

Why here: a restriction must close them (a restricted user could otherwise pay a
link obtained before it), and checkout keeps at most one open subscription
session per user. Expiring a session in Stripe is what closes it
(`POST /v1/checkout/sessions/{id}/expire`, stripe `SessionService.expire_async`;
Stripe refuses it for a session that is no longer open); Stripe then sends
`checkout.session.expired`, whose handler settles the PENDING row. Here only
`superseded_at` is written: "replaced by a newer checkout", so no later
checkout expires the same session again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.services import Services
from billing.stripe.calls import call
from models import Customer, Payment
from models.enums import PaymentKind, PaymentStatus

log = logging.getLogger(__name__)


async def expire(services: Services, session_id: str) -> bool:
    """Expire one session in Stripe; False if Stripe would not (already paid or expired: its own
    webhook settles the row)."""
    try:
        await call(
            "checkout.sessions.expire",
            services.stripe.v1.checkout.sessions.expire_async(session_id),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        log.info("could not expire session", extra={"session": session_id, "error": repr(exc.__cause__)})
        return False
    return True


@asynccontextmanager
async def user_lock(user_id: str, wait_seconds: float) -> AsyncIterator[Customer]:
    """A transaction holding the user's customer row (SELECT ... FOR UPDATE): the user's checkouts
    are written one after the other, on every replica. On PostgreSQL a request waits at most
    `wait_seconds` for it (`lock_timeout`: the holder makes at most one Stripe call), then gets a
    RATE_LIMITED answer; SQLite has one writer at a time anyway."""
    async with in_transaction() as conn:
        try:
            if conn.capabilities.dialect == "postgres":
                await conn.execute_script(f"SET LOCAL lock_timeout = '{max(1, int(wait_seconds * 1000))}ms'")
            customer = await Customer.select_for_update().get(user_id=user_id)
        except OperationalError:
            raise BillingError(
                ErrorCode.RATE_LIMITED, "Another checkout of yours is being created: try again in a moment."
            ) from None
        yield customer


async def replace_open_subscription_checkout(services: Services, user_id: str) -> None:
    """Close the user's open subscription checkout before a new one is written (under `user_lock`).

    Normally there is one: each new subscription checkout replaces the one before, expiring that
    one session in Stripe, never a sweep of every PENDING row (which expired links just handed out
    to concurrent requests, and expired the same sessions again and again).
    """
    replaced = await Payment.filter(
        user_id=user_id,
        is_gift=False,
        kind=PaymentKind.CHECKOUT,
        status=PaymentStatus.PENDING,
        superseded_at=None,
    ).values_list("id", "checkout_session_id")
    for row_id, session_id in replaced:
        await Payment.filter(id=row_id).update(superseded_at=services.clock.now())
        if session_id:
            await expire(services, str(session_id))


async def _open_in_stripe(services: Services, customer_id: str) -> list[str]:
    """The customer's open purchase sessions as Stripe lists them (`GET /v1/checkout/sessions`
    with `customer` and `status=open`: stripe SessionListParams), setup sessions (a card change)
    left out. Stripe's list, not only the rows: a session whose row was never written (the
    gateway stopped between Stripe's answer and the insert) can be paid all the same."""
    found: list[str] = []
    after: str | None = None
    while True:
        params = {"customer": customer_id, "status": "open", "limit": 100}
        if after:
            params["starting_after"] = after
        page = await call(
            "checkout.sessions.list",
            services.stripe.v1.checkout.sessions.list_async(params=params),
            timeout=services.config.stripe_timeout_seconds,
        )
        found += [session.id for session in page.data if session.mode != "setup"]
        if not page.has_more or not page.data:
            return found
        after = page.data[-1].id


async def expire_all(services: Services, user_id: str) -> int:
    """Expire every open checkout session of `user_id` (a restriction); how many were expired."""
    rows = await Payment.filter(
        user_id=user_id, kind=PaymentKind.CHECKOUT, status=PaymentStatus.PENDING
    ).values_list("checkout_session_id", flat=True)
    sessions = {str(session_id) for session_id in rows if session_id}
    customer = await Customer.get_or_none(user_id=user_id)
    if customer is not None and customer.stripe_customer_id:
        try:
            sessions.update(await _open_in_stripe(services, customer.stripe_customer_id))
        except PaymentProviderError:  # logged by `call`; the rows' sessions are still expired
            log.warning("could not list open sessions", extra={"user_id": user_id})
    expired = 0
    for session_id in sorted(sessions):
        if await expire(services, session_id):
            expired += 1
    return expired
