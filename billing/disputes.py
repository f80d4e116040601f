"""Chargebacks: converging a payment on Stripe's dispute.

A dispute is re-fetched, so the created/closed events converge whatever their
order: an open dispute makes the payment DISPUTED (taking back what it paid
for, `billing.reversals`) and restricts the buyer's account; `won` (or an
inquiry closed without a chargeback) puts the payment back to COMPLETED and
restores what the dispute took back, since the money stayed with us; `lost`
leaves it DISPUTED. The restriction is made when the payment *becomes*
DISPUTED, so a redelivered event never re-restricts an account support has
lifted; winning the dispute does not lift it either (support decides).
"""

from __future__ import annotations

import logging
from typing import Any

from billing import payment_status
from billing import stripe_objects as so
from billing.payment_status import Happening
from billing.refunds import fetch_charge, payment_of_charge
from billing.restrictions import restrict
from billing.reversals import converge_grants
from billing.services import Services
from models import Payment
from models.enums import PaymentStatus

log = logging.getLogger("billing.disputes")

# Stripe's dispute statuses that end in our favour; `lost` changes nothing; anything else is open.
WON_STATUSES = frozenset({"won", "warning_closed", "prevented"})
LOST_STATUSES = frozenset({"lost"})


def dispute_happening(status: str) -> Happening:
    if status in WON_STATUSES:
        return Happening.DISPUTE_WON
    if status in LOST_STATUSES:
        return Happening.DISPUTE_LOST
    return Happening.DISPUTE_OPENED


async def fetch_dispute(services: Services, dispute_id: str) -> dict[str, Any]:
    return so.as_dict(await services.stripe.v1.disputes.retrieve_async(dispute_id))


async def sync_dispute(services: Services, dispute_id: str) -> Payment | None:
    dispute = await fetch_dispute(services, dispute_id)
    charge_id = so.obj_id(dispute.get("charge"))
    if not charge_id:
        return None
    payment = await payment_of_charge({"id": charge_id, "payment_intent": dispute.get("payment_intent")})
    if payment is None:
        payment = await payment_of_charge(await fetch_charge(services, charge_id))
    if payment is None:
        log.info("dispute of no known payment ignored", extra={"dispute": dispute_id})
        return None
    now = services.clock.now()

    async def on_change(row: Payment, _old: PaymentStatus) -> None:
        if row.status == PaymentStatus.DISPUTED:
            reason = dispute.get("reason") or "unspecified"
            await restrict(row.user_id, f"Chargeback on payment {row.reference} ({reason}).", now)

    await payment_status.apply(
        payment,
        dispute_happening(str(dispute.get("status"))),
        now,
        also=lambda _p: {"stripe_charge_id": charge_id},
        on_change=on_change,
    )
    await converge_grants(services, payment)
    return payment
