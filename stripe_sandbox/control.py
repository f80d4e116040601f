"""The ``/_sandbox`` control API: drive Stripe's side from tests and scripts.

Why: tests and benchmarks need to do what a buyer, a bank or time would do
(press Pay, settle a debit, decline a renewal, open a chargeback, advance a
month) without a browser.  JSON in, JSON out, no API key (loopback only).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account, checkout, payments, refunds, subscriptions, trials
from .api import base_url_of, json_response
from .core import RETRIES_EXHAUSTED, Sandbox
from .errors import StripeError, invalid
from .events import changed
from .payments import OUTCOMES


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid("Body must be JSON.") from None
    if not isinstance(data, dict):
        raise invalid("Body must be a JSON object.")
    return data


def control(handler):
    """Wrap a control handler: JSON body in, JSON out, Stripe-style errors."""

    async def endpoint(request: Request) -> Response:
        sb: Sandbox = request.app.state.sandbox
        sb.base_url = base_url_of(request)
        try:
            body = await _body(request)
            result = handler(sb, request.path_params, body)
            if hasattr(result, "__await__"):
                result = await result
            status = 200
        except StripeError as exc:
            result, status = exc.body(), exc.status
        sb.after_request()
        return json_response(result, status)

    return endpoint


def complete_session(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Pressing Pay. ``method`` picks one of the page's test methods (it must be one the session
    offers; ``paypal`` counts as approved); the older ``outcome`` shortcut picks a card or SEPA.
    ``tax_id`` ({"type": "eu_vat", "value": …}) and ``business_name`` are what the buyer enters
    when the session collects tax ids."""
    session = sb.store.get("checkout.session", path["id"])
    method = body.get("method")
    if method is None:
        outcome = body.get("outcome", "paid")
        if outcome not in checkout.OUTCOME_METHODS:
            raise invalid("outcome must be paid, declined or delayed", param="outcome")
        method = checkout.OUTCOME_METHODS[outcome]
    elif method not in payments.TEST_METHODS:
        raise invalid(f"method must be one of {', '.join(payments.TEST_METHODS)}", param="method")
    tax_id = body.get("tax_id")
    if tax_id is not None and not isinstance(tax_id, dict):
        raise invalid("tax_id must be an object {type, value}", param="tax_id")
    buyer = checkout.Buyer(body.get("country"), body.get("state"), tax_id, body.get("business_name"))
    return checkout.complete(
        sb,
        session,
        method,
        buyer=buyer,
        authenticated=True,
        offered_only="method" in body,
    )


