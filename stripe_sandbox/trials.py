"""Free trials (Checkout ``subscription_data.trial_period_days`` / ``trial_end``) and card fingerprints.

Why: the gateway offers a free trial and must tell a first trial from a second one on the same
physical card, so the sandbox gives what Stripe gives, checked against the pinned SDK
(``stripe`` 16.x, API ``2026-10-28.endive``) and Stripe's docs, not memory:

* ``SessionCreateParamsSubscriptionData``: ``trial_period_days`` "Has to be at least 1";
  ``trial_end`` "Has to be at least 48 hours in the future"; ``trial_settings.end_behavior
  .missing_payment_method`` one of ``cancel``/``create_invoice``/``pause``. Stripe's "Using trial
  periods on subscriptions": "The trial period must be 730 days (2 years) or less" and "An
  immediate invoice is still created, but for $0"; "When the trial ends ... we generate an
  invoice ... Approximately 1 hour later, we attempt to charge that invoice. A new billing cycle
  also begins" (the sandbox's renewal: a ``subscription_cycle`` invoice, see ``subscriptions``).
* The session still collects the card (``payment_method_collection`` defaults to ``always``);
  nothing is charged today, so its amounts are 0 and ``payment_status`` is
  ``no_payment_required`` ("the payment is delayed to a future date").
* ``customer.subscription.trial_will_end``: "Occurs three days before a subscription's trial
  period is scheduled to end, or immediately when a trial is ended early (for example, with
  trial_end=now ...). If a trial is shortened so that fewer than three days remain, this event
  can fire immediately" (the event's description in Stripe's SDKs). Sent once per trial end.
* ``subscriptions.update(trial_end="now")``: "A trial starts or ends" is one of the changes that
  "immediately charge the customer ... and reset the billing date" (``Subscription.modify``'s
  docstring): the period restarts now, and a ``subscription_update`` invoice ("A subscription was
  updated") is finalized and charged at once.
* ``payment_method.card.fingerprint`` ("Uniquely identifies this particular card number"): one
  per sandbox customer unless the control API gives a customer the fingerprint of another's card.
"""

from __future__ import annotations

import hashlib
import string
from typing import TYPE_CHECKING, Any

from . import invoices, subscriptions
from . import params as p
from .errors import invalid
from .periods import add_interval
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

DAY = 86400
MIN_TRIAL_DAYS = 1
MAX_TRIAL_DAYS = 730
MIN_TRIAL_END_SECONDS = 48 * 3600
WILL_END_NOTICE = 3 * DAY

#: Added to Checkout's ``subscription_data`` spec (the SDK's names and literals).
SUBSCRIPTION_DATA_SPEC: dict[str, Any] = {
    "trial_period_days": p.INT,
    "trial_end": p.INT,
    "trial_settings": {
        "end_behavior": {"missing_payment_method": p.one_of("cancel", "create_invoice", "pause")},
    },
}

_ALPHABET = string.ascii_letters + string.digits


