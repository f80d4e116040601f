"""Refunds: support's `refundPayment`, and converging on Stripe's charge after any refund event.

The payment's status never moves in `refund_payment`: Stripe's charge is the
truth and `sync_charge` (run for charge.refunded, refund.updated and
refund.failed) converges on it: `amount_refunded` against the charge amount
gives REFUNDED / PARTIALLY_REFUNDED, and back to the status before the refund
when the refunds failed. The refund rows are upserted from the charge's
refunds, so refunds made in Stripe's Dashboard count as well.

A double click refunds once: the Stripe idempotency key is derived from the
payment (and from how many of its refunds already failed, so a retry after a
failed refund is a new attempt), so concurrent calls get the same Stripe
refund, and the row is unique on `stripe_refund_id`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import stripe
from tortoise.exceptions import IntegrityError

from billing import ids, payment_status
from billing import stripe_objects as so
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.invoices import fetch_invoice
from billing.payment_status import Happening
from billing.read_queries import COUNTED_REFUND_STATUSES
from billing.restrictions import apply_refund_policy
from billing.reversals import converge_grants
from billing.services import Services
from billing.stripe_calls import call
from models import Payment, Refund, StaleVersionError
from models.enums import PaymentStatus, RefundReason

log = logging.getLogger("billing.refunds")

REFUNDABLE = frozenset({PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED})
FAILED_REFUND_STATUSES = ("failed", "canceled")
MAX_NOTE = 1000  # Refund.note
# Stripe's answers that mean "nothing (more) to refund here", not "Stripe is down".
NOT_REFUNDABLE_CODES = frozenset({"charge_already_refunded", "charge_disputed"})


def stripe_reason(reason: RefundReason) -> str:
    """Stripe's lower-case refund reason for the contract's enum."""
    return str(reason).lower()


async def refund_payment(
    services: Services,
    admin_id: str,
    payment_id: str,
    reason: RefundReason = RefundReason.REQUESTED_BY_CUSTOMER,
    note: str | None = None,
) -> Payment:
    """Refund a payment in full through Stripe. Its status follows by the charge.refunded webhook."""
    pk = ids.decode_as(payment_id, "Payment")
    payment = await Payment.get_or_none(id=pk) if pk else None
    if payment is None:
        raise BillingError(ErrorCode.NOT_FOUND, "No payment with this id.", ["input", "paymentId"])
    if note is not None and len(note) > MAX_NOTE:
        raise BillingError(
            ErrorCode.INVALID_INPUT, f"note must be at most {MAX_NOTE} characters.", ["input", "note"]
        )
    if payment.status not in REFUNDABLE:
        raise BillingError(
            ErrorCode.NOT_REFUNDABLE,
            f"Only completed payments can be refunded; this one is {payment.status}.",
            ["input", "paymentId"],
        )
    now = services.clock.now()
    if payment.completed_at is None or now > payment.completed_at + services.config.refund_window:
        raise BillingError(
            ErrorCode.REFUND_WINDOW_EXPIRED,
            f"Refunds are possible for {services.config.refund_window.days} days after the payment.",
            ["input", "paymentId"],
        )
    intent = payment.stripe_payment_intent_id or await _intent_of(services, payment)
    if not intent:
        raise BillingError(
            ErrorCode.NOT_REFUNDABLE, "No charge is known for this payment.", ["input", "paymentId"]
        )

    failed_before = await Refund.filter(payment_id=payment.id, status__in=FAILED_REFUND_STATUSES).count()
    params: dict[str, Any] = {
        "payment_intent": intent,
        "reason": stripe_reason(reason),
        "metadata": {
            "payment_reference": payment.reference,
            "user_id": payment.user_id,
            "requested_by": admin_id,
        },
    }
    try:
        refund = await call(
            "refunds.create",
            services.stripe.v1.refunds.create_async(
                params=params, options={"idempotency_key": f"bg-refund-{payment.reference}-{failed_before}"}
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        raise _refusal(exc) from exc.__cause__
    if await record_refund(so.as_dict(refund), payment, now, requested_by=admin_id, note=note):
        await apply_refund_policy(services, payment.user_id)
    await payment.refresh_from_db()
    log.info("refund issued", extra={"payment": payment.reference, "refund": refund.id, "admin": admin_id})
    return payment


def _refusal(exc: PaymentProviderError) -> BillingError:
    """Refusals about this payment become NOT_REFUNDABLE; anything else stays a provider error."""
    cause = exc.__cause__
    if isinstance(cause, stripe.IdempotencyError) or getattr(cause, "http_status", None) == 409:
        # Same key, other parameters (another admin's refund of this payment), or the same
        # request still executing at Stripe (409, after the SDK's own retries).
        return BillingError(
            ErrorCode.NOT_REFUNDABLE, "A refund of this payment is already under way.", ["input", "paymentId"]
        )
    if isinstance(cause, stripe.InvalidRequestError) and cause.code in NOT_REFUNDABLE_CODES:
        return BillingError(
            ErrorCode.NOT_REFUNDABLE,
            "Stripe has nothing left to refund on this payment.",
            ["input", "paymentId"],
        )
    return exc


async def _intent_of(services: Services, payment: Payment) -> str | None:
    """A subscription payment whose invoice events were missed: ask Stripe's invoice."""
    if not payment.stripe_invoice_id:
        return None
    invoice = await call(
        "invoices.retrieve",
        fetch_invoice(services, payment.stripe_invoice_id),
        timeout=services.config.stripe_timeout_seconds,
    )
    return so.invoice_payment_intent_id(invoice)


