"""Subscriptions: creation from checkout, renewals, smart retries, updates, cancel.

Why: the gateway's premium access follows the subscription's status and its
items' ``current_period_end``, so these transitions must happen when Stripe
makes them and emit the events Stripe emits:

* renewal at period end: a draft ``subscription_cycle`` invoice, finalized and
  charged an hour later (as Stripe does);
* a failed renewal: subscription ``past_due``, ``invoice.payment_failed`` and
  Stripe's recommended Smart Retries default (8 tries within 2 weeks); after
  the last one the subscription is ``canceled`` (Stripe's default) or
  ``unpaid`` / left ``past_due`` as configured (``/_sandbox/settings``);
* new subscriptions use ``billing_mode=flexible`` (Stripe's default now); a
  cancellation is ``cancel_at_period_end`` or a ``cancel_at`` date (which is how
  the Dashboard and the customer portal may store "at period end" in flexible
  mode): ``customer.subscription.deleted`` when it comes;
* ``trial_end`` on an active subscription (gift time): ``trialing`` and the
  period runs to ``trial_end``; the next invoice comes then.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import invoices, payments, prorations, schedules
from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .customers import merge_metadata
from .errors import StripeError, card_declined, invalid
from .events import changed
from .periods import add_interval, next_period_end
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

#: Renewal invoices stay draft this long before finalization and payment.
DRAFT_SECONDS = 3600
#: Smart Retries default ("8 tries within 2 weeks"): retry offsets in days from the first try.
RETRY_DAYS = (1, 3, 5, 7, 9, 11, 13)
MAX_ATTEMPTS = len(RETRY_DAYS) + 1
DAY = 86400
LIVE = ("active", "trialing", "past_due")


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count", 1),
        "livemode": False,
        "metadata": dict(price["metadata"]),
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


def _item(sb: Sandbox, sub_id: str, price: dict[str, Any], quantity: int, period: tuple[int, int]) -> dict:
    return {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": sb.clock.now(),
        "current_period_end": period[1],
        "current_period_start": period[0],
        "discounts": [],
        "metadata": {},
        "plan": plan_of(price),
        "price": copy.deepcopy(price),
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    }


def period_end_of(sub: dict[str, Any]) -> int:
    return min(item["current_period_end"] for item in sub["items"]["data"])


def period_start_of(sub: dict[str, Any]) -> int:
    return min(item["current_period_start"] for item in sub["items"]["data"])


def make_subscription(
    sb: Sandbox,
    *,
    customer: dict[str, Any],
    prices: list[tuple[dict[str, Any], int]],
    default_payment_method: str | None,
    metadata: dict[str, str] | None,
    automatic_tax: bool,
    status: str = "incomplete",
) -> dict[str, Any]:
    now = sb.clock.now()
    sub_id = new_id("sub", 24)
    first = prices[0][0]["recurring"]
    end = add_interval(now, first["interval"], first["interval_count"])
    items = [_item(sb, sub_id, price, qty, (now, end)) for price, qty in prices]
    sub = {
        "id": sub_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": automatic_tax,
            "liability": {"type": "self"} if automatic_tax else None,
        },
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": None,
        # Stripe's default for new subscriptions since 2025-09-30.clover (changelog: "Makes
        # flexible billing mode the default for new subscriptions").
        "billing_mode": {
            "flexible": {"proration_discounts": "included"},
            "type": "flexible",
            "updated_at": now,
        },
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": first_currency(prices),
        "customer": customer["id"],
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": default_payment_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "status": status,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
    }
    return sb.store.add(sub)


def first_currency(prices: list[tuple[dict[str, Any], int]]) -> str:
    return prices[0][0]["currency"]


def _invoice_items(sub: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "price": item["price"],
            "quantity": item["quantity"],
            "period": (item["current_period_start"], item["current_period_end"]),
            "subscription_item": item["id"],
        }
        for item in sub["items"]["data"]
    ]


def first_invoice(sb: Sandbox, sub: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    """The draft ``subscription_create`` invoice, set as the subscription's latest."""
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=_invoice_items(sub),
        billing_reason="subscription_create",
        subscription=sub,
        automatic_tax=sub["automatic_tax"]["enabled"],
        description=None,
    )
    sub["latest_invoice"] = invoice["id"]
    return invoice


