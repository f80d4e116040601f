"""Purchase restrictions: the abuse policy and support's switch.

A restricted account gets PURCHASE_BLOCKED from createCheckout (checked in
`billing.checkout.sessions`). The policy restricts automatically when a user's
`refund_abuse_limit`-th refunded payment falls within `refund_abuse_window`,
when a chargeback is opened, and on an early fraud warning with
EARLY_FRAUD_WARNING_ACTION=flag; only an admin lifts it
(`setPurchaseRestriction`). Both sides are in the audit trail. The automatic
triggers fire on the *new* refund or dispute only (never on a re-run of an old
event), so an admin's lift is not undone by a webhook redelivery or a reconcile.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing import audit
from billing.checkout import open_sessions as open_checkouts
from billing.customers.accounts import ensure_customer, ensure_stripe_customer
from billing.errors import BillingError, ErrorCode
from billing.services import Services
from billing.stripe.calls import call
from models import Customer, Refund, retry_on_conflict
from models.enums import AuditAction

# Refunds that really happened (or may still): what `refundCount` and the abuse policy count.
COUNTED_REFUND_STATUSES = ("pending", "succeeded", "requires_action")

log = logging.getLogger("billing.reversals.restrictions")

MAX_REASON = 500  # Customer.restriction_reason
MAX_USER_ID = 128  # Customer.user_id
# Stripe's `duplicate` reason means *we* charged twice (e.g. the double-subscription rule):
# not the customer's doing, so it never counts toward the abuse policy.
NOT_ABUSE_REASONS = ("duplicate",)


async def set_restriction(
    user_id: str,
    restricted: bool,
    reason: str | None,
    now: datetime,
    *,
    actor: str,
    services: Services | None = None,
) -> Customer:
    """Restrict or lift, as support (`actor`, an admin's user id) decides. Lifting clears the reason.

    Every such action is in the audit trail, even one that changes nothing
    (support pressed the button; the trail says so).
    """
    if not user_id or len(user_id) > MAX_USER_ID:
        raise BillingError(ErrorCode.INVALID_INPUT, "Unknown user id.", ["input", "userId"])
    if reason is not None and len(reason) > MAX_REASON:
        raise BillingError(
            ErrorCode.INVALID_INPUT, f"reason must be at most {MAX_REASON} characters.", ["input", "reason"]
        )
    text = (reason or "").strip() or None
    if restricted:
        customer, changed = await _write(user_id, True, text or "Restricted by support.", now)
        if changed and services is not None:
            await open_checkouts.expire_all(services, user_id)
    else:
        customer, _ = await _write(user_id, False, None, now)
    if services is not None:  # every time: support pressing again repairs a write that failed
        await keep_in_stripe(services, customer)
    action = AuditAction.PURCHASE_RESTRICTION_SET if restricted else AuditAction.PURCHASE_RESTRICTION_LIFTED
    await audit.record(action, actor=actor, now=now, user_id=user_id, reason=text)
    return customer


async def restrict(
    user_id: str,
    reason: str,
    now: datetime,
    *,
    subject: str | None = None,
    services: Services | None = None,
) -> Customer:
    """Restrict automatically; an account that is already restricted keeps its first reason.

    The change (made once, whoever races) goes to the audit trail as `system`'s, and the
    user's open checkout sessions are expired in Stripe (`services` given): a link handed
    out before the restriction can no longer be paid.
    """
    customer = await ensure_customer(user_id, now)
    if customer.purchase_restricted:
        if services is not None:  # a retried event whose first try wrote the row but not Stripe
            await keep_in_stripe(services, customer)
        return customer
    customer, changed = await _write(user_id, True, reason[:MAX_REASON], now, keep_existing=True)
    if services is not None:
        await keep_in_stripe(services, customer)
    if changed:
        log.warning("account restricted", extra={"user_id": user_id, "reason": reason})
        if services is not None:
            await open_checkouts.expire_all(services, user_id)
        await audit.record(
            AuditAction.PURCHASE_RESTRICTION_SET,
            actor=audit.SYSTEM,
            now=now,
            user_id=user_id,
            subject=subject,
            reason=reason,
        )
    return customer


RESTRICTED_KEY = "purchase_restricted"
REASON_KEY = "restriction_reason"


async def keep_in_stripe(services: Services, customer: Customer) -> None:
    """The restriction on the user's Stripe customer too (metadata), so a restore gets it back.

    A restriction is the gateway's own decision; Stripe is where `reconcile` rebuilds from
    (`restriction_from_stripe`). A user restricted before ever buying gets a Stripe customer here.
    """
    customer_id = await ensure_stripe_customer(services, customer)
    metadata = {
        RESTRICTED_KEY: "true" if customer.purchase_restricted else "",
        REASON_KEY: (customer.restriction_reason or "")[:MAX_REASON] if customer.purchase_restricted else "",
    }
    await call(
        "customers.update(restriction)",
        services.stripe.v1.customers.update_async(customer_id, params={"metadata": metadata}),
        timeout=services.config.stripe_timeout_seconds,
    )


async def restriction_from_stripe(
    services: Services, user_id: str, stripe_customer: dict[str, Any], now: datetime
) -> bool:
    """Make the row's restriction what the Stripe customer's metadata says; True if it changed."""
    meta = stripe_customer.get("metadata") or {}
    restricted = meta.get(RESTRICTED_KEY) == "true"
    reason = (meta.get(REASON_KEY) or None) if restricted else None
    customer = await ensure_customer(user_id, now)
    if (customer.purchase_restricted, customer.restriction_reason) == (restricted, reason):
        return False
    _, changed = await _write(user_id, restricted, reason, now)
    if changed:
        await audit.record(
            AuditAction.PURCHASE_RESTRICTION_SET if restricted else AuditAction.PURCHASE_RESTRICTION_LIFTED,
            actor=audit.SYSTEM,
            now=now,
            user_id=user_id,
            reason="restored from Stripe by reconcile",
        )
    return changed


async def _write(
    user_id: str, restricted: bool, reason: str | None, now: datetime, *, keep_existing: bool = False
) -> tuple[Customer, bool]:
    """Compare and set the restriction; the row, and whether this call changed it."""
    customer = await ensure_customer(user_id, now)

    async def attempt() -> tuple[Customer, bool]:
        if keep_existing and customer.purchase_restricted:
            return customer, False
        if (customer.purchase_restricted, customer.restriction_reason) == (restricted, reason):
            return customer, False
        await customer.save_versioned(
            purchase_restricted=restricted, restriction_reason=reason, updated_at=now
        )
        return customer, True

    return await retry_on_conflict(
        f"customer {user_id}: restriction", attempt, reread=customer.refresh_from_db
    )


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
    reason = f"{count} refunds within {days} days (limit {limit})."
    await restrict(user_id, reason, services.clock.now(), services=services)
    return True
