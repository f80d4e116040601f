"""Turning a finished Checkout Session into payment status, a subscription or a gift code.

`settle_session` re-fetches the session, so whichever of the checkout events
arrives (and in whatever order) the row ends where Stripe's session says. The
row is found by session id, or by the purchase reference in the session's
metadata, or created from that metadata if the gateway died between Stripe
creating the session and the row being written.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from billing.catalog import entries as catalog
from billing.checkout.card_change import apply_new_default
from billing.gifts.codes import GIFT_CODE_KEY
from billing.gifts.redeem import issue_for
from billing.invoices.sync import apply_invoice, is_checkout_invoice
from billing.payments import status as payment_status
from billing.payments.status import Happening
from billing.plans import trials
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import retrieve, retrieve_stamped
from billing.stripe.discounts import SUBSCRIPTION_DISCOUNT_EXPAND, discount_total
from billing.subscriptions.sync import apply_subscription
from models import CatalogPrice, Payment
from models.enums import PaymentKind, PaymentStatus, ProductType

log = logging.getLogger("billing.checkout.fulfilment")
ASYNC_PAID_EVENT = "checkout.session.async_payment_succeeded"


# The session with its subscription and its invoice (their payments' intents stay ids: a checkout's
# own invoice only carries them to the payment row): one GET for the three objects of a purchase.
# Expansions go at most four levels deep (Stripe's limit).
SESSION_EXPAND = [
    "subscription",
    *(f"subscription.{path}" for path in SUBSCRIPTION_DISCOUNT_EXPAND),
    "subscription.default_payment_method",  # its card's fingerprint: one trial per card
    "invoice.payments",
    "invoice.total_taxes.tax_rate_details.tax_rate",
]


async def fetch_session(services: Services, session_id: str) -> tuple[dict[str, Any], int]:
    """The session as `SESSION_EXPAND` brings it, and when the GET started (`retrieve_stamped`):
    the subscription and invoice events of the purchase, handled after it, need no GET of their own."""
    return await retrieve_stamped(
        services.stripe, "checkout/sessions", session_id, {"expand": SESSION_EXPAND}
    )


def happening_for(
    session: dict[str, Any],
    event_type: str,
    current: PaymentStatus,
    intent: dict[str, Any] | None = None,
) -> Happening | None:
    """What Stripe's current session means for a payment in status `current`.

    A completed but unpaid session (a delayed method) is read through its
    payment intent when there is one: still on its way (AWAITING_SETTLEMENT),
    failed (the debit bounced), or cancelled as expired (a bank transfer whose
    funds never came: EXPIRED). Without one (a subscription's first invoice
    pays it), the event says which.
    """
    if session.get("status") == "expired":
        return Happening.CHECKOUT_EXPIRED
    if session.get("status") != "complete":
        return None
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if paid:
        return (
            Happening.ASYNC_SUCCEEDED
            if current == PaymentStatus.AWAITING_SETTLEMENT
            else Happening.CHECKOUT_PAID
        )
    if intent is not None:
        if intent.get("status") == "canceled" and intent.get("cancellation_reason") == "expired":
            return Happening.ASYNC_EXPIRED
        if intent.get("status") in ("requires_payment_method", "canceled"):
            return Happening.ASYNC_FAILED
        return Happening.CHECKOUT_UNPAID
    if event_type == "checkout.session.async_payment_failed":
        return Happening.ASYNC_FAILED
    return Happening.CHECKOUT_UNPAID


async def _row_for(services: Services, session: dict[str, Any]) -> Payment | None:
    row = await Payment.get_or_none(checkout_session_id=session["id"])
    if row is not None:
        return row
    meta = so.metadata(session)
    reference, user_id = meta.get("payment_reference"), meta.get("user_id")
    if reference:
        row = await Payment.get_or_none(reference=reference)
        if row is not None:
            return row
    if not (user_id and reference and meta.get("product_type")):
        return None  # not a purchase made through this gateway
    # The gateway died after Stripe made the session and before the row was written.
    is_gift = meta.get("is_gift") == "true"
    currency = so.currency(session["currency"])
    product_type = ProductType(meta["product_type"])
    entry = catalog.find(product_type, is_gift=is_gift, currency=currency)
    price = await CatalogPrice.get_or_none(lookup_key=entry.lookup_key)
    now = services.clock.now()
    try:
        row = await Payment.create(
            user_id=user_id,
            reference=reference,
            kind=PaymentKind.CHECKOUT,
            checkout_session_id=session["id"],
            stripe_customer_id=so.obj_id(session.get("customer")),
            stripe_price_id=price.stripe_price_id if price else None,
            product_type=product_type,
            amount=int(session.get("amount_total") or entry.amount),
            currency=currency,
            status=PaymentStatus.PENDING,
            is_gift=is_gift,
            created_at=so.ts(session.get("created")) or now,
            updated_at=now,
        )
        log.warning("payment row recreated from session metadata", extra={"session": session["id"]})
        return row
    except IntegrityError:
        return await Payment.get_or_none(checkout_session_id=session["id"])


async def settle_session(
    services: Services, session_id: str, event_type: str, occurred_at: datetime | None = None
) -> Payment | None:
    session, fetched_ms = await fetch_session(services, session_id)
    if session.get("mode") == "setup":
        await apply_new_default(services, session)
        return None
    payment = await _row_for(services, session)
    if payment is None:
        log.info("session not made by this gateway ignored", extra={"session": session_id})
        return None
    now = services.clock.now()
    ids: dict[str, Any] = {"checkout_session_id": session["id"]}
    for key, column in (
        ("payment_intent", "stripe_payment_intent_id"),
        ("subscription", "stripe_subscription_id"),
        ("invoice", "stripe_invoice_id"),
        ("customer", "stripe_customer_id"),
    ):
        value = so.obj_id(session.get(key))
        if value:
            ids[column] = value
    if session.get("amount_total") is not None:
        # What Stripe asks for: a promotion code's discount taken off, zero for a free trial.
        ids["amount"] = int(session["amount_total"])
        ids["discount_amount"] = discount_total(session)
    if event_type == ASYNC_PAID_EVENT and occurred_at is not None and session.get("payment_status") == "paid":
        # A delayed payment was paid when this event says, whichever event completed the row: one
        # delivered late (checkout.session.completed re-fetching a session paid meanwhile) stamps
        # its own, earlier time, which this corrects, so every order of delivery ends the same.
        ids["completed_at"] = occurred_at

    reserved = so.metadata(session).get(GIFT_CODE_KEY)

    async def on_change(row: Payment, _old: PaymentStatus) -> None:
        if row.is_gift and row.status == PaymentStatus.COMPLETED:
            await issue_for(row, now, services.config.gift_code_ttl, code=reserved)

    intent = None
    intent_id = so.obj_id(session.get("payment_intent"))
    if session.get("status") == "complete" and session.get("payment_status") == "unpaid" and intent_id:
        intent = await retrieve(services.stripe, "payment_intents", intent_id)
    happening = happening_for(session, event_type, PaymentStatus(payment.status), intent)
    try:
        await payment_status.apply(
            payment, happening, now, also=lambda _p: ids, on_change=on_change, occurred_at=occurred_at
        )
    except IntegrityError:
        # The invoice id is already on another row (a renewal row made in error); keep ours clean.
        ids.pop("stripe_invoice_id", None)
        await payment.refresh_from_db()
        await payment_status.apply(
            payment, happening, now, also=lambda _p: ids, on_change=on_change, occurred_at=occurred_at
        )
    if payment.is_gift and payment.status == PaymentStatus.COMPLETED:
        await issue_for(payment, now, services.config.gift_code_ttl, code=reserved)  # heals a lost issue
    if isinstance(session.get("subscription"), dict):
        await apply_subscription(services, session["subscription"], fetched_ms)
        await trials.on_trial_started(services, payment.user_id, session["subscription"])
    invoice = session.get("invoice")
    if isinstance(invoice, dict) and is_checkout_invoice(invoice):
        await apply_invoice(services, invoice, fetched_ms)
    return payment