def set_status(sb: Sandbox, sub: dict[str, Any], status: str, **fields: Any) -> None:
    """Change status (and fields) and emit ``customer.subscription.updated``."""
    before = copy.deepcopy(sub)
    sub["status"] = status
    sub.update(fields)
    previous = changed(before, sub)
    if previous:
        sb.store.touch()
        sb.emit("customer.subscription.updated", sub, previous)


def end(sb: Sandbox, sub: dict[str, Any], *, reason: str | None = None) -> None:
    """Cancel now: status ``canceled``; emits ``customer.subscription.deleted``."""
    now = sb.clock.now()
    sub["status"] = "canceled"
    sub["ended_at"] = now
    sub["canceled_at"] = sub["canceled_at"] or now
    if reason and not sub["cancellation_details"].get("reason"):
        sub["cancellation_details"]["reason"] = reason
    for invoice in sb.store.all("invoice"):
        if _sub_of(invoice) == sub["id"] and invoice["status"] in ("draft", "open"):
            invoice["next_payment_attempt"] = None
            invoice["auto_advance"] = False
            sb.store.meta_of(invoice["id"]).pop("finalize_at", None)
    sb.store.touch()
    sb.emit("customer.subscription.deleted", sub)
    schedules.on_subscription_ended(sb, sub)  # its subscription schedule is canceled with it


def _sub_of(invoice: dict[str, Any]) -> str | None:
    parent = invoice.get("parent") or {}
    return (parent.get("subscription_details") or {}).get("subscription")


# -- time-driven work (called by the scheduler) ------------------------------------
def due_at(sub: dict[str, Any]) -> int | None:
    """When this subscription next needs attention (period end), if ever."""
    if sub["status"] not in LIVE:
        return None
    if sub["cancel_at"] is not None:
        return min(sub["cancel_at"], period_end_of(sub))
    return period_end_of(sub)


def on_period_end(sb: Sandbox, sub: dict[str, Any]) -> None:
    """Renew, or end it if it is set to cancel by now."""
    now = sb.clock.now()
    if sub["cancel_at"] is not None and sub["cancel_at"] <= now:
        end(sb, sub, reason="cancellation_requested")
        return
    schedules.before_renewal(sb, sub)  # a subscription schedule's next phase starts here
    before = copy.deepcopy(sub)
    old_start, old_end = period_start_of(sub), period_end_of(sub)
    for item in sub["items"]["data"]:
        recurring = item["price"]["recurring"]
        new_end = next_period_end(
            sub["billing_cycle_anchor"], old_end, recurring["interval"], recurring["interval_count"]
        )
        item["current_period_start"] = old_end
        item["current_period_end"] = new_end
    customer = sb.store.get("customer", sub["customer"])
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=prorations.take_pending(sb, sub) + _invoice_items(sub),  # pending proration items first
        billing_reason="subscription_cycle",
        subscription=sub,
        automatic_tax=sub["automatic_tax"]["enabled"],
        invoice_period=(old_start, old_end),
    )
    invoice["automatically_finalizes_at"] = now + DRAFT_SECONDS
    sb.store.meta_of(invoice["id"])["finalize_at"] = now + DRAFT_SECONDS
    sub["latest_invoice"] = invoice["id"]
    if sub["status"] == "trialing":
        sub["status"] = "active"
    sb.store.touch()
    sb.emit("customer.subscription.updated", sub, changed(before, sub))


