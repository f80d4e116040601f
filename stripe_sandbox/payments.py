"""Payment methods, payment intents, charges, setup intents.

Why: every money movement in the sandbox (checkout payments, renewals,
retries) goes through :func:`attempt_payment`, which decides the outcome
from the chosen test method or the customer's configured card outcome and
produces the payment intent and charge Stripe would, in their current shape
(the charge is reached through ``payment_intent.latest_charge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import params as p
from .api import LIST_SPEC, Call, api_route, paginate
from .customers import merge_metadata
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

#: Test payment methods the hosted pages offer: method -> (type, outcome, last4).
#: ``paypal`` needs the buyer's approval on PayPal's page first (like ``card_3ds``'s
#: challenge); ``bank_transfer`` (Stripe's ``customer_balance``) waits for the funds.
TEST_METHODS: dict[str, tuple[str, str, str]] = {
    "card": ("card", "ok", "4242"),
    "card_declined": ("card", "declined", "0002"),
    "card_3ds": ("card", "authentication_required", "3155"),
    "sepa_debit": ("sepa_debit", "delayed", "3000"),
    "paypal": ("paypal", "ok", ""),
    "bank_transfer": ("customer_balance", "awaiting_funds", ""),
}
#: Test methods that need a step on another page before they go through.
NEEDS_APPROVAL = frozenset({"card_3ds", "paypal"})

OUTCOMES = ("ok", "declined", "authentication_required")


def _billing_details(customer: dict[str, Any] | None, country: str | None) -> dict[str, Any]:
    address = {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")}
    if customer and customer.get("address"):
        address.update(customer["address"])
    if country:
        address["country"] = country
    return {
        "address": address,
        "email": customer.get("email") if customer else None,
        "name": customer.get("name") if customer else None,
        "phone": None,
        "tax_id": None,
    }


def make_payment_method(
    sb: Sandbox,
    method: str,
    *,
    customer: dict[str, Any] | None,
    country: str | None = None,
    attach: bool = True,
) -> dict[str, Any]:
    """A payment method for one of :data:`TEST_METHODS`; remembers its outcome."""
    kind, outcome, last4 = TEST_METHODS[method]
    now = sb.clock.now()
    pm: dict[str, Any] = {
        "id": new_id("pm", 24),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": _billing_details(customer, country),
        "created": now,
        "customer": customer["id"] if (customer and attach) else None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": kind,
    }
    if kind == "card":
        from .trials import card_fingerprint  # one physical card per customer unless set (trials.py)

        pm["card"] = {
            "brand": "visa",
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": "US",
            "display_brand": "visa",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": card_fingerprint(sb, customer),
            "funding": "credit",
            "generated_from": None,
            "last4": last4,
            "networks": {"available": ["visa"], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        }
    elif kind == "sepa_debit":
        pm["sepa_debit"] = {
            "bank_code": "37040044",
            "branch_code": None,
            "country": "DE",
            "fingerprint": new_id("fp", 16)[3:],
            "generated_from": {"charge": None, "setup_attempt": None},
            "last4": last4,
        }
    elif kind == "paypal":
        pm["paypal"] = {
            "country": country or ((customer or {}).get("address") or {}).get("country"),
            "payer_email": (customer or {}).get("email") or "buyer@example.com",
            "payer_id": new_id("PAYER", 10)[6:].upper(),
        }
    else:
        pm[kind] = {}
    sb.store.add(pm)
    sb.store.meta_of(pm["id"])["outcome"] = outcome
    return pm


def customer_outcome(sb: Sandbox, customer_id: str | None, pm_id: str | None) -> str:
    """How an off-session charge goes: the customer's control setting, else the card's."""
    if customer_id:
        configured = sb.store.meta_of(customer_id).get("card_outcome")
        if configured:
            return configured
    if pm_id:
        outcome = sb.store.meta_of(pm_id).get("outcome", "ok")
        return "ok" if outcome == "delayed" else outcome
    return "declined"


def _payment_method_details(pm: dict[str, Any]) -> dict[str, Any]:
    if pm["type"] == "card":
        card = pm["card"]
        return {
            "type": "card",
            "card": {
                "amount_authorized": None,
                "brand": card["brand"],
                "checks": card["checks"],
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "last4": card["last4"],
                "network": "visa",
                "three_d_secure": None,
                "wallet": None,
            },
        }
    if pm["type"] == "paypal":
        paypal = pm["paypal"]
        return {
            "type": "paypal",
            "paypal": {
                "country": paypal["country"],
                "payer_email": paypal["payer_email"],
                "payer_id": paypal["payer_id"],
                "payer_name": None,
                "seller_protection": None,
                "transaction_id": new_id("PP", 17)[3:].upper(),
            },
        }
    if pm["type"] == "customer_balance":
        return {"type": "customer_balance", "customer_balance": {}}
    return {"type": pm["type"], pm["type"]: dict(pm[pm["type"]], mandate=None)}


def make_charge(
    sb: Sandbox, pi: dict[str, Any], pm: dict[str, Any], status: str, failure: str | None = None
) -> dict[str, Any]:
    charge_id = new_id("ch" if pm["type"] == "card" else "py", 24)
    paid = status == "succeeded"
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if paid else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn", 24) if paid else None,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "SANDBOX* PREMIUM",
        "captured": paid,
        "created": sb.clock.now(),
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure,
        "failure_message": "Your card was declined." if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "declined_by_network" if failure else "approved_by_network",
            "reason": "generic_decline" if failure else None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "The bank did not return any further details with this decline."
            if failure
            else "Payment complete.",
            "type": "issuer_declined" if failure else "authorized",
        },
        "paid": paid,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": _payment_method_details(pm),
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"{sb.base_url}/receipts/{charge_id}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }
    return sb.store.add(charge)


def make_payment_intent(
    sb: Sandbox,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    payment_method_types: list[str] | None = None,
    setup_future_usage: str | None = None,
) -> dict[str, Any]:
    pi_id = new_id("pi", 24)
    pi = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{new_id('x', 20)[2:]}",
        "confirmation_method": "automatic",
        "created": sb.clock.now(),
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": payment_method_types or ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": setup_future_usage,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    return sb.store.add(pi)


def confirm(sb: Sandbox, pi: dict[str, Any], pm: dict[str, Any], outcome: str) -> str:
    """Run one confirmation of ``pi`` with ``pm``; return the resulting status.

    ``outcome`` is ``ok``, ``declined``, ``authentication_required`` or
    ``delayed``.  No events are emitted here: callers emit them in the order
    Stripe does for their flow.
    """
    pi["payment_method"] = pm["id"]
    if pm["type"] not in pi["payment_method_types"]:
        pi["payment_method_types"] = [*pi["payment_method_types"], pm["type"]]
    if outcome == "ok":
        charge = make_charge(sb, pi, pm, "succeeded")
        pi.update(
            status="succeeded",
            amount_received=pi["amount"],
            latest_charge=charge["id"],
            last_payment_error=None,
            next_action=None,
        )
    elif outcome == "delayed":
        charge = make_charge(sb, pi, pm, "pending")
        pi.update(status="processing", latest_charge=charge["id"], last_payment_error=None)
    elif outcome == "awaiting_funds":
        # A bank transfer: instructions to send the money; no charge until the funds arrive.
        pi.update(
            status="requires_action", last_payment_error=None, next_action=_transfer_instructions(sb, pi)
        )
    elif outcome == "authentication_required":
        pi.update(
            status="requires_action",
            next_action={
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": ""},
            },
            last_payment_error={
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "doc_url": "https://stripe.com/docs/error-codes/authentication-required",
                "message": "Your card was declined. This transaction requires authentication.",
                "payment_method": pm,
                "type": "card_error",
            },
        )
    else:
        charge = make_charge(sb, pi, pm, "failed", failure="card_declined")
        pi.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            last_payment_error={
                "charge": charge["id"],
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.",
                "payment_method": pm,
                "type": "card_error",
            },
        )
    sb.store.touch()
    return pi["status"]


def _transfer_instructions(sb: Sandbox, pi: dict[str, Any]) -> dict[str, Any]:
    """``next_action`` of a bank transfer waiting for its funds (Stripe's current shape)."""
    reference = new_id("REF", 10)[4:].upper()
    return {
        "type": "display_bank_transfer_instructions",
        "display_bank_transfer_instructions": {
            "amount_remaining": pi["amount"],
            "currency": pi["currency"],
            "financial_addresses": [],
            "hosted_instructions_url": f"{sb.base_url}/payment_intents/{pi['id']}/instructions",
            "reference": reference,
            "type": "eu_bank_transfer" if pi["currency"] == "eur" else f"{pi['currency'][:2]}_bank_transfer",
        },
    }


def awaiting_funds(pi: dict[str, Any]) -> bool:
    next_action = pi.get("next_action") or {}
    return (
        pi["status"] == "requires_action" and next_action.get("type") == "display_bank_transfer_instructions"
    )


def settle(sb: Sandbox, pi: dict[str, Any], succeeded: bool) -> None:
    """Finish a ``processing`` payment (delayed bank debit), or a bank transfer waiting for funds.

    A transfer whose funds arrive gets its charge now; one whose funds never
    come is cancelled as expired (``cancellation_reason=expired``).
    """
    if awaiting_funds(pi):
        if succeeded:
            pm = sb.store.get("payment_method", pi["payment_method"])
            charge = make_charge(sb, pi, pm, "succeeded")
            pi.update(
                status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"], next_action=None
            )
        else:
            pi.update(
                status="canceled", canceled_at=sb.clock.now(), cancellation_reason="expired", next_action=None
            )
        sb.store.touch()
        return
    charge = sb.store.get("charge", pi["latest_charge"])
    if succeeded:
        charge.update(
            status="succeeded",
            paid=True,
            captured=True,
            amount_captured=charge["amount"],
            balance_transaction=new_id("txn", 24),
        )
        pi.update(status="succeeded", amount_received=pi["amount"])
    else:
        charge.update(
            status="failed",
            failure_code="insufficient_funds",
            failure_message="The customer's account has insufficient funds to cover this payment.",
        )
        pm = sb.store.find("payment_method", pi["payment_method"])
        pi.update(
            status="requires_payment_method",
            last_payment_error={
                "charge": charge["id"],
                "code": "payment_intent_payment_attempt_failed",
                "doc_url": "https://stripe.com/docs/error-codes/payment-intent-payment-attempt-failed",
                "message": "The payment failed.",
                "payment_method": pm,
                "type": "invalid_request_error",
            },
        )
    sb.store.touch()


def make_setup_intent(
    sb: Sandbox, *, customer: str | None, pm: dict[str, Any], metadata: dict[str, str] | None
) -> dict[str, Any]:
    seti_id = new_id("seti", 24)
    seti = {
        "id": seti_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{new_id('x', 20)[2:]}",
        "created": sb.clock.now(),
        "customer": customer,
        "description": None,
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": new_id("setatt", 24),
        "livemode": False,
        "mandate": None,
        "metadata": dict(metadata or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": pm["id"],
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": [pm["type"]],
        "single_use_mandate": None,
        "status": "succeeded",
        "usage": "off_session",
    }
    return sb.store.add(seti)


PAYMENT_INTENT_UPDATE: dict[str, Any] = {"metadata": p.METADATA, "description": p.STR}


# -- routes ---------------------------------------------------------------------
def _retrieve(name: str):
    def handler(call: Call) -> dict[str, Any]:
        return call.sb.store.get(name, call.path["id"])

    return handler


def update_payment_intent(call: Call) -> dict[str, Any]:
    """``POST /v1/payment_intents/{id}``: metadata and description (Stripe merges metadata, emits no
    event for it; the rest of Stripe's update parameters are not implemented here)."""
    pi = call.sb.store.get("payment_intent", call.path["id"])
    if "metadata" in call.params:
        pi["metadata"] = merge_metadata(pi.get("metadata") or {}, call.params["metadata"])
    if "description" in call.params:
        pi["description"] = call.params["description"]
    call.sb.store.touch()
    return pi


def list_payment_intents(call: Call) -> dict[str, Any]:
    items = call.sb.store.all("payment_intent")
    if call.params.get("customer"):
        items = [i for i in items if i["customer"] == call.params["customer"]]
    return paginate(items, call.params, "/v1/payment_intents")


def list_charges(call: Call) -> dict[str, Any]:
    items = call.sb.store.all("charge")
    for key in ("customer", "payment_intent"):
        if call.params.get(key):
            items = [i for i in items if i[key] == call.params[key]]
    return paginate(items, call.params, "/v1/charges")


def list_payment_methods(call: Call) -> dict[str, Any]:
    items = [
        pm
        for pm in call.sb.store.all("payment_method")
        if pm["customer"] == call.params.get("customer")
        and (not call.params.get("type") or pm["type"] == call.params["type"])
    ]
    return paginate(items, call.params, "/v1/payment_methods")


ROUTES = [
    api_route("/v1/payment_intents/{id}", "GET", _retrieve("payment_intent"), {"client_secret": p.STR}),
    api_route("/v1/payment_intents", "GET", list_payment_intents, {**LIST_SPEC, "customer": p.STR}),
    api_route("/v1/payment_intents/{id}", "POST", update_payment_intent, PAYMENT_INTENT_UPDATE),
    api_route("/v1/setup_intents/{id}", "GET", _retrieve("setup_intent"), {"client_secret": p.STR}),
    api_route("/v1/charges/{id}", "GET", _retrieve("charge"), {}),
    api_route("/v1/charges", "GET", list_charges, {**LIST_SPEC, "customer": p.STR, "payment_intent": p.STR}),
    api_route("/v1/payment_methods/{id}", "GET", _retrieve("payment_method"), {}),
    api_route(
        "/v1/payment_methods", "GET", list_payment_methods, {**LIST_SPEC, "customer": p.STR, "type": p.STR}
    ),
]
