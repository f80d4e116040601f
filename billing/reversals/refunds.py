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

An invoice can be paid by several payment intents (partial payments). The
payment is then all of them: a refund refunds each paid part, and the status
compares what was refunded over all paid parts with what they paid. Failed
attempts paid nothing and are never refunded or counted.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import stripe
from tortoise.exceptions import IntegrityError

from billing import audit, ids
from billing.checkout.charges import place_charge
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.invoices.sync import fetch_invoice
from billing.payments import status as payment_status
from billing.payments.status import Happening
from billing.reversals.granted_time import converge_grants
from billing.reversals.restrictions import COUNTED_REFUND_STATUSES, apply_refund_policy
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from models import Payment, Refund, StaleVersionError, retry_on_conflict
from models.enums import AuditAction, PaymentStatus, RefundReason

log = logging.getLogger("billing.reversals.refunds")

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
    refunds = await issue_refunds(
        services, payment, stripe_reason(reason), requested_by=admin_id, note=note, key="refund"
    )
    await audit.record(
        AuditAction.REFUND,
        actor=admin_id,
        now=now,
        user_id=payment.user_id,
        subject=ids.encode("Payment", payment.pk),
        reason=f"{stripe_reason(reason)}{f': {note}' if note else ''} ({', '.join(refunds)})",
    )
    return payment


async def issue_refunds(
    services: Services,
    payment: Payment,
    reason: str,
    *,
    requested_by: str,
    note: str | None = None,
    key: str,
) -> list[str]:
    """Refund every paid part of `payment` in full through Stripe; the Stripe refund ids.

    The status follows by the charge.refunded webhook (and `sync_charge`). `key`
    names the kind of refund in the idempotency key, so that support's refund
    and an automatic one of the same payment are told apart by Stripe.
    """
    intents = await paid_intents(services, payment)
    if not intents:
        raise BillingError(
            ErrorCode.NOT_REFUNDABLE, "No charge is known for this payment.", ["input", "paymentId"]
        )
    failed_before = await Refund.filter(payment_id=payment.id, status__in=FAILED_REFUND_STATUSES).count()
    metadata = {
        "payment_reference": payment.reference,
        "user_id": payment.user_id,
        "requested_by": requested_by,
    }
    issued: list[str] = []
    now = services.clock.now()
    for index, intent in enumerate(intents):
        # The first part keeps the key of a payment paid at once, so a retry of an older request matches.
        part = f"-{intent}" if index else ""
        try:
            refund = await call(
                "refunds.create",
                services.stripe.v1.refunds.create_async(
                    params={"payment_intent": intent, "reason": reason, "metadata": metadata},
                    options={"idempotency_key": f"bg-{key}-{payment.reference}-{failed_before}{part}"},
                ),
                timeout=services.config.stripe_timeout_seconds,
            )
        except PaymentProviderError as exc:
            refusal = _refusal(exc)
            if index and isinstance(refusal, BillingError):
                continue  # this part was refunded already (or is being): the others still are refunded
            raise refusal from exc.__cause__
        issued.append(refund.id)
        if await record_refund(so.as_dict(refund), payment, now, requested_by=requested_by, note=note):
            await apply_refund_policy(services, payment.user_id)
    await payment.refresh_from_db()
    log.info(
        "refund issued", extra={"payment": payment.reference, "refunds": issued, "requested_by": requested_by}
    )
    return issued


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


async def paid_intents(services: Services, payment: Payment) -> list[str]:
    """The payment intents that paid `payment`: the invoice's paid invoice payments when it has an
    invoice (one, or several after partial payments; never a failed attempt), else its own."""
    if not payment.stripe_invoice_id:
        return [payment.stripe_payment_intent_id] if payment.stripe_payment_intent_id else []
    invoice = await call(
        "invoices.retrieve",
        fetch_invoice(services, payment.stripe_invoice_id),
        timeout=services.config.stripe_timeout_seconds,
    )
    return so.paid_intent_ids(invoice)


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

    async def attempt() -> bool:
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
            except IntegrityError:
                raise StaleVersionError("recorded meanwhile by a concurrent call or event") from None
            return values["status"] in COUNTED_REFUND_STATUSES
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        if requested_by and not row.requested_by:
            changes["requested_by"] = requested_by
        if note and not row.note:
            changes["note"] = note
        if not changes:
            return False
        counted_before = row.status in COUNTED_REFUND_STATUSES
        await row.save_versioned(**changes)
        return not counted_before and row.status in COUNTED_REFUND_STATUSES

    return await retry_on_conflict(f"refund {refund['id']}", attempt)


async def fetch_charge(services: Services, charge_id: str) -> dict[str, Any]:
    charge = await services.stripe.v1.charges.retrieve_async(charge_id, params={"expand": ["refunds"]})
    return so.as_dict(charge)


async def _parts(services: Services, payment: Payment, charge: dict[str, Any]) -> list[dict[str, Any]]:
    """The charges that paid `payment`: `charge`, and the other paid parts of its invoice."""
    intents = await paid_intents(services, payment) if payment.stripe_invoice_id else []
    mine = so.obj_id(charge.get("payment_intent"))
    others = [intent for intent in intents if intent != mine]
    parts = [charge]
    for intent in others:
        fetched = so.as_dict(
            await services.stripe.v1.payment_intents.retrieve_async(
                intent, params={"expand": ["latest_charge.refunds"]}
            )
        )
        if isinstance(fetched.get("latest_charge"), dict):
            parts.append(fetched["latest_charge"])
    return parts


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
    """Converge a payment, its refund rows and what it granted on Stripe's charge.

    The charge is placed through Stripe when no row names it yet
    (`billing.checkout.charges.place_charge`), so a refund event that overtakes the
    invoice and checkout events still ends with the payment REFUNDED.
    """
    charge = await fetch_charge(services, charge_id)
    payment = await place_charge(services, charge)
    if payment is None:
        log.info("charge of no known payment ignored", extra={"charge": charge_id})
        return None
    now = services.clock.now()
    parts = await _parts(services, payment, charge)
    newly_counted = False
    for part in parts:
        for refund in (part.get("refunds") or {}).get("data") or []:
            newly_counted |= await record_refund(so.as_dict(refund), payment, now)
    refunded = sum(refunded_amount(part) for part in parts)
    amount = sum(int(part.get("amount") or 0) for part in parts)
    # The row names one charge (the first it learnt of, when several paid it).
    first_charge = charge["id"] if len(parts) == 1 else payment.stripe_charge_id or charge["id"]
    columns: dict[str, Any] = {"stripe_charge_id": first_charge, "amount_refunded": refunded}
    for happening in refund_happenings(amount, refunded, PaymentStatus(payment.status)):
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