def settle(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    pi = sb.store.get("payment_intent", path["id"])
    return checkout.settle(sb, pi, bool(body.get("succeeded", True)))


def card(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """``{"outcome": …}``: how the customer's off-session charges go; ``{"fingerprint": …}``: the
    customer's card is that physical card (its card payment methods, now and later); both may come."""
    customer = sb.store.get("customer", path["id"])
    if "fingerprint" in body and "outcome" not in body:
        fingerprint = trials.set_card_fingerprint(sb, customer, body["fingerprint"])
        return {"customer": customer["id"], "fingerprint": fingerprint}
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        raise invalid(f"outcome must be one of {', '.join(OUTCOMES)}", param="outcome")
    answer = {"customer": customer["id"], "outcome": outcome}
    if "fingerprint" in body:
        answer["fingerprint"] = trials.set_card_fingerprint(sb, customer, body["fingerprint"])
    sb.store.meta_of(customer["id"])["card_outcome"] = outcome
    sb.store.touch()
    return answer


def clock_get(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return {"now": sb.clock.now(), "offset": sb.clock.offset}


def clock_advance(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    seconds = body.get("seconds")
    if not isinstance(seconds, int) or seconds < 0:
        raise invalid("seconds must be a non-negative integer", param="seconds")
    ran = sb.advance(seconds)
    return {"now": sb.clock.now(), "offset": sb.clock.offset, "jobs_run": ran}


def dispute(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    charge = sb.store.get("charge", path["id"])
    inquiry = body.get("inquiry", False)
    if not isinstance(inquiry, bool):
        raise invalid("inquiry must be true or false", param="inquiry")
    return refunds.open_dispute(sb, charge, body.get("reason", "fraudulent"), inquiry=inquiry)


def escalate_dispute(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return refunds.escalate(sb, sb.store.get("dispute", path["id"]))


def submit_dispute(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Extra: the merchant submits evidence (``*_needs_response`` -> ``*_under_review``)."""
    return refunds.submit_evidence(sb, sb.store.get("dispute", path["id"]))


def close_dispute(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return refunds.close_dispute(sb, sb.store.get("dispute", path["id"]), body.get("status", ""))


def early_fraud_warning(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    charge = sb.store.get("charge", path["id"])
    return refunds.early_fraud_warning(sb, charge, body.get("fraud_type", "made_with_stolen_card"))


def cancel_at(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """A cancellation set outside the gateway (Dashboard, customer portal), stored as Stripe does:
    ``{"at": "period_end"}`` is ``cancel_at`` at the period end (``cancel_at_period_end`` stays
    false in flexible billing mode); ``{"at": unix seconds}`` a date; ``{"at": null}`` clears it."""
    sub = sb.store.get("subscription", path["id"])
    if sub["status"] not in subscriptions.LIVE:
        raise invalid(f"Subscription {sub['id']} has ended (status {sub['status']}).")
    at = body.get("at", "period_end")
    if at == "period_end":
        at = subscriptions.period_end_of(sub)
    elif at is not None and (isinstance(at, bool) or not isinstance(at, int)):
        raise invalid('at must be unix seconds, "period_end" or null', param="at")
    before = copy.deepcopy(sub)
    subscriptions.set_cancel_at(sb, sub, at)
    sb.store.touch()
    previous = changed(before, sub)
    if previous:
        sb.emit("customer.subscription.updated", sub, previous)
    return sub


def pay_partially(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """A partial payment attempt on an open invoice: ``{"amount": N, "succeeded": true}``; answers
    the new invoice payment."""
    invoice = sb.store.get("invoice", path["id"])
    amount, succeeded = body.get("amount"), body.get("succeeded", True)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise invalid("amount must be an integer (minor units)", param="amount")
    if not isinstance(succeeded, bool):
        raise invalid("succeeded must be true or false", param="succeeded")
    return subscriptions.pay_partially(sb, invoice, amount, succeeded=succeeded)


def account_settings(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """The account's ``country``, ``tax_registrations`` and switched-on ``payment_methods``."""
    return account.update(sb, body) if body else account.settings(sb)


def fail_refund(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return refunds.fail(sb, sb.store.get("refund", path["id"]))


async def flush(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return await sb.webhooks.flush()


def hold(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Extra: hold background deliveries (`{"hold": true}`) or let them go again (`false`)."""
    if not isinstance(body.get("hold"), bool):
        raise invalid("hold must be true or false", param="hold")
    sb.webhooks.held = body["hold"]
    if not sb.webhooks.held:
        sb.webhooks.wake()
    return {"hold": sb.webhooks.held, "pending": len(sb.webhooks.pending())}


def concurrency(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Extra: how many deliveries may be in flight at once (`{"concurrency": N}`, 1-64; 1 by default).

    Stripe sends an endpoint's events without waiting for each answer and in no guaranteed
    order; 1 keeps tests deterministic, more is what a receiver behind several workers meets.
    """
    if "concurrency" in body:
        value = body["concurrency"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
            raise invalid("concurrency must be an integer from 1 to 64", param="concurrency")
        sb.webhooks.concurrency = value
        sb.webhooks.wake()
    return {"concurrency": sb.webhooks.concurrency}


def events(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Every event with its deliveries, oldest first; POST ``{"after_seq": N}`` for only those made
    after the one numbered N (``last_seq`` of an earlier answer), so a test polling for new events
    does not fetch the whole history each time."""
    after = body.get("after_seq")
    if after is not None and not isinstance(after, int):
        raise invalid("after_seq must be an integer (the last_seq of an earlier answer).", param="after_seq")
    listed = sb.store.all("event")
    if after is not None:
        listed = [e for e in listed if sb.store.meta_of(e["id"]).get("seq", 0) > after]
    wanted = {e["id"] for e in listed}
    by_event: dict[str, list[dict[str, Any]]] = {}
    for delivery in sb.store.deliveries.values():
        if delivery["event"] not in wanted:
            continue
        by_event.setdefault(delivery["event"], []).append(
            {
                "endpoint": delivery["endpoint"],
                "status": delivery["status"],
                "attempts": delivery["attempts"],
            }
        )
    data = [{"event": event, "deliveries": by_event.get(event["id"], [])} for event in listed]
    last = max((sb.store.meta_of(e["id"]).get("seq", 0) for e in listed), default=after or 0)
    return {"object": "list", "data": data, "last_seq": last}


def reset(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    sb.reset()
    return {"reset": True, "now": sb.clock.now()}


def settings(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Extra: Stripe's Dashboard retry settings.

    ``retries_exhausted``: the subscription after the last failed retry
    (``canceled``, Stripe's default, ``unpaid`` or left ``past_due``);
    ``invoice_after_retries``: its invoice (``open``, the default, or ``uncollectible``).
    """
    if "invoice_after_retries" in body:
        if body["invoice_after_retries"] not in ("open", "uncollectible"):
            raise invalid(
                "invoice_after_retries must be open or uncollectible", param="invoice_after_retries"
            )
        sb.store.settings["invoice_after_retries"] = body["invoice_after_retries"]
        sb.store.touch()
    if "retries_exhausted" in body:
        if body["retries_exhausted"] not in RETRIES_EXHAUSTED:
            raise invalid(
                f"retries_exhausted must be one of {', '.join(RETRIES_EXHAUSTED)}",
                param="retries_exhausted",
            )
        sb.store.settings["retries_exhausted"] = body["retries_exhausted"]
        sb.store.touch()
    return {
        "retries_exhausted": sb.retries_exhausted,
        "invoice_after_retries": sb.store.settings.get("invoice_after_retries", "open"),
    }


def limits(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Stripe's limits (``stripe_sandbox.limits``): set the keys given, answer the switches and counts.

    ``{"requests_per_second": N | null, "per_endpoint_per_second": N | null, "latency_ms": N | null,
    "latency_jitter_ms": N | null, "lock_timeout": {"object": id, "count": N}}``; the answer adds
    ``requests`` (API requests admitted), ``in_flight`` (idempotency keys whose request is
    running) and ``answered`` (429 ``rate_limit`` / ``lock_timeout`` and
    409 ``idempotency_key_in_use`` answers given so far).
    """
    return sb.limits.configure(body)


def confirm_invoice(sb: Sandbox, path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Extra: what confirming 3-D Secure on the hosted invoice page does."""
    invoice = sb.store.get("invoice", path["id"])
    if invoice["status"] != "open":
        raise invalid(f"Invoice {invoice['id']} is not open (status {invoice['status']}).")
    subscriptions.attempt(sb, invoice, outcome="ok")
    return invoice


ROUTES = [
    Route("/_sandbox/checkout/sessions/{id}/complete", control(complete_session), methods=["POST"]),
    Route("/_sandbox/payment_intents/{id}/settle", control(settle), methods=["POST"]),
    Route("/_sandbox/customers/{id}/card", control(card), methods=["POST"]),
    Route("/_sandbox/clock", control(clock_get), methods=["GET"]),
    Route("/_sandbox/clock/advance", control(clock_advance), methods=["POST"]),
    Route("/_sandbox/charges/{id}/dispute", control(dispute), methods=["POST"]),
    Route("/_sandbox/disputes/{id}/close", control(close_dispute), methods=["POST"]),
    Route("/_sandbox/disputes/{id}/escalate", control(escalate_dispute), methods=["POST"]),
    Route("/_sandbox/disputes/{id}/submit", control(submit_dispute), methods=["POST"]),
    Route("/_sandbox/charges/{id}/early_fraud_warning", control(early_fraud_warning), methods=["POST"]),
    Route("/_sandbox/subscriptions/{id}/cancel_at", control(cancel_at), methods=["POST"]),
    Route("/_sandbox/invoices/{id}/pay_partially", control(pay_partially), methods=["POST"]),
    Route("/_sandbox/account", control(account_settings), methods=["GET", "POST"]),
    Route("/_sandbox/refunds/{id}/fail", control(fail_refund), methods=["POST"]),
    Route("/_sandbox/webhooks/flush", control(flush), methods=["POST"]),
    Route("/_sandbox/webhooks/hold", control(hold), methods=["POST"]),
    Route("/_sandbox/webhooks/concurrency", control(concurrency), methods=["GET", "POST"]),
    Route("/_sandbox/events", control(events), methods=["GET", "POST"]),
    Route("/_sandbox/reset", control(reset), methods=["POST"]),
    Route("/_sandbox/settings", control(settings), methods=["GET", "POST"]),
    Route("/_sandbox/invoices/{id}/confirm", control(confirm_invoice), methods=["POST"]),
    Route("/_sandbox/limits", control(limits), methods=["GET", "POST"]),
]
