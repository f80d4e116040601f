"""Price changes on a subscription: prorations, pending updates and invoice previews.

Why: the gateway moves customers between a monthly and a yearly price, shows them what the
change costs first (``POST /v1/invoices/create_preview``) and then makes it
(``POST /v1/subscriptions/{id}`` with ``items[0][id]``/``items[0][price]``). One function,
:func:`plan_change`, decides both, so a preview and the update at the same
``proration_date`` give the same lines and amounts.

What Stripe does, and where it says so:

* API reference, "Update a subscription": "Switching prices does not normally change the
  billing date or generate an immediate charge unless: the billing interval is changed (for
  example, from monthly to yearly) [...]. In these cases, we apply a credit for the unused time
  on the previous price, immediately charge the customer using the new price, and reset the
  billing date." So an interval change: a credit proration for the unused old time, a full
  (non-proration) line for the new price from the change to one new interval later,
  ``billing_cycle_anchor`` = the change time, and an invoice now
  (``billing_reason=subscription_update``) whatever ``proration_behavior`` says (``none``
  only drops the credit). "If you want to charge for an upgrade immediately, pass
  proration_behavior as always_invoice [...]. If you pass create_prorations, the prorations
  are created but not automatically invoiced": same interval, ``create_prorations`` leaves
  pending proration items for the next invoice, ``always_invoice`` invoices them now.
* "Prorations" guide: the lines are "Unused time on ..." (credit) and "Remaining time on ..."
  (debit), flagged ``proration`` (SDK: ``InvoiceLineItem.Parent.SubscriptionItemDetails
  .proration`` / ``proration_details.credited_items``); proration is computed "down to the
  second" (Customize proration calculations guide).
* "Compare classic and flexible billing mode": "Flexible billing mode calculates credit
  prorations based on the original amount previously debited" - the credit is a share of the
  debit line that paid for the period, and ``credited_items`` names that line. Amounts are
  integers, ``amount x seconds_left / period_seconds`` rounded half up (the sandbox's rounding
  everywhere; Stripe does not document its rounding rule).
* "Pending updates" guide and reference: with ``payment_behavior=pending_if_incomplete`` an
  update that makes an invoice is applied only once the invoice is paid; a failed payment leaves
  the subscription as it was with ``pending_update`` (``expires_at``, ``subscription_items``,
  ``billing_cycle_anchor`` ...) and ``latest_invoice`` = the open invoice; paying it later
  applies the change; the update expires at the earliest of 23 hours, the items' earliest
  ``current_period_end`` and ``trial_end`` (then the invoice is voided and
  ``customer.subscription.pending_update_expired`` is sent); voiding the invoice cancels it.
  Only certain parameters may come with it: ``items`` (price, quantity), ``proration_behavior``,
  ``proration_date``, ``billing_cycle_anchor``, ``trial_end``, ``trial_from_plan``,
  ``add_invoice_items``, ``expand``, ``payment_behavior``, plus ``metadata`` (changelog
  2026-05-27.dahlia, "Adds metadata support to pending subscription updates", merged on apply)
  and ``cancel_at_period_end`` (changelog 2026-09-30.endive). Events:
  ``customer.subscription.pending_update_applied`` / ``_expired`` (SDK
  ``WebhookEndpointCreateParams.enabled_events``).
* SDK ``Invoice.id``: "For preview invoices created using the create preview endpoint, this id
  will be prefixed with ``upcoming_in``"; ``billing_reason`` ``upcoming`` is "Reserved for
  upcoming invoices created through the Create Preview Invoice API".
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from . import invoices
from . import params as p
from .api import Call, api_route
from .errors import invalid, not_implemented
from .events import changed
from .periods import add_interval

if TYPE_CHECKING:
    from .core import Sandbox

#: Pending updates expire 23 hours after the update at the latest ("Pending updates" guide).
PENDING_TTL = 23 * 3600
#: What may come with payment_behavior=pending_if_incomplete (the pending updates reference, the
#: 2026-05-27.dahlia metadata and 2026-09-30.endive cancel_at_period_end changelog entries), of
#: what the sandbox's subscription update takes.
PENDING_ALLOWED = {
    "items",
    "proration_behavior",
    "proration_date",
    "trial_end",
    "expand",
    "payment_behavior",
    "metadata",
    "cancel_at_period_end",
}


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y")


def _name(sb: Sandbox, price: dict[str, Any], quantity: int) -> str:
    product = sb.store.find("product", price["product"]) or {"name": price["product"]}
    return f"{quantity} \u00d7 {product['name']}" if quantity != 1 else product["name"]


def _interval(price: dict[str, Any]) -> tuple[str, int]:
    recurring = price["recurring"] or {}
    return recurring.get("interval"), recurring.get("interval_count", 1)


def _debit_line(sb: Sandbox, item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The invoice line that charged ``item`` for its current period (flexible mode credits it)."""
    for invoice in reversed(sb.store.all("invoice")):
        if invoice["status"] not in ("open", "paid"):
            continue
        for line in invoice["lines"]["data"]:
            details = (line.get("parent") or {}).get("subscription_item_details") or {}
            if (
                details.get("subscription_item") == item["id"]
                and line["amount"] > 0
                and line["period"]["end"] == item["current_period_end"]
            ):
                return invoice, line
    return None


