"""A user's open Checkout Sessions: the ones the gateway handed out and nobody paid or let expire.

Why here: a restriction must close them (a restricted user could otherwise pay a
link obtained before it), and checkout keeps at most one open subscription
session per user. Expiring a session in Stripe is what closes it; Stripe then
sends `checkout.session.expired`, whose handler settles the PENDING row, so this
module never changes rows itself.
"""

from __future__ import annotations

import logging

import stripe

from billing.services import Services
from models import Payment
from models.enums import PaymentKind, PaymentStatus

log = logging.getLogger(__name__)


async def expire(services: Services, session_id: str) -> bool:
    """Expire one session in Stripe; False if Stripe would not (already paid or expired: its own
    webhook settles the row)."""
    try:
        await services.stripe.v1.checkout.sessions.expire_async(session_id)
    except stripe.StripeError as exc:
        log.info("could not expire session", extra={"session": session_id, "error": type(exc).__name__})
        return False
    return True


async def expire_all(services: Services, user_id: str) -> int:
    """Expire every open checkout session of `user_id` (a restriction); how many were expired."""
    sessions = await Payment.filter(
        user_id=user_id, kind=PaymentKind.CHECKOUT, status=PaymentStatus.PENDING
    ).values_list("checkout_session_id", flat=True)
    expired = 0
    for session_id in sessions:
        if session_id and await expire(services, str(session_id)):
            expired += 1
    return expired
