"""Purchase restrictions: the abuse policy and support's switch.

A restricted account gets PURCHASE_BLOCKED from createCheckout (checked in
`billing.checkout`). The policy restricts automatically when a user's
`refund_abuse_limit`-th refunded payment falls within `refund_abuse_window`,
and when a chargeback is opened; only an admin lifts it
(`setPurchaseRestriction`). The automatic triggers fire on the *new* refund
or dispute only (never on a re-run of an old event), so an admin's lift is not
undone by a webhook redelivery or a reconcile.
"""

from __future__ import annotations

import logging
from datetime import datetime

from billing.customers import ensure_customer
from billing.errors import BillingError, ErrorCode
from billing.read_queries import COUNTED_REFUND_STATUSES
from billing.services import Services
from models import Customer, Refund, StaleVersionError

log = logging.getLogger("billing.restrictions")

MAX_REASON = 500  # Customer.restriction_reason
MAX_USER_ID = 128  # Customer.user_id
# Stripe's `duplicate` reason means *we* charged twice (e.g. the double-subscription rule):
# not the customer's doing, so it never counts toward the abuse policy.
NOT_ABUSE_REASONS = ("duplicate",)


async def set_restriction(user_id: str, restricted: bool, reason: str | None, now: datetime) -> Customer:
    """Restrict or lift, as support decides. Lifting clears the reason."""
    if not user_id or len(user_id) > MAX_USER_ID:
        raise BillingError(ErrorCode.INVALID_INPUT, "Unknown user id.", ["input", "userId"])
    if reason is not None and len(reason) > MAX_REASON:
        raise BillingError(
            ErrorCode.INVALID_INPUT, f"reason must be at most {MAX_REASON} characters.", ["input", "reason"]
        )
    text = (reason or "").strip() or None
    if restricted:
        return await _write(user_id, True, text or "Restricted by support.", now)
    return await _write(user_id, False, None, now)


async def restrict(user_id: str, reason: str, now: datetime) -> Customer:
    """Restrict automatically; an account that is already restricted keeps its first reason."""
    customer = await ensure_customer(user_id, now)
    if customer.purchase_restricted:
        return customer
    log.warning("account restricted", extra={"user_id": user_id, "reason": reason})
    return await _write(user_id, True, reason[:MAX_REASON], now, keep_existing=True)


async def _write(
    user_id: str, restricted: bool, reason: str | None, now: datetime, *, keep_existing: bool = False
) -> Customer:
    customer = await ensure_customer(user_id, now)
    for _ in range(8):
        if keep_existing and customer.purchase_restricted:
            return customer
        if (customer.purchase_restricted, customer.restriction_reason) == (restricted, reason):
            return customer
        try:
            await customer.save_versioned(
                purchase_restricted=restricted, restriction_reason=reason, updated_at=now
            )
            return customer
        except StaleVersionError:
            await customer.refresh_from_db()
    raise StaleVersionError(f"customer {user_id}: restriction kept changing")


async def refunded_payments_in_window(services: Services, user_id: str) -> int:
    """Distinct payments of the user refunded (not failed, not our own duplicate) within the window.

    Payments, not refund rows: two partial refunds of one purchase are one refunded purchase.
    """
    since = services.clock.now() - services.config.refund_abuse_window
    rows = await Refund.filter(
        user_id=user_id, status__in=COUNTED_REFUND_STATUSES, created_at__gte=since
    ).values_list("payment_id", "reason")
    # Filtered here, not in SQL: `NOT reason IN (…)` would also drop refunds without a reason.
    return len({payment_id for payment_id, reason in rows if reason not in NOT_ABUSE_REASONS})


async def apply_refund_policy(services: Services, user_id: str) -> bool:
    """After a new refund of `user_id`: restrict if it is the limit-th within the window."""
    count = await refunded_payments_in_window(services, user_id)
    limit = services.config.refund_abuse_limit
    if count < limit:
        return False
    days = services.config.refund_abuse_window.days
    await restrict(user_id, f"{count} refunds within {days} days (limit {limit}).", services.clock.now())
    return True
