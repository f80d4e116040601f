"""Disputes: inquiries and chargebacks, converging a payment on Stripe's dispute.

Stripe's disputes include inquiries (statuses `warning_needs_response`,
`warning_under_review`, `warning_closed`; card `case_type` "inquiry"): the
issuer only asks questions and no money moves. An inquiry is recorded for
support and nothing else happens; it closes as `warning_closed` (nothing
changed) or the issuer turns it into a chargeback (same dispute, now
`needs_response`: `charge.dispute.updated` and `charge.dispute.funds_withdrawn`).

A dispute is re-fetched on every event (created, updated, funds withdrawn or
reinstated, closed), so the events converge whatever their order:
- A chargeback open, or `lost`: the payment becomes DISPUTED (taking back what
  it paid for, `billing.reversals.granted_time`) and the buyer's account is restricted. A
  lost dispute was opened first, so `lost` handled before (or without) the
  created event still makes the payment DISPUTED.
- `won` (or `prevented`): back to COMPLETED, restoring what the dispute took
  back, since the money stayed with us. A dispute first heard of after it was
  won never makes the payment DISPUTED.
The restriction is made when the payment *becomes* DISPUTED, so a redelivered
event never re-restricts an account support has lifted; winning does not lift
it either (support decides). Every dispute is mirrored in `models.Dispute`
(status, inquiry or not, funds withdrawn and reinstated), and its opening and
closing are in the audit trail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing import audit, ids
from billing.checkout.charges import place_charge
from billing.payments import status as payment_status
from billing.payments.status import Happening
from billing.reversals.granted_time import converge_grants
from billing.reversals.refunds import fetch_charge
from billing.reversals.restrictions import restrict
from billing.services import Services
from billing.stripe import objects as so
from models import Dispute, Payment, StaleVersionError, retry_on_conflict
from models.enums import AuditAction, PaymentStatus

log = logging.getLogger("billing.reversals.disputes")

# Stripe's dispute statuses that end in our favour; `lost` changes nothing; anything else is open.
WON_STATUSES = frozenset({"won", "prevented"})
LOST_STATUSES = frozenset({"lost"})
# An inquiry: the issuer asks, nothing is charged back (yet).
INQUIRY_STATUSES = frozenset({"warning_needs_response", "warning_under_review", "warning_closed"})
CLOSED_STATUSES = frozenset({"won", "lost", "prevented", "warning_closed"})


def dispute_happenings(status: str) -> list[Happening]:
    """What a dispute in Stripe's `status` means for its payment, applied in order.

    An inquiry means nothing for the payment, open or closed. Every closed
    chargeback was opened first: `lost` goes through DISPUTE_OPENED, so the
    payment is DISPUTED whichever event is handled first.
    """
    if status in INQUIRY_STATUSES:
        return []
    if status in WON_STATUSES:
        return [Happening.DISPUTE_WON]
    if status in LOST_STATUSES:
        return [Happening.DISPUTE_OPENED, Happening.DISPUTE_LOST]
    return [Happening.DISPUTE_OPENED]


def funds_moved(dispute: dict[str, Any]) -> tuple[int, int]:
    """(withdrawn, reinstated) in minor units, from the dispute's balance transactions."""
    withdrawn = reinstated = 0
    for transaction in dispute.get("balance_transactions") or []:
        amount = int(transaction.get("amount") or 0) if isinstance(transaction, dict) else 0
        if amount < 0:
            withdrawn += -amount
        else:
            reinstated += amount
    return withdrawn, reinstated


async def fetch_dispute(services: Services, dispute_id: str) -> dict[str, Any]:
    return so.as_dict(await services.stripe.v1.disputes.retrieve_async(dispute_id))


