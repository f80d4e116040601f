"""DESIGN's double-subscription rule: one live subscription per user.

createCheckout expires a user's other open subscription sessions, but two
sessions can still both be paid (a race Stripe allows). Whenever a
subscription row may have become live (the subscription and checkout webhook
handlers and `reconcile` call `cancel_if_duplicate` after syncing it: the sync
itself sits below this package and cannot), every live subscription of the user but the
earliest is cancelled in Stripe at once and its first payment refunded in
full (Stripe reason `duplicate`: our doing, so the abuse policy does not count
it); the payment ends REFUNDED by the charge.refunded webhook. Both Stripe
calls carry keys derived from the subscription, so concurrent handlers of the
two subscriptions' events cancel and refund once.
"""

from __future__ import annotations

import logging

import stripe

from billing import audit
from billing.errors import PaymentProviderError
from billing.invoices.sync import fetch_invoice
from billing.reversals.granted_time import end_subscription_now
from billing.reversals.refunds import record_refund
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from models import Payment, Subscription
from models.enums import AuditAction, PaymentKind, SubscriptionLiveness

log = logging.getLogger("billing.reversals.duplicates")


async def cancel_if_duplicate(services: Services, row: Subscription | None) -> None:
    """If `row`'s user now has more than one live subscription, end and refund the later ones."""
    if row is None or row.status not in SubscriptionLiveness.GIVES_ACCESS:
        return
    live = await Subscription.filter(user_id=row.user_id, status__in=list(SubscriptionLiveness.GIVES_ACCESS))
    if len(live) < 2:
        return
    keep, *later = sorted(live, key=lambda s: (s.created_at, s.id))
    for extra in later:
        log.warning(
            "double subscription: cancelling and refunding the later one",
            extra={
                "user_id": row.user_id,
                "kept": keep.stripe_subscription_id,
                "ended": extra.stripe_subscription_id,
            },
        )
        await end_subscription_now(services, extra.stripe_subscription_id)
        await _refund_first_payment(services, extra)


async def cancel_if_duplicate_of(services: Services, stripe_subscription_id: str | None) -> None:
    """`cancel_if_duplicate` for the row of a Stripe subscription id (none yet: nothing to do)."""
    if stripe_subscription_id:
        row = await Subscription.get_or_none(stripe_subscription_id=stripe_subscription_id)
        await cancel_if_duplicate(services, row)


async def _refund_first_payment(services: Services, extra: Subscription) -> None:
    """Refund the payment that started `extra`, once, whichever replica gets here (and how often).

    The refund's parameters come from Stripe's subscription only (never from
    rows another handler may be writing right now), so racing replicas send the
    same request under the same key and Stripe makes one refund.
    """
    timeout = services.config.stripe_timeout_seconds
    sub_id = extra.stripe_subscription_id
    sub = so.as_dict(
        await call(
            "subscriptions.retrieve", services.stripe.v1.subscriptions.retrieve_async(sub_id), timeout=timeout
        )
    )
    reference = so.metadata(sub).get("payment_reference")
    payment = await Payment.get_or_none(reference=reference) if reference else None
    if payment is None:
        payment = await Payment.filter(stripe_subscription_id=sub_id, kind=PaymentKind.CHECKOUT).first()
    invoice_id = (payment.stripe_invoice_id if payment else None) or so.obj_id(sub.get("latest_invoice"))
    intent = (payment.stripe_payment_intent_id if payment else None) or (
        so.invoice_payment_intent_id(
            await call("invoices.retrieve", fetch_invoice(services, invoice_id), timeout=timeout)
        )
        if invoice_id
        else None
    )
    if not intent:
        log.error("double subscription: no charge to refund", extra={"subscription": sub_id})
        return
    metadata = {"subscription": sub_id, "policy": "double_subscription", "user_id": extra.user_id}
    if reference:
        metadata["payment_reference"] = reference
    try:
        refund = await call(
            "refunds.create(double subscription)",
            services.stripe.v1.refunds.create_async(
                params={"payment_intent": intent, "reason": "duplicate", "metadata": metadata},
                options={"idempotency_key": f"bg-double-subscription-{sub_id}"},
            ),
            timeout=timeout,
        )
    except PaymentProviderError as exc:
        cause = exc.__cause__
        if isinstance(cause, stripe.IdempotencyError) or (
            isinstance(cause, stripe.InvalidRequestError) and cause.code == "charge_already_refunded"
        ):
            return  # another replica's request is (or was) the refund; its charge.refunded settles the row
        raise
    now = services.clock.now()
    if payment is not None:
        await record_refund(so.as_dict(refund), payment, now, note="Double subscription.")
    await audit.record(
        AuditAction.DOUBLE_SUBSCRIPTION_REFUND,
        actor=audit.SYSTEM,
        now=now,
        user_id=extra.user_id,
        subject=sub_id,
        reason=f"A second live subscription: cancelled and its first payment refunded ({refund.id}).",
        key=f"double-subscription:{sub_id}",
    )
