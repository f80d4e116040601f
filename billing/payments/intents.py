"""Payment intents: which payment they pay, and why an attempt failed."""

from __future__ import annotations

from typing import Any

from billing.payments import status as payment_status
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import retrieve
from models import Payment


async def record_intent(services: Services, intent: dict[str, Any], *, failed: bool) -> Payment | None:
    """Attach the intent to its payment; on failure, note the reason."""
    payment = await Payment.get_or_none(stripe_payment_intent_id=intent["id"])
    reference = so.metadata(intent).get("payment_reference")
    if payment is None and reference:
        payment = await Payment.get_or_none(reference=reference)
    if payment is None:
        return None  # a subscription invoice's intent: the invoice events carry it
    # The charge id is not recorded here: refunds and disputes carry the intent id too, and
    # only some orders of delivery would see this event after the row learnt its intent.
    columns: dict[str, Any] = {"stripe_payment_intent_id": intent["id"]}
    if failed:  # the reason as Stripe has it now (a later attempt may have failed differently)
        fresh = await retrieve(services.stripe, "payment_intents", intent["id"])
        error = fresh.get("last_payment_error") or intent.get("last_payment_error")
        if error:
            columns["failure_code"] = (error.get("decline_code") or error.get("code") or "")[:64] or None
            columns["failure_message"] = (error.get("message") or "")[:500] or None
    # A success only says which intent pays the row (an id never changes: no GET); its status is
    # the checkout's and the invoice's events' to decide.
    await payment_status.apply(payment, None, services.clock.now(), also=lambda _p: columns)
    return payment
