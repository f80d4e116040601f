"""Which payment a charge belongs to, asking Stripe when the gateway cannot tell yet.

Refund, dispute and fraud events name a charge (and its payment intent). At
the pinned API version neither a charge nor a payment intent names its
invoice, and a subscription's payment intent carries none of the purchase's
metadata, so a refund of a first subscription charge that arrives before any
invoice event matches no row by itself. `place_charge` then walks Stripe's
links: payment intent -> invoice payments (`invoice_payments.list` by
`payment[payment_intent]`) -> invoice, and applies that invoice with the
invoice handler's own `sync_invoice` (which attaches the ids to the checkout's
row, or makes the renewal's row). A row still waiting for its checkout events
is settled from Stripe's session first, so the refund or dispute that follows
applies to a COMPLETED payment.

What cannot be placed yet although it is ours (its metadata or invoice says
so) raises `ChargeNotPlacedYet`: the webhook inbox retries the event later
instead of dropping it. A charge that is not ours is left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing.checkout.fulfilment import settle_session
from billing.invoices.sync import sync_invoice
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from models import Payment
from models.enums import PaymentStatus

log = logging.getLogger("billing.checkout.charges")

_WAITING = (PaymentStatus.PENDING, PaymentStatus.AWAITING_SETTLEMENT)
_OURS = ("payment_reference", "user_id")


class ChargeNotPlacedYet(RuntimeError):
    """A charge of one of our purchases whose payment row is not there yet: retry the event later."""


async def local_payment(charge: dict[str, Any]) -> Payment | None:
    """The payment a charge belongs to, from the gateway's own rows only."""
    payment = await Payment.get_or_none(stripe_charge_id=charge["id"])
    intent = so.obj_id(charge.get("payment_intent"))
    if payment is None and intent:
        payment = await Payment.get_or_none(stripe_payment_intent_id=intent)
    reference = so.metadata(charge).get("payment_reference")
    if payment is None and reference:
        payment = await Payment.get_or_none(reference=reference)
    return payment


async def place_charge(services: Services, charge: dict[str, Any]) -> Payment | None:
    """The payment `charge` belongs to, brought up to date with Stripe; None when it is not ours.

    Raises `ChargeNotPlacedYet` for a charge of ours whose row cannot be found yet.
    """
    payment = await local_payment(charge)
    if payment is None:
        payment = await _through_invoice(services, charge)
    if payment is None:
        if any(so.metadata(charge).get(key) for key in _OURS):
            raise ChargeNotPlacedYet(f"charge {charge['id']}: its payment row is not there yet")
        return None
    if payment.status in _WAITING:
        await _settle(services, payment, so.ts(charge.get("created")))
    return payment


async def _through_invoice(services: Services, charge: dict[str, Any]) -> Payment | None:
    intent = so.obj_id(charge.get("payment_intent"))
    if not intent:
        return None
    listing = await call(
        "invoice_payments.list",
        services.stripe.v1.invoice_payments.list_async(
            params={"payment": {"type": "payment_intent", "payment_intent": intent}, "limit": 10}
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    for entry in listing.data:
        invoice_id = so.obj_id(entry.invoice)
        if not invoice_id:
            continue
        invoice = await sync_invoice(services, invoice_id)
        payment = await Payment.get_or_none(stripe_invoice_id=invoice_id)
        if payment is not None:
            log.info(
                "charge placed through its invoice",
                extra={"charge": charge["id"], "invoice": invoice_id, "payment": payment.reference},
            )
            return payment
        if invoice is not None:  # the invoice is one of ours (its owner is known): the row will come
            raise ChargeNotPlacedYet(f"charge {charge['id']}: invoice {invoice_id} has no payment row yet")
    return None


async def _settle(services: Services, payment: Payment, occurred_at: datetime | None) -> None:
    """A row still waiting for Stripe's checkout or invoice events: converge it on Stripe now."""
    if payment.checkout_session_id:
        await settle_session(services, payment.checkout_session_id, "checkout.session.completed", occurred_at)
    elif payment.stripe_invoice_id:
        await sync_invoice(services, payment.stripe_invoice_id)
    await payment.refresh_from_db()