def _credit(sb: Sandbox, item: dict[str, Any], at: int) -> dict[str, Any] | None:
    start, end = item["current_period_start"], item["current_period_end"]
    if at >= end:
        return None
    found = _debit_line(sb, item)
    paid = found[1]["amount"] if found else item["price"]["unit_amount"] * item["quantity"]
    amount = _round(Decimal(paid) * (end - at) / (end - start))
    if amount == 0:
        return None
    return {
        "price": item["price"],
        "quantity": item["quantity"],
        "period": (at, end),
        "subscription_item": item["id"],
        "amount": -amount,
        "proration": True,
        "credited_items": (
            {"invoice": found[0]["id"], "invoice_line_items": [found[1]["id"]]} if found else None
        ),
        "description": f"Unused time on {_name(sb, item['price'], item['quantity'])} after {_day(at)}",
    }


def _remaining(sb: Sandbox, item: dict[str, Any], price: dict, quantity: int, at: int) -> dict | None:
    start, end = item["current_period_start"], item["current_period_end"]
    if at >= end:
        return None
    amount = _round(Decimal(price["unit_amount"] * quantity) * (end - at) / (end - start))
    return {
        "price": price,
        "quantity": quantity,
        "period": (at, end),
        "subscription_item": item["id"],
        "amount": amount,
        "proration": True,
        "credited_items": None,
        "description": f"Remaining time on {_name(sb, price, quantity)} after {_day(at)}",
    }


def plan_change(
    sb: Sandbox,
    sub: dict[str, Any],
    changes: list[dict[str, Any]],
    *,
    proration_behavior: str | None,
    proration_date: int | None,
) -> dict[str, Any]:
    """What changing ``sub``'s items to ``changes`` (``[{"id", "price", "quantity"}]``) does.

    Returns ``{"items": new item dicts, "billing_cycle_anchor", "lines": invoice lines now,
    "pending_lines": proration items for the next invoice, "invoice_now": bool}``. Nothing is
    stored: the update and the preview both call this.
    """
    now = sb.clock.now()
    behavior = proration_behavior or "create_prorations"
    items = copy.deepcopy(sub["items"]["data"])
    by_id = {item["id"]: item for item in items}
    start, end = (
        min(i["current_period_start"] for i in items),
        min(i["current_period_end"] for i in items),
    )
    at = proration_date if proration_date is not None else now
    if proration_date is not None and not start <= proration_date <= end:
        raise invalid(
            "proration_date must be within the subscription's current billing period.",
            param="proration_date",
        )
    credits: list[dict[str, Any]] = []
    debits: list[dict[str, Any]] = []
    reset = False
    changed_any = False
    for index, change in enumerate(changes):
        item = by_id.get(change.get("id"))
        if item is None:
            raise invalid(
                f"No such subscription item: '{change.get('id')}'",
                param=f"items[{index}][id]",
                code="resource_missing",
            )
        price = item["price"]
        if change.get("price"):
            price = sb.store.get("price", change["price"], f"items[{index}][price]")
            if price["type"] != "recurring":
                raise invalid(
                    "The price specified is set to `type=one_time` but this field only accepts prices "
                    "with `type=recurring`.",
                    param=f"items[{index}][price]",
                )
            if price["currency"] != sub["currency"]:
                raise invalid(
                    "The price specified does not match the subscription's currency.",
                    param=f"items[{index}][price]",
                )
        quantity = change["quantity"] if change.get("quantity") is not None else item["quantity"]
        if price["id"] == item["price"]["id"] and quantity == item["quantity"]:
            continue
        changed_any = True
        if _interval(price) != _interval(item["price"]):
            reset = True
        if behavior != "none":
            credit = _credit(sb, item, at)
            if credit:
                credits.append(credit)
        debits.append(
            {"item": item, "price": price, "quantity": quantity, "old": (item["price"], item["quantity"])}
        )
    anchor = sub["billing_cycle_anchor"]
    lines: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    if reset:
        # Interval change: the billing date resets to the change, the new price is charged in full.
        anchor = now
        for debit in debits:
            item, price = debit["item"], debit["price"]
            interval, count = _interval(price)
            item["current_period_start"], item["current_period_end"] = now, add_interval(now, interval, count)
        lines = credits + [
            {
                "price": debit["price"],
                "quantity": debit["quantity"],
                "period": (now, debit["item"]["current_period_end"]),
                "subscription_item": debit["item"]["id"],
            }
            for debit in debits
        ]
    elif behavior != "none":
        prorations = credits + [
            line
            for debit in debits
            if (line := _remaining(sb, debit["item"], debit["price"], debit["quantity"], at)) is not None
        ]
        if behavior == "always_invoice":
            lines = prorations
        else:
            pending = prorations
    from .subscriptions import plan_of

    for debit in debits:
        item = debit["item"]
        item["price"] = copy.deepcopy(debit["price"])
        item["plan"] = plan_of(debit["price"])
        item["quantity"] = debit["quantity"]
    return {
        "changed": changed_any,
        "items": items,
        "billing_cycle_anchor": anchor,
        "lines": lines,
        "pending_lines": pending,
        "invoice_now": bool(lines) or reset,
    }


