"""Chargebacks: converging a payment on Stripe's dispute.

A dispute is re-fetched, so the created/closed events converge whatever their
order (Stripe does not promise one): both ask "what is the dispute now?".
- Open, or `lost`: the payment becomes DISPUTED (taking back what it paid for,
  `billing.reversals`) and the buyer's account is restricted. A lost dispute
  was opened first, so `charge.dispute.closed(lost)` handled before (or
  without) `charge.dispute.created` still makes the payment DISPUTED.
- `won` (or an inquiry closed without a chargeback): back to COMPLETED,
  restoring what the dispute took back, since the money stayed with us. When
  the gateway first hears of a dispute after it was won (both events handled
  late, in either order), the payment never becomes DISPUTED: nothing is taken
  back and the account is not restricted.
The restriction is made when the payment *becomes* DISPUTED, so a redelivered
event never re-restricts an account support has lifted; winning the dispute
does not lift it either (support decides).
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


def dispute_happenings(status: str) -> list[Happening]:
    """What a dispute in Stripe's `status` means for its payment, applied in order.

    Every closed dispute was opened first: `lost` goes through DISPUTE_OPENED, so
    the payment is DISPUTED whichever event is handled first.
    """
    if status in WON_STATUSES:
        return [Happening.DISPUTE_WON]
    if status in LOST_STATUSES:
        return [Happening.DISPUTE_OPENED, Happening.DISPUTE_LOST]
    return [Happening.DISPUTE_OPENED]


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

    for happening in dispute_happenings(str(dispute.get("status"))):
        await payment_status.apply(
            payment, happening, now, also=lambda _p: {"stripe_charge_id": charge_id}, on_change=on_change
        )
    await converge_grants(services, payment)
    return payment