async def sync_dispute(services: Services, dispute_id: str) -> Payment | None:
    dispute = await fetch_dispute(services, dispute_id)
    charge_id = so.obj_id(dispute.get("charge"))
    if not charge_id:
        return None
    payment = await place_charge(services, await fetch_charge(services, charge_id))
    if payment is None:
        log.info("dispute of no known payment ignored", extra={"dispute": dispute_id})
        return None
    now = services.clock.now()
    status = str(dispute.get("status"))
    await _mirror(dispute, payment, charge_id, now)

    async def on_change(row: Payment, _old: PaymentStatus) -> None:
        if row.status == PaymentStatus.DISPUTED:
            reason = dispute.get("reason") or "unspecified"
            await audit.record(
                AuditAction.DISPUTE_OPENED,
                actor=audit.SYSTEM,
                now=now,
                user_id=row.user_id,
                subject=dispute_id,
                reason=f"Chargeback ({reason}) on payment {ids.encode('Payment', row.pk)}: "
                "what it paid for is taken back and purchases are restricted.",
                key=f"dispute-chargeback:{dispute_id}",
            )
            await restrict(
                row.user_id,
                f"Chargeback on payment {row.reference} ({reason}).",
                now,
                subject=dispute_id,
                services=services,
            )

    for happening in dispute_happenings(status):
        await payment_status.apply(
            payment, happening, now, also=lambda _p: {"stripe_charge_id": charge_id}, on_change=on_change
        )
    await converge_grants(services, payment)
    await _audit_inquiry_and_close(dispute, payment, now)
    return payment


async def _mirror(dispute: dict[str, Any], payment: Payment, charge_id: str, now: datetime) -> None:
    """Keep support's copy of the dispute (status, kind, money moved) equal to Stripe's."""
    withdrawn, reinstated = funds_moved(dispute)
    status = str(dispute.get("status"))
    case_type = ((dispute.get("payment_method_details") or {}).get("card") or {}).get("case_type")
    values = {
        "stripe_charge_id": charge_id,
        "payment_id": payment.pk,
        "user_id": payment.user_id,
        "status": status,
        "reason": dispute.get("reason"),
        # Once a chargeback, never an inquiry again (an escalated inquiry keeps its id).
        "inquiry": status in INQUIRY_STATUSES and case_type in (None, "inquiry"),
        "amount": int(dispute.get("amount") or 0),
        "currency": str(dispute.get("currency") or "").upper(),
        "funds_withdrawn": withdrawn,
        "funds_reinstated": reinstated,
    }

    async def attempt() -> None:
        row = await Dispute.get_or_none(stripe_dispute_id=dispute["id"])
        if row is None:
            created = so.ts(dispute.get("created")) or now
            if not await Dispute.create_if_absent(
                stripe_dispute_id=dispute["id"], created_at=created, updated_at=now, **values
            ):
                raise StaleVersionError("created meanwhile by a concurrent event: compare with it")
            return
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changes:  # unchanged: not even `updated_at` moves (a second reconcile changes nothing)
            await row.save_versioned(**changes, updated_at=now)

    await retry_on_conflict(f"dispute {dispute['id']}", attempt)


async def _audit_inquiry_and_close(dispute: dict[str, Any], payment: Payment, now: datetime) -> None:
    """An inquiry is recorded for support (nothing else happens); a closed dispute says how it ended."""
    status, dispute_id = str(dispute.get("status")), dispute["id"]
    subject = ids.encode("Payment", payment.pk)
    if status in INQUIRY_STATUSES:
        await audit.record(
            AuditAction.DISPUTE_OPENED,
            actor=audit.SYSTEM,
            now=now,
            user_id=payment.user_id,
            subject=dispute_id,
            reason=f"Inquiry ({dispute.get('reason') or 'unspecified'}) on payment {subject}: "
            "no chargeback, nothing taken back.",
            key=f"dispute-inquiry:{dispute_id}",
        )
    if status in CLOSED_STATUSES:
        withdrawn, reinstated = funds_moved(dispute)
        money = f" Funds withdrawn {withdrawn}, reinstated {reinstated} ({dispute.get('currency')})."
        await audit.record(
            AuditAction.DISPUTE_CLOSED,
            actor=audit.SYSTEM,
            now=now,
            user_id=payment.user_id,
            subject=dispute_id,
            reason=f"Closed as {status} (payment {subject}).{money if withdrawn or reinstated else ''}",
            key=f"dispute-closed:{dispute_id}",
        )
