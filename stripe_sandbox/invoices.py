"""Invoices, their lines and invoice payments (current API shape).

Why: the gateway keys renewal payments by invoice and reaches the payment
intent through ``invoice.payments`` (``invoice_payment`` objects), the
subscription through ``parent.subscription_details.subscription``, and tax
through ``total_taxes``.  This module builds invoices in that shape and moves
them through draft -> open -> paid / void / uncollectible; the *flows* that
decide when (checkout, renewals, retries) live in :mod:`.subscriptions` and
:mod:`.checkout`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import account, customers, tax, tax_rates
from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .errors import invalid
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox


def _line(
    sb: Sandbox,
    invoice_id: str,
    price: dict[str, Any],
    quantity: int,
    period: tuple[int, int],
    line_tax: dict[str, Any],
    *,
    subscription: str | None,
    subscription_item: str | None,
    state: str | None,
) -> dict[str, Any]:
    amount = price["unit_amount"] * quantity
    product = sb.store.find("product", price["product"]) or {"name": price["product"]}
    if subscription_item:
        parent = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
                "subscription_item": subscription_item,
            },
            "type": "subscription_item_details",
        }
    else:
        parent = {
            "invoice_item_details": {
                "invoice_item": new_id("ii", 24),
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    return {
        "id": new_id("il", 24),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": f"{quantity} \u00d7 {product['name']}",
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price["id"], "product": price["product"]},
            "type": "price_details",
            "unit_amount_decimal": str(price["unit_amount"]),
        },
        "quantity": quantity,
        "subtotal": amount,
        "taxes": [tax.total_tax_entry(line_tax, state)] if line_tax["rate"] is not None else [],
    }


def make_invoice(
    sb: Sandbox,
    *,
    customer: dict[str, Any],
    items: list[dict[str, Any]],
    billing_reason: str,
    subscription: dict[str, Any] | None = None,
    automatic_tax: bool = False,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    default_payment_method: str | None = None,
    invoice_period: tuple[int, int] | None = None,
    discounts: list[str] | None = None,
) -> dict[str, Any]:
    """A draft invoice.  ``items``: ``{"price", "quantity", "period", "subscription_item"}``.
    ``discounts``: discount ids to take off (default: the subscription's, see discounts.py)."""
    from .discounts import decorate_invoice, plan_invoice

    invoice_id = new_id("in", 24)
    now = sb.clock.now()
    address = customer.get("address") or {}
    country, state = address.get("country"), address.get("state")
    tax_ids = customers.tax_ids_of(sb, customer["id"])
    reason = account.treatment(sb, country, state, tax_ids).reason
    lines, taxes = [], []
    plan = plan_invoice(sb, subscription=subscription, items=items, discount_ids=discounts)
    for index, item in enumerate(items):
        price = item["price"]
        amount = item.get("amount", price["unit_amount"] * item["quantity"])  # prorations.py: own amount
        off = plan.off(index)  # discounts.py: tax is computed on the discounted amount
        line_tax = (
            tax.compute(amount - off, price["tax_behavior"], country, state, reason)
            if automatic_tax
            else tax.compute(amount - off, "inclusive", None)
        )
        line = _line(
            sb,
            invoice_id,
            price,
            item["quantity"],
            item["period"],
            line_tax,
            subscription=subscription["id"] if subscription else None,
            subscription_item=item.get("subscription_item"),
            state=state,
        )
        if "amount" in item:  # a proration line (prorations.py)
            from .prorations import shape_line

            shape_line(line, item)
        lines.append(line)
        taxes.append(line_tax)
        if line_tax["rate"] is not None:
            tax_rates.ensure(sb, line_tax["country"], state, line_tax["rate"])
    subtotal = sum(line["amount"] for line in lines)
    total = sum(t["total"] for t in taxes)
    tax_amount = sum(t["tax"] for t in taxes)
    currency = lines[0]["currency"] if lines else "usd"
    # Stripe: an invoice's own period is the one billed in arrears (the period that
    # just ended for a cycle invoice; the creation instant for a first invoice).
    period_start, period_end = invoice_period or (now, now)
    invoice = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": account.country(sb),
        "account_name": "Billing Gateway Sandbox",
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": automatic_tax,
            "liability": {"type": "self"} if automatic_tax else None,
            "provider": "stripe" if automatic_tax else None,
            "status": ("complete" if country else "requires_location_inputs") if automatic_tax else None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "custom_fields": None,
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": dict(address) if address else None,
        "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "customer_phone": customer.get("phone"),
        "customer_shipping": None,
        "customer_tax_exempt": customer.get("tax_exempt", "none"),
        "customer_tax_ids": [{"type": t["type"], "value": t["value"]} for t in tax_ids],
        "default_payment_method": default_payment_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": dict(metadata or {}),
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": (
            {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            }
            if subscription
            else None
        ),
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period_end,
        "period_start": period_start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal - tax_amount if automatic_tax else subtotal,
        "test_clock": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total - tax_amount,
        "total_pretax_credit_amounts": [],
        "total_taxes": [tax.total_tax_entry(t, state) for t in taxes if t["rate"] is not None],
        "webhooks_delivered_at": None,
    }
    decorate_invoice(invoice, plan, items, taxes)  # discounts.py: discounts, total_discount_amounts
    sb.store.add(invoice)
    return invoice