def invoice_due_at(sb: Sandbox, invoice: dict[str, Any]) -> int | None:
    if invoice["status"] == "draft":
        return sb.store.meta_of(invoice["id"]).get("finalize_at")
    if invoice["status"] == "open" and invoice["next_payment_attempt"] is not None:
        return invoice["next_payment_attempt"]
    return None


def on_invoice_due(sb: Sandbox, invoice: dict[str, Any]) -> None:
    if invoice["status"] == "draft":
        sb.store.meta_of(invoice["id"]).pop("finalize_at", None)
        invoice["automatically_finalizes_at"] = None
        invoices.finalize(sb, invoice)
    attempt(sb, invoice)


def _payment_method_for(sb: Sandbox, invoice: dict[str, Any]) -> dict[str, Any] | None:
    sub = sb.store.find("subscription", _sub_of(invoice))
    customer = sb.store.get("customer", invoice["customer"])
    pm_id = (
        invoice["default_payment_method"]
        or (sub or {}).get("default_payment_method")
        or customer["invoice_settings"]["default_payment_method"]
    )
    return sb.store.find("payment_method", pm_id)


def _payment_intent_for(sb: Sandbox, invoice: dict[str, Any]) -> dict[str, Any]:
    meta = sb.store.meta_of(invoice["id"])
    pi = sb.store.find("payment_intent", meta.get("payment_intent"))
    if pi is None:
        reason = invoice["billing_reason"]
        pi = payments.make_payment_intent(
            sb,
            amount=invoice["amount_due"],
            currency=invoice["currency"],
            customer=invoice["customer"],
            description="Subscription creation" if reason == "subscription_create" else "Subscription update",
        )
        meta["payment_intent"] = pi["id"]
        invoices.payment_for(sb, invoice, pi)
    return pi


def attempt(sb: Sandbox, invoice: dict[str, Any], *, outcome: str | None = None) -> str:
    """Try to collect an open invoice off-session; emit what Stripe emits."""
    sub = sb.store.find("subscription", _sub_of(invoice))
    pm = _payment_method_for(sb, invoice)
    pi = _payment_intent_for(sb, invoice)
    pi["amount"] = invoice["amount_remaining"]  # what partial payments left
    now = sb.clock.now()
    meta = sb.store.meta_of(invoice["id"])
    meta.setdefault("first_attempt_at", now)
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if pm is None:
        status = "requires_payment_method"
    else:
        result = outcome or payments.customer_outcome(sb, invoice["customer"], pm["id"])
        status = payments.confirm(sb, pi, pm, result)
    if status == "succeeded":
        paid(sb, invoice, pi)
        return status
    if status == "processing":
        return status
    attempts_left = invoice["attempt_count"] < MAX_ATTEMPTS and (sub is None or sub["status"] != "canceled")
    invoice["next_payment_attempt"] = (
        meta["first_attempt_at"] + RETRY_DAYS[invoice["attempt_count"] - 1] * DAY if attempts_left else None
    )
    sb.store.touch()
    if status == "requires_action":
        sb.emit("invoice.payment_action_required", invoice)
    else:
        sb.emit("payment_intent.payment_failed", pi)
        sb.emit("invoice.payment_failed", invoice)
    if (
        sub is not None
        and sub["status"] in ("active", "trialing", "incomplete")
        and not prorations.holds(sb, invoice)  # a pending update's invoice leaves the status alone
    ):
        set_status(sb, sub, "past_due")
    if sub is not None and not attempts_left and sub["status"] == "past_due":
        exhausted(sb, sub)
    return status


def exhausted(sb: Sandbox, sub: dict[str, Any]) -> None:
    """All retries failed: apply the configured invoice and subscription outcomes."""
    invoice = sb.store.find("invoice", sub["latest_invoice"])
    if (
        invoice is not None
        and invoice["status"] == "open"
        and sb.store.settings.get("invoice_after_retries") == "uncollectible"
    ):
        invoices.mark_uncollectible(sb, invoice)
    behaviour = sb.retries_exhausted
    if behaviour == "canceled":
        end(sb, sub, reason="payment_failed")
    elif behaviour == "unpaid":
        set_status(sb, sub, "unpaid")