# -- card fingerprints -----------------------------------------------------------------
def card_fingerprint(sb: Sandbox, customer: dict[str, Any] | None) -> str:
    """The fingerprint of a card collected for ``customer``: the one set through the control API,
    else one derived from the customer id (the customer's own card); a guest gets a fresh one."""
    if customer is None:
        return new_id("fp", 16)[3:]
    configured = sb.store.meta_of(customer["id"]).get("card_fingerprint")
    if configured:
        return configured
    digest = hashlib.sha256(f"sandbox-card:{customer['id']}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:16])


def set_card_fingerprint(sb: Sandbox, customer: dict[str, Any], fingerprint: Any) -> str:
    """Control API: the customer's card is now the physical card ``fingerprint``: its card payment
    methods (so its defaults) and the charges made with them show it, as do cards collected later."""
    if not isinstance(fingerprint, str) or not fingerprint.strip() or len(fingerprint) > 64:
        raise invalid("fingerprint must be a non-empty string (up to 64 characters)", param="fingerprint")
    sb.store.meta_of(customer["id"])["card_fingerprint"] = fingerprint
    cards = {
        pm["id"]
        for pm in sb.store.all("payment_method")
        if pm["type"] == "card" and pm["customer"] == customer["id"]
    }
    for pm_id in cards:
        sb.store.get("payment_method", pm_id)["card"]["fingerprint"] = fingerprint
    for charge in sb.store.all("charge"):
        details = charge.get("payment_method_details") or {}
        if charge.get("payment_method") in cards and details.get("card"):
            details["card"]["fingerprint"] = fingerprint
    sb.store.touch()
    return fingerprint


# -- Checkout --------------------------------------------------------------------------
def check_session(sb: Sandbox, prm: dict[str, Any]) -> None:
    """Stripe's checks on ``subscription_data``'s trial parameters at session creation."""
    data = prm.get("subscription_data") or {}
    days, end = data.get("trial_period_days"), data.get("trial_end")
    if days is not None and end is not None:
        raise invalid(
            "You may only specify one of these parameters: subscription_data[trial_end], "
            "subscription_data[trial_period_days].",
            param="subscription_data[trial_end]",
        )
    if days is not None and not MIN_TRIAL_DAYS <= days <= MAX_TRIAL_DAYS:
        raise invalid(
            f"subscription_data[trial_period_days] must be between {MIN_TRIAL_DAYS} and "
            f"{MAX_TRIAL_DAYS} (the trial period must be 730 days or less).",
            param="subscription_data[trial_period_days]",
        )
    if end is not None:
        now = sb.clock.now()
        if end < now + MIN_TRIAL_END_SECONDS:
            raise invalid(
                "subscription_data[trial_end] has to be at least 48 hours in the future.",
                param="subscription_data[trial_end]",
            )
        if end > now + MAX_TRIAL_DAYS * DAY:
            raise invalid(
                "subscription_data[trial_end] can be at most 730 days (2 years) in the future.",
                param="subscription_data[trial_end]",
            )


def _session_trial(sb: Sandbox, session: dict[str, Any]) -> dict[str, Any] | None:
    if session["mode"] != "subscription":
        return None
    data = sb.store.meta_of(session["id"]).get("subscription_data") or {}
    if data.get("trial_period_days") is None and data.get("trial_end") is None:
        return None
    return data


def apply_session_amounts(sb: Sandbox, session: dict[str, Any]) -> None:
    """A trial session charges nothing today: its amounts are 0 (the card is still collected)."""
    if _session_trial(sb, session) is None:
        return
    session["amount_subtotal"] = 0
    session["amount_total"] = 0
    session["total_details"] = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}


def start(sb: Sandbox, session: dict[str, Any], sub: dict[str, Any]) -> bool:
    """Put a subscription made by a trial session into its trial (``trialing``, period = trial)."""
    data = _session_trial(sb, session)
    if data is None:
        return False
    now = sb.clock.now()
    end = data["trial_end"] if data.get("trial_end") is not None else now + data["trial_period_days"] * DAY
    behaviour = ((data.get("trial_settings") or {}).get("end_behavior") or {}).get("missing_payment_method")
    sub.update(status="trialing", trial_start=now, trial_end=end, billing_cycle_anchor=end)
    if behaviour:
        sub["trial_settings"] = {"end_behavior": {"missing_payment_method": behaviour}}
    for item in sub["items"]["data"]:
        item["current_period_start"] = now
        item["current_period_end"] = end
    return True


def _zero(invoice: dict[str, Any]) -> None:
    """The first invoice of a trial: its lines ("Trial period for …") and totals are 0."""
    for line in invoice["lines"]["data"]:
        name = line["description"].split(" \u00d7 ", 1)[-1]
        line.update(amount=0, subtotal=0, description=f"Trial period for {name}")
        line["pricing"]["unit_amount_decimal"] = "0"
        for entry in line["taxes"]:
            entry.update(amount=0, taxable_amount=0)
    for entry in invoice["total_taxes"]:
        entry.update(amount=0, taxable_amount=0)
    invoice.update(
        amount_due=0,
        amount_remaining=0,
        subtotal=0,
        subtotal_excluding_tax=0,
        total=0,
        total_excluding_tax=0,
    )


def complete(
    sb: Sandbox, session: dict[str, Any], sub: dict[str, Any], invoice: dict[str, Any]
) -> dict[str, Any]:
    """Finish a trial checkout: the $0 ``subscription_create`` invoice is finalized and paid
    without a payment (no payment intent, ``amount_paid`` 0); the session needs no payment.

    Events: ``customer.subscription.created`` (trialing), ``invoice.finalized``, ``invoice.paid``,
    ``checkout.session.completed`` (and ``customer.subscription.trial_will_end`` at once when the
    trial is shorter than three days).
    """
    _zero(invoice)
    sb.emit("customer.subscription.created", sub)
    invoices.finalize(sb, invoice)
    now = sb.clock.now()
    invoice.update(
        status="paid",
        amount_paid=0,
        amount_remaining=0,
        attempted=True,
        auto_advance=False,
        next_payment_attempt=None,
        receipt_number=invoice["number"],
    )
    invoice["status_transitions"]["paid_at"] = now
    sb.emit("invoice.paid", invoice)
    session.update(
        status="complete",
        url=None,
        subscription=sub["id"],
        invoice=invoice["id"],
        payment_status="no_payment_required",
    )
    sb.store.touch()
    sb.emit("checkout.session.completed", session)
    notify_if_due(sb, sub)
    return session