def shape_line(line: dict[str, Any], item: dict[str, Any]) -> None:
    """Hook for :func:`.invoices.make_invoice`: a line with its own amount (a proration)."""
    line["amount"] = line["subtotal"] = item["amount"]
    line["description"] = item.get("description") or line["description"]
    details = (line.get("parent") or {}).get("subscription_item_details")
    if details is not None:
        details["proration"] = bool(item.get("proration"))
        details["proration_details"] = {"credited_items": item.get("credited_items")}


def _pending_items(sb: Sandbox, sub: dict[str, Any]) -> list[dict[str, Any]]:
    return sb.store.meta_of(sub["id"]).setdefault("pending_prorations", [])


def take_pending(sb: Sandbox, sub: dict[str, Any]) -> list[dict[str, Any]]:
    """Hook for the renewal: the pending proration items go on the cycle invoice."""
    items = sb.store.meta_of(sub["id"]).pop("pending_prorations", [])
    for item in items:
        item["price"] = sb.store.find("price", item["price"]) or item["price"]
        item["period"] = tuple(item["period"])
    return items


def _store_pending(sb: Sandbox, sub: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    stored = _pending_items(sb, sub)
    for line in lines:
        stored.append({**line, "price": line["price"]["id"], "period": list(line["period"])})


def _apply(sub: dict[str, Any], plan: dict[str, Any]) -> None:
    sub["items"]["data"] = plan["items"]
    sub["billing_cycle_anchor"] = plan["billing_cycle_anchor"]


def _pending_update(sub: dict[str, Any], plan: dict[str, Any], prm: dict[str, Any], now: int) -> dict:
    ends = [i["current_period_end"] for i in sub["items"]["data"]]
    candidates = [now + PENDING_TTL, min(ends)] + ([sub["trial_end"]] if sub.get("trial_end") else [])
    return {
        "billing_cycle_anchor": (
            plan["billing_cycle_anchor"]
            if plan["billing_cycle_anchor"] != sub["billing_cycle_anchor"]
            else None
        ),
        "cancel_at_period_end": prm.get("cancel_at_period_end"),
        "discount": None,
        "discounts": None,
        "expires_at": min(candidates),
        "metadata": prm.get("metadata") or None,
        "subscription_items": copy.deepcopy(plan["items"]),
        "trial_end": None,
        "trial_from_plan": None,
    }


def check_pending_params(prm: dict[str, Any]) -> None:
    for name, value in prm.items():
        if name not in PENDING_ALLOWED and value is not None:
            raise invalid(
                f"The parameter {name} cannot be used with payment_behavior=pending_if_incomplete. "
                "Pending updates support only: " + ", ".join(sorted(PENDING_ALLOWED)) + ".",
                param=name,
            )
    for index, change in enumerate(prm.get("items") or []):
        if change.get("deleted") is not None:
            raise invalid(
                "items[][deleted] cannot be used with payment_behavior=pending_if_incomplete.",
                param=f"items[{index}][deleted]",
            )


def change_items(sb: Sandbox, sub: dict[str, Any], prm: dict[str, Any], before: dict[str, Any]) -> None:
    """Hook for ``subscriptions.update``: apply ``items`` the way Stripe does (see module doc).

    Runs where the update used to swap prices in place; ``before`` is the subscription as the
    request found it (to hold back the other changes of a pending update).
    """
    from . import subscriptions

    behavior = prm.get("payment_behavior") or "allow_incomplete"
    if behavior == "pending_if_incomplete":
        check_pending_params(prm)
    for index, change in enumerate(prm.get("items") or []):
        if change.get("id") is None:
            raise invalid(
                "Adding items to a subscription is not supported by the sandbox.", param=f"items[{index}][id]"
            )
        if change.get("deleted"):
            raise not_implemented(f"items[{index}][deleted]")
    if sub["status"] not in ("active", "trialing", "past_due") and prm.get("items"):
        raise invalid(
            f"Cannot change the price of a subscription with status {sub['status']}.", param="items"
        )
    plan = plan_change(
        sb,
        sub,
        prm.get("items") or [],
        proration_behavior=prm.get("proration_behavior"),
        proration_date=prm.get("proration_date"),
    )
    if not plan["changed"]:
        return
    if sub.get("schedule"):
        raise invalid(
            f"The subscription is managed by the subscription schedule `{sub['schedule']}`, and updating "
            "any cancelation behavior directly is not allowed. Please update the schedule instead.",
            param="items",
        )
    if not plan["invoice_now"]:
        _store_pending(sb, sub, plan["pending_lines"])
        _apply(sub, plan)
        return
    if behavior in ("error_if_incomplete", "default_incomplete"):
        raise not_implemented("payment_behavior")
    customer = sb.store.get("customer", sub["customer"])
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=plan["lines"],
        billing_reason="subscription_update",
        subscription=sub,
        automatic_tax=sub["automatic_tax"]["enabled"],
    )
    sub["latest_invoice"] = invoice["id"]
    meta = sb.store.meta_of(sub["id"])
    if behavior == "pending_if_incomplete":
        now = sb.clock.now()
        meta["pending_plan"] = {
            "invoice": invoice["id"],
            "plan": plan,
            "params": _held(prm),
            "in_request": True,
        }
        invoices.finalize(sb, invoice)
        subscriptions.attempt(sb, invoice)
        meta.get("pending_plan", {}).pop("in_request", None)
        if invoice["status"] != "paid":
            # Hold the other changes of this request back too: they come with the pending update.
            for key in (
                "metadata",
                "cancel_at_period_end",
                "cancel_at",
                "canceled_at",
                "cancellation_details",
            ):
                sub[key] = copy.deepcopy(before[key])
            sub["pending_update"] = _pending_update(sub, plan, prm, now)
        return
    _apply(sub, plan)
    invoices.finalize(sb, invoice)
    subscriptions.attempt(sb, invoice)