def pay_partially(sb: Sandbox, invoice: dict[str, Any], amount: int, *, succeeded: bool = True) -> dict:
    """A partial payment attempt on an open invoice, with its own payment intent (as the Dashboard's
    "Charge customer" with a smaller amount, or the API's ``attach_payment``, make them).

    A success lowers what the invoice still owes (paying the rest pays the invoice);
    a failure leaves it as it was. Either way the invoice has one more invoice payment.
    """
    if invoice["status"] != "open":
        raise invalid(f"Invoice {invoice['id']} is not open (status {invoice['status']}).")
    if not 0 < amount < invoice["amount_remaining"]:
        raise invalid(
            f"amount must be between 1 and {invoice['amount_remaining'] - 1} (less than what is owed).",
            param="amount",
        )
    pm = _payment_method_for(sb, invoice)
    if pm is None:
        raise invalid(f"Invoice {invoice['id']} has no payment method to charge.")
    pi = payments.make_payment_intent(
        sb,
        amount=amount,
        currency=invoice["currency"],
        customer=invoice["customer"],
        description=f"Partial payment for invoice {invoice['number']}",
    )
    payment = invoices.add_payment(sb, invoice, pi)
    status = payments.confirm(sb, pi, pm, "ok" if succeeded else "declined")
    if status != "succeeded":
        sb.emit("payment_intent.payment_failed", pi)
        return payment
    invoices.record_partial(sb, invoice, payment, amount)
    sb.emit("payment_intent.succeeded", pi)
    sb.emit("invoice_payment.paid", payment)
    return payment


def paid(sb: Sandbox, invoice: dict[str, Any], pi: dict[str, Any]) -> None:
    """Record payment; emit ``invoice.paid`` and ``payment_intent.succeeded``."""
    invoices.mark_paid(sb, invoice, pi)
    sb.emit("invoice.paid", invoice)
    sb.emit("payment_intent.succeeded", pi)
    prorations.on_invoice_paid(sb, invoice)  # applies a pending update paid for by this invoice
    sub = sb.store.find("subscription", _sub_of(invoice))
    if sub is not None and sub["status"] in ("past_due", "unpaid") and sub["latest_invoice"] == invoice["id"]:
        set_status(sb, sub, "active")


# -- routes -------------------------------------------------------------------------
UPDATE_SPEC: dict[str, Any] = {
    "cancel_at_period_end": p.BOOL,
    "cancel_at": p.timestamp_or("min_period_end", "max_period_end"),
    "cancellation_details": {
        "comment": p.STR,
        "feedback": p.one_of(
            "customer_service",
            "low_quality",
            "missing_features",
            "other",
            "switched_service",
            "too_complex",
            "too_expensive",
            "unused",
        ),
    },
    "trial_end": p.TIMESTAMP_OR_NOW,
    "proration_behavior": p.one_of("create_prorations", "none", "always_invoice"),
    "default_payment_method": p.STR,
    "items": [{"id": p.STR, "price": p.STR, "quantity": p.INT, "deleted": p.BOOL}],
    "metadata": p.METADATA,
    "description": p.STR,
    "proration_date": p.INT,
    "payment_behavior": p.one_of(
        "allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"
    ),
    "discounts": [{"coupon": p.STR, "promotion_code": p.STR, "discount": p.STR}],  # discounts.py
}


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("subscription", call.path["id"])