def finalize(sb: Sandbox, invoice: dict[str, Any]) -> None:
    """draft -> open: number, hosted page and PDF links; emits ``invoice.finalized``."""
    customer = sb.store.get("customer", invoice["customer"])
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    now = sb.clock.now()
    invoice.update(
        status="open",
        number=f"{customer['invoice_prefix']}-{sequence:04d}",
        effective_at=now,
        ending_balance=0,
        hosted_invoice_url=f"{sb.base_url}/invoices/{invoice['id']}",
        invoice_pdf=f"{sb.base_url}/invoices/{invoice['id']}/pdf",
        webhooks_delivered_at=now,
    )
    invoice["status_transitions"]["finalized_at"] = now
    sb.store.touch()
    sb.emit("invoice.finalized", invoice)


def payment_for(sb: Sandbox, invoice: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    """The invoice_payment linking ``invoice`` to ``pi`` (created on first use)."""
    meta = sb.store.meta_of(invoice["id"])
    existing = meta.get("payments", [])
    for payment_id in existing:
        payment = sb.store.get("invoice_payment", payment_id)
        if payment["payment"].get("payment_intent") == pi["id"]:
            return payment
    payment = {
        "id": new_id("inpay", 24),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice["amount_remaining"],
        "created": sb.clock.now(),
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"payment_intent": pi["id"], "type": "payment_intent"},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }
    sb.store.add(payment)
    meta["payments"] = [*existing, payment["id"]]
    return payment


def mark_paid(sb: Sandbox, invoice: dict[str, Any], pi: dict[str, Any]) -> None:
    """Record the payment that settles the invoice (no events; callers emit in Stripe's order).

    After partial payments the default payment collects only what remained.
    """
    now = sb.clock.now()
    payment = payment_for(sb, invoice, pi)
    payment.update(status="paid", amount_paid=invoice["amount_remaining"])
    payment["status_transitions"]["paid_at"] = now
    invoice.update(
        status="paid",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        attempted=True,
        next_payment_attempt=None,
        receipt_number=invoice["number"],
    )
    invoice["status_transitions"]["paid_at"] = now
    sb.store.touch()


def add_payment(sb: Sandbox, invoice: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    """A payment attached to the invoice beside its default one (a partial payment attempt)."""
    payment = {
        "id": new_id("inpay", 24),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": pi["amount"],
        "created": sb.clock.now(),
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": False,
        "livemode": False,
        "payment": {"payment_intent": pi["id"], "type": "payment_intent"},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }
    sb.store.add(payment)
    meta = sb.store.meta_of(invoice["id"])
    meta["payments"] = [*meta.get("payments", []), payment["id"]]
    return payment


def record_partial(sb: Sandbox, invoice: dict[str, Any], payment: dict[str, Any], amount: int) -> None:
    """A partial payment went through: the invoice owes less; its default payment follows."""
    now = sb.clock.now()
    payment.update(status="paid", amount_paid=amount)
    payment["status_transitions"]["paid_at"] = now
    invoice["amount_paid"] += amount
    invoice["amount_remaining"] -= amount
    for other_id in sb.store.meta_of(invoice["id"]).get("payments", []):
        other = sb.store.get("invoice_payment", other_id)
        if other["is_default"] and other["status"] == "open":
            other["amount_requested"] = invoice["amount_remaining"]
    sb.store.touch()


def void(sb: Sandbox, invoice: dict[str, Any]) -> None:
    if invoice["status"] not in ("draft", "open"):
        raise invalid(f"You can only void an open invoice (status {invoice['status']}).")
    invoice["status"] = "void"
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["voided_at"] = sb.clock.now()
    sb.store.touch()
    sb.emit("invoice.voided", invoice)
    from .prorations import on_invoice_voided

    on_invoice_voided(sb, invoice)  # voiding a pending update's invoice cancels the update


def mark_uncollectible(sb: Sandbox, invoice: dict[str, Any]) -> None:
    invoice["status"] = "uncollectible"
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["marked_uncollectible_at"] = sb.clock.now()
    sb.store.touch()
    sb.emit("invoice.marked_uncollectible", invoice)


def payments_list(sb: Sandbox, invoice: dict[str, Any]) -> dict[str, Any]:
    """``invoice.payments`` (only present when expanded, as on Stripe)."""
    ids = sb.store.meta_of(invoice["id"]).get("payments", [])
    data = [sb.store.get("invoice_payment", i) for i in reversed(ids)]
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "url": f"/v1/invoices/{invoice['id']}/payments",
    }