def _held(prm: dict[str, Any]) -> dict[str, Any]:
    return {k: prm[k] for k in ("metadata", "cancel_at_period_end") if prm.get(k) is not None}


def on_invoice_paid(sb: Sandbox, invoice: dict[str, Any]) -> None:
    """Hook for ``subscriptions.paid``: the invoice of a pending update is paid: apply it."""
    from .subscriptions import _sub_of, period_end_of

    sub = sb.store.find("subscription", _sub_of(invoice))
    if sub is None:
        return
    meta = sb.store.meta_of(sub["id"])
    pending = meta.get("pending_plan")
    if not pending or pending["invoice"] != invoice["id"]:
        return
    meta.pop("pending_plan")
    before = copy.deepcopy(sub)
    _apply(sub, pending["plan"])
    if pending.get("in_request"):
        return  # paid at once: the update's own customer.subscription.updated reports it
    held = pending.get("params") or {}
    if held.get("metadata"):
        from .customers import merge_metadata

        sub["metadata"] = merge_metadata(sub["metadata"], held["metadata"])
    if held.get("cancel_at_period_end"):
        sub.update(cancel_at_period_end=True, cancel_at=period_end_of(sub), canceled_at=sb.clock.now())
        sub["cancellation_details"]["reason"] = "cancellation_requested"
    sub["pending_update"] = None
    sb.store.touch()
    sb.emit("customer.subscription.updated", sub, changed(before, sub))
    sb.emit("customer.subscription.pending_update_applied", sub)


def discard(sb: Sandbox, sub: dict[str, Any], *, expired: bool) -> None:
    """The pending update ends unapplied (expired, or its invoice voided)."""
    meta = sb.store.meta_of(sub["id"])
    pending = meta.pop("pending_plan", None)
    before = copy.deepcopy(sub)
    sub["pending_update"] = None
    if expired and pending:
        invoice = sb.store.find("invoice", pending["invoice"])
        if invoice is not None and invoice["status"] in ("draft", "open"):
            invoices.void(sb, invoice)
    sb.store.touch()
    sb.emit("customer.subscription.updated", sub, changed(before, sub))
    if expired:
        sb.emit("customer.subscription.pending_update_expired", sub)


