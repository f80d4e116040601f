"""Payment status transitions: DESIGN.md's table, and the only place that knows it.

Each Stripe happening is named by a `Happening`; `next_status` answers what a
payment in a given status becomes, or None when the happening leaves it alone
("any other event for a row leaves its status alone"). Applying a happening
twice is a no-op the second time, which is what makes redelivered and
reordered events safe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from billing.notifications import changes as notifications
from models import Payment, retry_on_conflict
from models.enums import PaymentStatus as S


class Happening(StrEnum):
    CHECKOUT_PAID = "checkout.session.completed(paid)"
    CHECKOUT_UNPAID = "checkout.session.completed(unpaid)"
    ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
    ASYNC_FAILED = "checkout.session.async_payment_failed"
    # A bank transfer whose funds never came: Stripe cancels its payment intent as expired.
    ASYNC_EXPIRED = "checkout.session.async_payment_failed(expired)"
    CHECKOUT_EXPIRED = "checkout.session.expired"
    INVOICE_PAID = "invoice.paid"
    INVOICE_FAILED = "invoice.payment_failed"
    INVOICE_ACTION_REQUIRED = "invoice.payment_action_required"
    REFUNDED_FULL = "charge.refunded(full)"
    REFUNDED_PARTIAL = "charge.refunded(partial)"
    REFUND_FAILED = "refund.failed"
    DISPUTE_OPENED = "charge.dispute.created"
    DISPUTE_WON = "charge.dispute.closed(won)"
    DISPUTE_LOST = "charge.dispute.closed(lost)"


H = Happening
TRANSITIONS: dict[tuple[Happening, S], S] = {
    (H.CHECKOUT_PAID, S.PENDING): S.COMPLETED,
    (H.CHECKOUT_UNPAID, S.PENDING): S.AWAITING_SETTLEMENT,
    (H.ASYNC_SUCCEEDED, S.AWAITING_SETTLEMENT): S.COMPLETED,
    (H.ASYNC_FAILED, S.AWAITING_SETTLEMENT): S.FAILED,
    # The async result can overtake the completed event; Stripe's session is the truth.
    (H.ASYNC_SUCCEEDED, S.PENDING): S.COMPLETED,
    (H.ASYNC_FAILED, S.PENDING): S.FAILED,
    (H.ASYNC_EXPIRED, S.AWAITING_SETTLEMENT): S.EXPIRED,
    (H.ASYNC_EXPIRED, S.PENDING): S.EXPIRED,
    (H.CHECKOUT_EXPIRED, S.PENDING): S.EXPIRED,
    (H.INVOICE_PAID, S.PENDING): S.COMPLETED,
    (H.INVOICE_PAID, S.FAILED): S.COMPLETED,
    (H.INVOICE_PAID, S.REQUIRES_ACTION): S.COMPLETED,
    (H.INVOICE_FAILED, S.PENDING): S.FAILED,
    (H.INVOICE_FAILED, S.REQUIRES_ACTION): S.FAILED,
    (H.INVOICE_ACTION_REQUIRED, S.PENDING): S.REQUIRES_ACTION,
    (H.INVOICE_ACTION_REQUIRED, S.FAILED): S.REQUIRES_ACTION,
    (H.REFUNDED_FULL, S.COMPLETED): S.REFUNDED,
    (H.REFUNDED_FULL, S.PARTIALLY_REFUNDED): S.REFUNDED,
    (H.REFUNDED_PARTIAL, S.COMPLETED): S.PARTIALLY_REFUNDED,
    (H.DISPUTE_OPENED, S.COMPLETED): S.DISPUTED,
    (H.DISPUTE_OPENED, S.PARTIALLY_REFUNDED): S.DISPUTED,
    (H.DISPUTE_WON, S.DISPUTED): S.COMPLETED,
}
# refund.failed puts back what the payment was before the refund (see `status_before_reversal`).
_RESTORES = {(H.REFUND_FAILED, S.REFUNDED), (H.REFUND_FAILED, S.PARTIALLY_REFUNDED)}
_REVERSALS = {H.REFUNDED_FULL, H.REFUNDED_PARTIAL, H.DISPUTE_OPENED}


def next_status(current: S, happening: Happening, before_reversal: S | None = None) -> S | None:
    if (happening, current) in _RESTORES:
        return before_reversal or S.COMPLETED
    return TRANSITIONS.get((happening, current))


async def apply(
    payment: Payment,
    happening: Happening | None,
    now: datetime,
    *,
    also: Callable[[Payment], dict[str, Any]] | None = None,
    on_change: Callable[[Payment, S], Awaitable[None]] | None = None,
    occurred_at: datetime | None = None,
) -> bool:
    """Move `payment` by `happening` (optimistic concurrency, re-read on conflict).

    `also(payment)` may return extra columns to write in the same UPDATE (ids
    learned from Stripe); they are written even when the status stays. Returns
    True when the status changed. `on_change(payment, old_status)` runs after a
    change, e.g. to issue a gift code or take back granted time. `occurred_at` is
    when it happened at Stripe (an event's `created`), so the recorded completion
    time does not depend on when, or in which order, events were delivered.
    """

    async def attempt() -> S | None:
        """Write the move; the status it moved from if it moved, None if the status stays."""
        current = S(payment.status)
        target = next_status(current, happening, payment.status_before_reversal) if happening else None
        changes: dict[str, Any] = dict(also(payment)) if also else {}
        changes = {k: v for k, v in changes.items() if getattr(payment, k) != v}
        if target is not None and target != current:
            changes["status"] = target
            if target == S.COMPLETED and payment.completed_at is None:
                changes["completed_at"] = occurred_at or now
            if happening in _REVERSALS and current not in (S.REFUNDED, S.PARTIALLY_REFUNDED, S.DISPUTED):
                changes["status_before_reversal"] = current
        if not changes:
            return None
        changes["updated_at"] = now
        await payment.save_versioned(**changes)
        return current if "status" in changes else None

    moved_from = await retry_on_conflict(f"payment {payment.pk}", attempt, reread=payment.refresh_from_db)
    if moved_from is None:
        return False
    # Subscribers hear of the change once its consequences are written (a gift code issued,
    # time taken back): told first, a client re-reading at once saw COMPLETED without its
    # code. `finally`: a failing consequence (retried with the event) still tells them.
    try:
        if on_change is not None:
            await on_change(payment, moved_from)
    finally:
        await notifications.payment_changed(payment)
    return True