def confirmation_secret(sb: Sandbox, invoice: dict[str, Any]) -> dict[str, Any] | None:
    """``invoice.confirmation_secret``: includable, so only present when expanded (Stripe's API
    reference; the SDK declares the field, Invoice.ConfirmationSecret): the client secret of the
    payment intent Stripe made when it finalized the invoice."""
    for payment_id in sb.store.meta_of(invoice["id"]).get("payments", []):
        payment = sb.store.get("invoice_payment", payment_id)
        intent = (payment.get("payment") or {}).get("payment_intent")
        if payment.get("is_default") and isinstance(intent, str):
            secret = sb.store.get("payment_intent", intent)["client_secret"]
            return {"client_secret": secret, "type": "payment_intent"}
    return None


# -- routes ------------------------------------------------------------------------
def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("invoice", call.path["id"])


def list_(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("invoice")
    if prm.get("customer"):
        items = [i for i in items if i["customer"] == prm["customer"]]
    if prm.get("subscription"):
        items = [
            i
            for i in items
            if (i["parent"] or {}).get("subscription_details", {}).get("subscription") == prm["subscription"]
        ]
    if prm.get("status"):
        items = [i for i in items if i["status"] == prm["status"]]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/invoices")


def list_lines(call: Call) -> dict[str, Any]:
    invoice = call.sb.store.get("invoice", call.path["id"])
    return paginate(list(reversed(invoice["lines"]["data"])), call.params, invoice["lines"]["url"])


def list_invoice_payments(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("invoice_payment")
    if prm.get("invoice"):
        items = [i for i in items if i["invoice"] == prm["invoice"]]
    payment = prm.get("payment") or {}
    if payment.get("payment_intent"):
        items = [i for i in items if i["payment"].get("payment_intent") == payment["payment_intent"]]
    if prm.get("status"):
        items = [i for i in items if i["status"] == prm["status"]]
    return paginate(items, prm, "/v1/invoice_payments")


def retrieve_invoice_payment(call: Call) -> dict[str, Any]:
    return call.sb.store.get("invoice_payment", call.path["id"])


def void_route(call: Call) -> dict[str, Any]:
    invoice = call.sb.store.get("invoice", call.path["id"])
    void(call.sb, invoice)
    return invoice


def mark_uncollectible_route(call: Call) -> dict[str, Any]:
    invoice = call.sb.store.get("invoice", call.path["id"])
    if invoice["status"] != "open":
        raise invalid("You can only mark an open invoice as uncollectible.")
    mark_uncollectible(call.sb, invoice)
    return invoice


def install(sb: Sandbox) -> None:
    sb.expanders[("invoice", "payments")] = payments_list
    sb.expanders[("invoice", "confirmation_secret")] = confirmation_secret


ROUTES = [
    api_route("/v1/invoices/{id}", "GET", retrieve, {}),
    api_route(
        "/v1/invoices",
        "GET",
        list_,
        {
            **LIST_SPEC,
            "customer": p.STR,
            "subscription": p.STR,
            "status": p.one_of("draft", "open", "paid", "uncollectible", "void"),
            "created": p.ANY,
            "collection_method": p.STR,
        },
    ),
    api_route("/v1/invoices/{id}/lines", "GET", list_lines, LIST_SPEC),
    api_route("/v1/invoices/{id}/void", "POST", void_route, {}),
    api_route("/v1/invoices/{id}/mark_uncollectible", "POST", mark_uncollectible_route, {}),
    api_route(
        "/v1/invoice_payments",
        "GET",
        list_invoice_payments,
        {
            **LIST_SPEC,
            "invoice": p.STR,
            "payment": {"type": p.STR, "payment_intent": p.STR},
            "status": p.one_of("open", "paid", "canceled"),
        },
    ),
    api_route("/v1/invoice_payments/{id}", "GET", retrieve_invoice_payment, {}),
]
