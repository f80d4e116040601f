"""Invoices and renewal payments, kept in step with Stripe's invoices.

The invoice row mirrors Stripe's invoice. Payment rows follow DESIGN.md: the
first invoice of a subscription belongs to its checkout's row (found through
the subscription's metadata `payment_reference`); every later invoice gets its
own RENEWAL row keyed by the invoice id; a gift's invoice is attached to the
gift's checkout row.

A renewal's status is read from Stripe's invoice as it is now, with its
default payment intent (`renewal_happening`), never from which event arrived:
two events about one attempt then end the same whatever their order, and the
webhooks and `reconcile` (which call the same `sync_invoice`) agree.

As with subscriptions (`billing.subscriptions.sync`), the row keeps when the GET
it came from started (`stripe_synced_at`): an older answer is not applied over
a newer one, and an invoice event that arrived before the stored GET began
(invoice.finalized and invoice.paid of one payment, in a burst) needs no GET.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from billing.catalog.prices import entry_of_price
from billing.customers.accounts import owner_of
from billing.notifications import changes as notifications
from billing.payments import status as payment_status
from billing.payments.status import Happening
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import fetched_after_event, older_than_stored, retrieve_stamped
from billing.stripe.discounts import discount_total, lines_of
from models import Invoice, Payment, Subscription
from models.enums import InvoiceStatus, PaymentKind, PaymentStatus, ProductType

log = logging.getLogger("billing.invoices.sync")

FIRST_INVOICE_REASONS = frozenset({"subscription_create"})
# The invoice Stripe makes for an immediate plan change (`proration_behavior=always_invoice`).
PLAN_CHANGE_REASON = "subscription_update"
# An attempted open invoice whose default payment intent is in this state is waiting for the
# customer (3D Secure); in one of the others its last attempt failed.
_WAITS_FOR_CUSTOMER = "requires_action"
_ATTEMPT_FAILED = frozenset({"requires_payment_method", "canceled"})


# The invoice payments with their intents (which one paid, and where Stripe's own attempt stands);
# the tax rate objects for each tax line's percentage and place.
INVOICE_EXPAND = ["payments.data.payment.payment_intent", "total_taxes.tax_rate_details.tax_rate"]


def is_plan_change(invoice: dict[str, Any]) -> bool:
    """The prorated invoice of an immediate plan change: `subscription_update` with prorations
    (ending a trial early is a `subscription_update` too, without them)."""
    return invoice.get("billing_reason") == PLAN_CHANGE_REASON and any(
        line["proration"] for line in lines_of(invoice)
    )


def is_checkout_invoice(invoice: dict[str, Any]) -> bool:
    """A checkout's own invoice (a gift's, or a subscription's first): it only carries ids to the
    checkout's payment row, whose status the checkout events decide."""
    return (
        so.invoice_subscription_id(invoice) is None or invoice.get("billing_reason") in FIRST_INVOICE_REASONS
    )


async def fetch_invoice(services: Services, invoice_id: str) -> dict[str, Any]:
    return (await _fetch_stamped(services, invoice_id))[0]


async def _fetch_stamped(services: Services, invoice_id: str) -> tuple[dict[str, Any], int]:
    return await retrieve_stamped(services.stripe, "invoices", invoice_id, {"expand": INVOICE_EXPAND})


def _jurisdiction(rate: dict[str, Any]) -> str | None:
    """ "DE", or "CA-ON" for a subdivision: Stripe's ISO `country` and `state` (no country prefix)."""
    country, state = rate.get("country"), rate.get("state")
    if country:
        return f"{country}-{state}" if state else country
    return rate.get("jurisdiction")


def _rate_percent(entry: dict[str, Any]) -> tuple[str, str | None]:
    """The rate as a string ("19", "8.875") and its jurisdiction, from a `total_taxes` entry."""
    rate = (entry.get("tax_rate_details") or {}).get("tax_rate")
    if isinstance(rate, dict) and rate.get("percentage") is not None:
        percent = Decimal(str(rate["percentage"]))
        jurisdiction = _jurisdiction(rate)
    else:
        taxable = int(entry.get("taxable_amount") or 0)
        amount = int(entry.get("amount") or 0)
        percent = (
            (Decimal(amount) * 100 / Decimal(taxable)).quantize(Decimal("0.001")) if taxable else Decimal(0)
        )
        jurisdiction = None
    text = format(percent.normalize(), "f")
    return text, jurisdiction