def list_(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("subscription")
    status = prm.get("status")
    if status is None:
        items = [s for s in items if s["status"] != "canceled"]
    elif status == "ended":
        items = [s for s in items if s["status"] in ("canceled", "incomplete_expired")]
    elif status != "all":
        items = [s for s in items if s["status"] == status]
    if prm.get("customer"):
        items = [s for s in items if s["customer"] == prm["customer"]]
    if prm.get("price"):
        items = [s for s in items if any(i["price"]["id"] == prm["price"] for i in s["items"]["data"])]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/subscriptions")


def update(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    sub = sb.store.get("subscription", call.path["id"])
    now = sb.clock.now()
    if sub["status"] in ("canceled", "incomplete_expired"):
        allowed = {"cancellation_details", "metadata", "expand"}
        if set(prm) - allowed:
            raise invalid("A canceled subscription can only update its cancellation_details and metadata.")
    before = copy.deepcopy(sub)
    if "metadata" in prm:
        sub["metadata"] = merge_metadata(sub["metadata"], prm["metadata"])
    if prm.get("description") is not None or "description" in prm:
        sub["description"] = prm.get("description")
    if "cancellation_details" in prm and prm["cancellation_details"] is not None:
        sub["cancellation_details"].update(prm["cancellation_details"])
    if prm.get("cancel_at_period_end") is not None and "cancel_at" in prm:
        raise invalid(
            "The sandbox takes one of cancel_at and cancel_at_period_end per request.",
            param="cancel_at",
        )
    if prm.get("cancel_at_period_end") is not None:
        if prm["cancel_at_period_end"]:
            sub.update(cancel_at_period_end=True, cancel_at=period_end_of(sub), canceled_at=now)
            sub["cancellation_details"]["reason"] = "cancellation_requested"
        else:
            _clear_cancellation(sub)
    if "cancel_at" in prm:
        set_cancel_at(sb, sub, prm["cancel_at"])
    if "default_payment_method" in prm:
        pm_id = prm["default_payment_method"]
        if pm_id:
            pm = sb.store.get("payment_method", pm_id, "default_payment_method")
            if pm["customer"] != sub["customer"]:
                raise invalid(
                    f"The customer does not have a payment method with the ID {pm_id}. The payment "
                    "method must be attached to the customer.",
                    param="default_payment_method",
                )
        sub["default_payment_method"] = pm_id
    if "discounts" in prm:
        from . import discounts

        discounts.update_subscription(sb, sub, prm["discounts"])  # replaces (or clears) its discounts
    if prm.get("items"):
        prorations.change_items(sb, sub, prm, before)  # price changes, prorations, pending updates
    trial_end = prm.get("trial_end")
    if trial_end is not None:
        if trial_end == "now":
            from . import trials

            trials.end_now(sb, sub)  # the cycle restarts now; a subscription_update invoice (trials.py)
        else:
            if trial_end <= now:
                raise invalid("Invalid timestamp: must be in the future.", param="trial_end")
            if sub["status"] not in ("active", "trialing"):
                raise invalid(
                    f"Cannot set trial_end on a subscription with status {sub['status']}.",
                    param="trial_end",
                )
            sub["status"] = "trialing"
            sub["trial_start"] = sub["trial_start"] if before["status"] == "trialing" else now
            sub["trial_end"] = trial_end
            sub["billing_cycle_anchor"] = trial_end
            for item in sub["items"]["data"]:
                if before["status"] != "trialing":
                    item["current_period_start"] = now
                item["current_period_end"] = trial_end
            if sub["cancel_at_period_end"]:
                sub["cancel_at"] = trial_end
    previous = changed(before, sub)
    sb.store.touch()
    if previous:
        sb.emit("customer.subscription.updated", sub, previous)
    from . import trials

    trials.after_update(sb, sub)  # charges a trial ended now; trial_will_end when due now
    return sub


def _clear_cancellation(sub: dict[str, Any]) -> None:
    sub.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
    sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}


def set_cancel_at(sb: Sandbox, sub: dict[str, Any], value: int | str | None) -> None:
    """``cancel_at`` as Stripe stores it: a date, or (flexible billing mode) the earliest or
    latest item's period end (``min_period_end``/``max_period_end``). In flexible mode a
    date leaves ``cancel_at_period_end`` false even when it is the period end; the classic
    mode reports a cancel at the period end as ``cancel_at_period_end``. ``None`` clears it."""
    if value is None:
        _clear_cancellation(sub)
        return
    flexible = sub["billing_mode"]["type"] == "flexible"
    if isinstance(value, str):
        ends = [item["current_period_end"] for item in sub["items"]["data"]]
        if not flexible:
            raise invalid(
                f"cancel_at={value} needs a subscription in flexible billing mode.", param="cancel_at"
            )
        value = min(ends) if value == "min_period_end" else max(ends)
    now = sb.clock.now()
    if value <= now:
        raise invalid("cancel_at must be in the future.", param="cancel_at")
    sub.update(
        cancel_at=value,
        canceled_at=now,
        cancel_at_period_end=False if flexible else value == period_end_of(sub),
    )
    sub["cancellation_details"]["reason"] = "cancellation_requested"


def cancel(call: Call) -> dict[str, Any]:
    sb = call.sb
    sub = sb.store.get("subscription", call.path["id"])
    if sub["status"] == "canceled":
        raise invalid(
            f"A canceled subscription can't be canceled again: {sub['id']}",
        )
    details = call.params.get("cancellation_details") or {}
    sub["cancellation_details"].update(details)
    sub["cancellation_details"]["reason"] = "cancellation_requested"
    end(sb, sub)
    return sub


def pay_invoice(call: Call) -> dict[str, Any]:
    """``POST /v1/invoices/{id}/pay``: an on-demand attempt; a decline is a 402 as on Stripe."""
    sb, prm = call.sb, call.params
    invoice = sb.store.get("invoice", call.path["id"])
    if invoice["status"] == "draft":
        sb.store.meta_of(invoice["id"]).pop("finalize_at", None)
        invoice["automatically_finalizes_at"] = None
        invoices.finalize(sb, invoice)
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid", code="invoice_already_paid")
    if invoice["status"] != "open":
        raise invalid(f"You cannot pay an invoice with status {invoice['status']}.")
    if prm.get("payment_method"):
        pm = sb.store.get("payment_method", prm["payment_method"], "payment_method")
        invoice["default_payment_method"] = pm["id"]
    status = attempt(sb, invoice)
    if status == "requires_payment_method":
        pi = sb.store.find("payment_intent", sb.store.meta_of(invoice["id"]).get("payment_intent"))
        raise card_declined(charge=(pi or {}).get("latest_charge"), payment_intent=pi)
    if status == "requires_action":
        raise StripeError(
            "This payment requires additional user action before it can be completed successfully.",
            status=402,
            type="card_error",
            code="invoice_payment_intent_requires_action",
        )
    return invoice


ROUTES = [
    api_route(
        "/v1/invoices/{id}/pay",
        "POST",
        pay_invoice,
        {"payment_method": p.STR, "off_session": p.BOOL, "paid_out_of_band": p.BOOL},
    ),
    api_route("/v1/subscriptions/{id}", "GET", retrieve, {}),
    api_route(
        "/v1/subscriptions",
        "GET",
        list_,
        {
            **LIST_SPEC,
            "customer": p.STR,
            "price": p.STR,
            "status": p.one_of(
                "active",
                "all",
                "canceled",
                "ended",
                "incomplete",
                "incomplete_expired",
                "past_due",
                "paused",
                "trialing",
                "unpaid",
            ),
            "created": p.ANY,
        },
    ),
    api_route("/v1/subscriptions/{id}", "POST", update, UPDATE_SPEC),
    api_route(
        "/v1/subscriptions/{id}",
        "DELETE",
        cancel,
        {
            "invoice_now": p.BOOL,
            "prorate": p.BOOL,
            "cancellation_details": UPDATE_SPEC["cancellation_details"],
        },
    ),
]