def on_invoice_voided(sb: Sandbox, invoice: dict[str, Any]) -> None:
    """Hook for ``invoices.void``: voiding a pending update's invoice cancels the update."""
    from .subscriptions import _sub_of

    sub = sb.store.find("subscription", _sub_of(invoice))
    if sub is None or not sub.get("pending_update"):
        return
    pending = sb.store.meta_of(sub["id"]).get("pending_plan")
    if pending and pending["invoice"] == invoice["id"]:
        discard(sb, sub, expired=False)


def holds(sb: Sandbox, invoice: dict[str, Any]) -> bool:
    """Hook for ``subscriptions.attempt``: is this the invoice of a (would-be) pending update?
    Its failure leaves the subscription "as if no update request was made" (not past_due)."""
    from .subscriptions import _sub_of

    sub_id = _sub_of(invoice)
    pending = sb.store.meta_of(sub_id).get("pending_plan") if sub_id else None
    return bool(pending) and pending["invoice"] == invoice["id"]


def pending_due_at(sub: dict[str, Any]) -> int | None:
    """Hook for the scheduler: when the pending update expires."""
    return (sub.get("pending_update") or {}).get("expires_at")


def on_pending_expired(sb: Sandbox, sub: dict[str, Any]) -> None:
    if sub.get("pending_update"):
        discard(sb, sub, expired=True)


# -- invoices/create_preview ---------------------------------------------------------------
def _preview(sb: Sandbox, sub: dict[str, Any], items: list[dict[str, Any]], automatic_tax: bool) -> dict:
    customer = sb.store.get("customer", sub["customer"])
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=items,
        billing_reason="upcoming",
        subscription=sub,
        automatic_tax=automatic_tax,
    )
    sb.store.remove("invoice", invoice["id"])  # a preview is never stored
    preview_id = "upcoming_" + invoice["id"]
    invoice["id"] = preview_id
    invoice["lines"]["url"] = f"/v1/invoices/{preview_id}/lines"
    for line in invoice["lines"]["data"]:
        line["invoice"] = preview_id
    return invoice


def _next_cycle_items(sb: Sandbox, sub: dict[str, Any], items: list[dict], anchor: int) -> list[dict]:
    from .periods import next_period_end

    out = []
    for item in items:
        interval, count = _interval(item["price"])
        start = item["current_period_end"]
        out.append(
            {
                "price": item["price"],
                "quantity": item["quantity"],
                "period": (start, next_period_end(anchor, start, interval, count)),
                "subscription_item": item["id"],
            }
        )
    return out


def create_preview(call: Call) -> dict[str, Any]:
    """``POST /v1/invoices/create_preview`` for a subscription: the invoice the update would make
    now, or else the next regular invoice (with any pending or new proration items)."""
    sb, prm = call.sb, call.params
    if not prm.get("subscription"):
        raise not_implemented("customer" if prm.get("customer") else "subscription")
    sub = sb.store.get("subscription", prm["subscription"], "subscription")
    if prm.get("customer") and prm["customer"] != sub["customer"]:
        raise invalid("The subscription does not belong to this customer.", param="customer")
    details = prm.get("subscription_details") or {}
    plan = plan_change(
        sb,
        sub,
        details.get("items") or [],
        proration_behavior=details.get("proration_behavior"),
        proration_date=details.get("proration_date"),
    )
    automatic_tax = sub["automatic_tax"]["enabled"]
    if plan["invoice_now"]:
        return _preview(sb, sub, plan["lines"], automatic_tax)
    pending = [
        {
            **item,
            "price": sb.store.find("price", item["price"]) or item["price"],
            "period": tuple(item["period"]),
        }
        for item in copy.deepcopy(_pending_items(sb, sub))
    ]
    if not sb.store.meta_of(sub["id"]).get("pending_prorations"):
        sb.store.meta_of(sub["id"]).pop("pending_prorations", None)
    items = _next_cycle_items(sb, sub, plan["items"], plan["billing_cycle_anchor"])
    return _preview(sb, sub, pending + plan["pending_lines"] + items, automatic_tax)


PREVIEW_SPEC: dict[str, Any] = {
    "customer": p.STR,
    "subscription": p.STR,
    "subscription_details": {
        "items": [{"id": p.STR, "price": p.STR, "quantity": p.INT}],
        "proration_behavior": p.one_of("always_invoice", "create_prorations", "none"),
        "proration_date": p.INT,
    },
}

ROUTES = [api_route("/v1/invoices/create_preview", "POST", create_preview, PREVIEW_SPEC)]