async def record_refund(
    refund: dict[str, Any],
    payment: Payment,
    now: datetime,
    *,
    requested_by: str | None = None,
    note: str | None = None,
) -> bool:
    """Upsert the row of a Stripe refund. True when it starts counting now (new, or no longer failed).

    The policy check runs on that transition only, so re-running an old event
    never re-restricts an account that support has lifted.
    """
    values = {
        "amount": int(refund["amount"]),
        "currency": str(refund["currency"]).upper(),
        "status": str(refund["status"]),
        "reason": refund.get("reason"),
    }
    for _ in range(8):
        row = await Refund.get_or_none(stripe_refund_id=refund["id"])
        if row is None:
            try:
                await Refund.create(
                    stripe_refund_id=refund["id"],
                    payment_id=payment.id,
                    user_id=payment.user_id,
                    requested_by=requested_by,
                    note=note,
                    created_at=so.ts(refund.get("created")) or now,
                    **values,
                )
                return values["status"] in COUNTED_REFUND_STATUSES
            except IntegrityError:
                continue  # a concurrent call or event recorded it first
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        if requested_by and not row.requested_by:
            changes["requested_by"] = requested_by
        if note and not row.note:
            changes["note"] = note
        if not changes:
            return False
        counted_before = row.status in COUNTED_REFUND_STATUSES
        try:
            await row.save_versioned(**changes)
        except StaleVersionError:
            continue
        return not counted_before and row.status in COUNTED_REFUND_STATUSES
    raise StaleVersionError(f"refund {refund['id']} kept changing")


async def payment_of_charge(charge: dict[str, Any]) -> Payment | None:
    """The payment a charge (or a refund's/dispute's charge) belongs to."""
    payment = await Payment.get_or_none(stripe_charge_id=charge["id"])
    intent = so.obj_id(charge.get("payment_intent"))
    if payment is None and intent:
        payment = await Payment.get_or_none(stripe_payment_intent_id=intent)
    reference = so.metadata(charge).get("payment_reference")
    if payment is None and reference:
        payment = await Payment.get_or_none(reference=reference)
    return payment


async def fetch_charge(services: Services, charge_id: str) -> dict[str, Any]:
    charge = await services.stripe.v1.charges.retrieve_async(charge_id, params={"expand": ["refunds"]})
    return so.as_dict(charge)


def refunded_amount(charge: dict[str, Any]) -> int:
    """What is refunded (or on its way back) on a charge.

    From the charge's refunds when the whole list is at hand (failed and
    canceled ones left out), so a failed refund is undone whether or not the
    charge's `amount_refunded` already went down; else Stripe's total.
    """
    listing = charge.get("refunds") or {}
    if listing.get("data") is not None and not listing.get("has_more"):
        return sum(int(r["amount"]) for r in listing["data"] if r.get("status") in COUNTED_REFUND_STATUSES)
    return int(charge.get("amount_refunded") or 0)


def refund_happenings(amount: int, refunded: int, current: PaymentStatus) -> list[Happening]:
    """What a charge's refunded amount means for a payment in `current` (applied in order)."""
    if amount and refunded >= amount:
        return [Happening.REFUNDED_FULL]
    if refunded > 0:
        # One of several refunds failed: back from REFUNDED first, then partial.
        if current == PaymentStatus.REFUNDED:
            return [Happening.REFUND_FAILED, Happening.REFUNDED_PARTIAL]
        return [Happening.REFUNDED_PARTIAL]
    return [Happening.REFUND_FAILED]  # nothing refunded (any more): undo a refund status


async def sync_charge(services: Services, charge_id: str) -> Payment | None:
    """Converge a payment, its refund rows and what it granted on Stripe's charge."""
    charge = await fetch_charge(services, charge_id)
    payment = await payment_of_charge(charge)
    if payment is None:
        log.info("charge of no known payment ignored", extra={"charge": charge_id})
        return None
    now = services.clock.now()
    newly_counted = False
    for refund in (charge.get("refunds") or {}).get("data") or []:
        newly_counted |= await record_refund(so.as_dict(refund), payment, now)
    refunded = refunded_amount(charge)
    columns = {"stripe_charge_id": charge["id"], "amount_refunded": refunded}
    for happening in refund_happenings(
        int(charge.get("amount") or 0), refunded, PaymentStatus(payment.status)
    ):
        await payment_status.apply(payment, happening, now, also=lambda _p: columns)
    if newly_counted:
        await apply_refund_policy(services, payment.user_id)
    await converge_grants(services, payment)
    return payment


async def sync_refund(services: Services, refund: dict[str, Any]) -> Payment | None:
    """refund.updated / refund.failed: the refund's charge says where everything stands."""
    charge_id = so.obj_id(refund.get("charge"))
    if not charge_id:
        return None
    return await sync_charge(services, charge_id)