def tax_breakdown(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    lines = []
    for entry in invoice.get("total_taxes") or []:
        percent, jurisdiction = _rate_percent(entry)
        lines.append(
            {
                "amount": int(entry.get("amount") or 0),
                "rate_percent": percent,
                "jurisdiction": jurisdiction,
                "inclusive": entry.get("tax_behavior") == "inclusive",
                # Stripe's reason: standard_rated, not_collecting (not registered there),
                # reverse_charge (an EU business pays the VAT itself), …
                "taxability_reason": entry.get("taxability_reason"),
            }
        )
    return lines


def renewal_happening(invoice: dict[str, Any]) -> Happening | None:
    """What Stripe's invoice, as it is now, means for its renewal payment (None: nothing yet).

    Paid: COMPLETED. Open and attempted: Stripe's default payment intent tells a
    customer who must authenticate (REQUIRES_ACTION) from a failed attempt
    (FAILED). A partial payment or another failed attempt with its own intent
    changes neither: only the invoice's status and its default intent count.
    """
    if invoice.get("status") == "paid":
        return Happening.INVOICE_PAID
    if invoice.get("status") != "open" or not invoice.get("attempted"):
        return None
    intent = so.default_intent(invoice)
    status = intent.get("status") if isinstance(intent, dict) else None
    if status == _WAITS_FOR_CUSTOMER:
        return Happening.INVOICE_ACTION_REQUIRED
    if status in _ATTEMPT_FAILED:
        return Happening.INVOICE_FAILED
    return None


def _invoice_columns(invoice: dict[str, Any]) -> dict[str, Any]:
    lines = (invoice.get("lines") or {}).get("data") or []
    period = (lines[0].get("period") or {}) if lines else {}
    taxes = tax_breakdown(invoice)
    transitions = invoice.get("status_transitions") or {}
    return {
        "stripe_customer_id": so.obj_id(invoice.get("customer")),
        "stripe_subscription_id": so.invoice_subscription_id(invoice),
        "number": invoice.get("number"),
        "status": so.invoice_status(invoice.get("status")),
        "currency": so.currency(invoice["currency"]),
        "subtotal": int(invoice.get("subtotal") or 0),
        "tax": sum(t["amount"] for t in taxes),
        "total": int(invoice.get("total") or 0),
        "amount_paid": int(invoice.get("amount_paid") or 0),
        "amount_due": int(invoice.get("amount_due") or 0),
        "tax_breakdown": taxes,
        "period_start": so.ts(period.get("start")),
        "period_end": so.ts(period.get("end")),
        "paid_at": so.ts(transitions.get("paid_at")),
        "hosted_invoice_url": invoice.get("hosted_invoice_url"),
        "invoice_pdf": invoice.get("invoice_pdf"),
        "created_at": so.ts(invoice["created"]),
        "discount": discount_total(invoice),
        "lines": lines_of(invoice),
        "billing_reason": invoice.get("billing_reason"),
    }


async def _renewal_row(services: Services, invoice: dict[str, Any], user_id: str) -> Payment:
    existing = await Payment.get_or_none(stripe_invoice_id=invoice["id"])
    if existing is not None:
        return existing
    sub_id = so.invoice_subscription_id(invoice)
    sub = await Subscription.get_or_none(stripe_subscription_id=sub_id) if sub_id else None
    product = so.invoice_subscription_metadata(invoice).get("product_type")
    product_type = sub.product_type if sub else ProductType(product or ProductType.PREMIUM_MONTHLY)
    lines = (invoice.get("lines") or {}).get("data") or []
    pricing = (lines[0].get("pricing") or {}).get("price_details") or {} if lines else {}
    plan_change = is_plan_change(invoice)
    if plan_change:
        # The plan switched to: the price of the line charging for the new period.
        charged = [line for line in lines if int(line.get("amount") or 0) > 0] or lines
        pricing = (charged[0].get("pricing") or {}).get("price_details") or {} if charged else {}
        entry = await entry_of_price(pricing.get("price"))
        if entry is not None:
            product_type = entry.product_type
    now = services.clock.now()
    created = await Payment.create_if_absent(
        user_id=user_id,
        kind=PaymentKind.PLAN_CHANGE if plan_change else PaymentKind.RENEWAL,
        stripe_customer_id=so.obj_id(invoice.get("customer")),
        stripe_subscription_id=sub_id,
        stripe_invoice_id=invoice["id"],
        stripe_payment_intent_id=so.invoice_payment_intent_id(invoice),
        stripe_price_id=pricing.get("price") or (sub.stripe_price_id if sub else None),
        product_type=product_type,
        amount=int(invoice.get("amount_due") or invoice.get("total") or 0),
        discount_amount=discount_total(invoice),
        currency=so.currency(invoice["currency"]),
        status=PaymentStatus.PENDING,
        is_gift=False,
        created_at=so.ts(invoice["created"]) or now,
        updated_at=now,
    )
    return created or await Payment.get(stripe_invoice_id=invoice["id"])  # or made meanwhile


async def _first_invoice_row(invoice: dict[str, Any]) -> Payment | None:
    reference = so.invoice_subscription_metadata(invoice).get("payment_reference") or so.metadata(
        invoice
    ).get("payment_reference")
    if reference:
        row = await Payment.get_or_none(reference=reference)
        if row is not None:
            return row
    return await Payment.get_or_none(stripe_invoice_id=invoice["id"])


async def sync_invoice(services: Services, invoice_id: str) -> Invoice | None:
    """Apply Stripe's current invoice, and what it means for its payment row.

    Every invoice event and the reconcile walk call this: the outcome depends on
    Stripe's state only. In a handler, a row applied from a GET begun after the
    event arrived is the answer (no GET).
    """
    stored = await Invoice.get_or_none(stripe_invoice_id=invoice_id)
    if stored is not None and fetched_after_event(stored.stripe_synced_at):
        return stored
    invoice, fetched_ms = await _fetch_stamped(services, invoice_id)
    return await apply_invoice(services, invoice, fetched_ms)


async def apply_invoice(services: Services, invoice: dict[str, Any], fetched_ms: int) -> Invoice | None:
    """Apply `invoice` as a GET begun at `fetched_ms` answered it (`retrieve_stamped`), with
    `INVOICE_EXPAND`'s expansions (a subscription's first invoice may come with its payments'
    intents as ids: nothing for it reads them further).

    The writes share one transaction: the invoice, its payment and the
    payment's announcement land together (a retry after a failure starts from
    a clean slate), and the handler holds one database connection instead of
    taking one per statement. Stripe is called before it opens.
    """
    customer_id = so.obj_id(invoice.get("customer"))
    user_id = await owner_of(
        {"metadata": {**so.metadata(invoice), **so.invoice_subscription_metadata(invoice)}}, customer_id
    )
    if user_id is None:
        log.info("invoice of an unknown customer ignored", extra={"invoice": invoice["id"]})
        return None
    async with notifications.transaction():
        return await _apply_invoice(services, invoice, user_id, fetched_ms)


async def _apply_invoice(
    services: Services, invoice: dict[str, Any], user_id: str, fetched_ms: int
) -> Invoice:
    now = services.clock.now()
    row, _ = await Invoice.upsert_versioned(
        {"stripe_invoice_id": invoice["id"]},
        _invoice_columns(invoice),
        on_create={"user_id": user_id, "updated_at": now},
        keep_if=lambda stored: older_than_stored(fetched_ms, stored.stripe_synced_at),
        with_changes={"stripe_synced_at": fetched_ms},
    )
    if older_than_stored(fetched_ms, row.stripe_synced_at):
        return row  # a later GET's answer is applied already, and with it what it means for payments
    sub_id = so.invoice_subscription_id(invoice)
    pi_id = so.invoice_payment_intent_id(invoice)

    if is_checkout_invoice(invoice):
        # The checkout's own invoice: attach ids, the checkout events decide the status.
        payment = await _first_invoice_row(invoice)
        if payment is not None:
            ids = {"stripe_invoice_id": invoice["id"]}
            if sub_id:
                ids["stripe_subscription_id"] = sub_id
            if pi_id:
                ids["stripe_payment_intent_id"] = pi_id
            await payment_status.apply(payment, None, now, also=lambda _p: ids)
        return row

    nothing_due = int(invoice.get("amount_due") or 0) <= 0  # a credit goes to Stripe's customer balance
    if nothing_due and (row.status != InvoiceStatus.PAID or is_plan_change(invoice)):
        # Nothing to charge (a gift moved the period; a plan change the credit paid for): no row.
        return row
    payment = await _renewal_row(services, invoice, user_id)
    happening = renewal_happening(invoice)
    ids = {"stripe_payment_intent_id": pi_id} if pi_id else {}
    await payment_status.apply(payment, happening, now, also=lambda _p: ids, occurred_at=row.paid_at)
    return row