# -- trial_will_end ---------------------------------------------------------------------
def _notice_key(sub: dict[str, Any]) -> list[int]:
    return [sub["trial_start"], sub["trial_end"]]


def will_end_due(sb: Sandbox, sub: dict[str, Any]) -> int | None:
    """When this trial's ``trial_will_end`` is due (three days before its end), if still unsent."""
    if sub["status"] != "trialing" or sub["trial_end"] is None:
        return None
    if sb.store.meta_of(sub["id"]).get("trial_will_end_sent") == _notice_key(sub):
        return None
    return sub["trial_end"] - WILL_END_NOTICE


def send_will_end(sb: Sandbox, sub: dict[str, Any]) -> None:
    sb.store.meta_of(sub["id"])["trial_will_end_sent"] = _notice_key(sub)
    sb.store.touch()
    sb.emit("customer.subscription.trial_will_end", sub)


def notify_if_due(sb: Sandbox, sub: dict[str, Any]) -> None:
    """Send ``trial_will_end`` now if fewer than three days of the trial remain."""
    when = will_end_due(sb, sub)
    if when is not None and when <= sb.clock.now():
        send_will_end(sb, sub)


def due_jobs(sb: Sandbox, until: int) -> list[tuple[int, str, Any, Any]]:
    """Scheduler work: ``(when, key, probe, action)`` for each notice due by ``until``."""
    jobs = []
    for sub in sb.store.all("subscription"):
        when = will_end_due(sb, sub)
        if when is not None and when <= until:
            jobs.append(
                (
                    when,
                    sub["id"] + ":trial_will_end",
                    lambda sub=sub: will_end_due(sb, sub),
                    lambda sub=sub: send_will_end(sb, sub),
                )
            )
    return jobs


# -- subscriptions.update(trial_end=...) ----------------------------------------------
def end_now(sb: Sandbox, sub: dict[str, Any]) -> bool:
    """``trial_end=now`` on a trialing subscription: the trial ends, the billing cycle restarts
    now, and a draft ``subscription_update`` invoice for the new period becomes the latest (charged
    by :func:`after_update`). Returns whether a trial was ended."""
    if sub["status"] != "trialing":
        return False
    now = sb.clock.now()
    meta = sb.store.meta_of(sub["id"])
    if meta.get("trial_will_end_sent", [None])[0] != sub["trial_start"]:
        meta["trial_will_end_due_now"] = True  # ended early: the notice goes out at once
    sub.update(status="active", trial_end=now, billing_cycle_anchor=now)
    for item in sub["items"]["data"]:
        recurring = item["price"]["recurring"]
        item["current_period_start"] = now
        item["current_period_end"] = add_interval(now, recurring["interval"], recurring["interval_count"])
    customer = sb.store.get("customer", sub["customer"])
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=subscriptions._invoice_items(sub),
        billing_reason="subscription_update",
        subscription=sub,
        automatic_tax=sub["automatic_tax"]["enabled"],
    )
    sub["latest_invoice"] = invoice["id"]
    meta["charge_now"] = invoice["id"]
    return True


def after_update(sb: Sandbox, sub: dict[str, Any]) -> None:
    """After ``customer.subscription.updated``: charge a trial ended now (``invoice.finalized``,
    then ``invoice.paid``/``payment_intent.succeeded`` or the failure events and ``past_due``),
    then send any ``trial_will_end`` due now (an ended or shortened trial)."""
    meta = sb.store.meta_of(sub["id"])
    invoice = sb.store.find("invoice", meta.pop("charge_now", None))
    if invoice is not None:
        invoices.finalize(sb, invoice)
        subscriptions.attempt(sb, invoice)
    if meta.pop("trial_will_end_due_now", False):
        send_will_end(sb, sub)
        return
    notify_if_due(sb, sub)
