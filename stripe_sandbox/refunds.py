"""Refunds, disputes and Radar's early fraud warnings.

Why: the gateway reverses premium on ``charge.refunded`` and on a chargeback,
restores it on ``refund.failed``, and refunds early on a fraud warning; the
events and the charge's ``amount_refunded``/``refunded``/``disputed`` must move
together as on Stripe.  A card refund is created ``pending`` and succeeds at
once (``refund.created``, ``charge.refunded``, ``refund.updated``); a bank
may fail it later (``/_sandbox/refunds/{id}/fail``).  A dispute is a
chargeback (funds withdrawn, ``charge.dispute.funds_withdrawn``) or an inquiry
(``warning_*`` statuses, no money moved) that may be escalated into one
(``charge.dispute.updated``); winning reinstates the funds
(``charge.dispute.funds_reinstated``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import params as p
from .api import (
    CREATED_SPEC,
    LIST_SPEC,
    Call,
    api_route,
    created_filter,
    created_param,
    list_object,
    paginate,
)
from .customers import merge_metadata
from .errors import invalid
from .events import changed
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

CREATE_SPEC: dict[str, Any] = {
    "payment_intent": p.STR,
    "charge": p.STR,
    "amount": p.INT,
    "reason": p.one_of("duplicate", "fraudulent", "requested_by_customer"),
    "metadata": p.METADATA,
    "instructions_email": p.STR,
}


def create(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    if prm.get("charge"):
        charge = sb.store.get("charge", prm["charge"], "charge")
    elif prm.get("payment_intent"):
        pi = sb.store.get("payment_intent", prm["payment_intent"], "payment_intent")
        charge = sb.store.find("charge", pi["latest_charge"])
        if charge is None or pi["status"] != "succeeded":
            raise invalid(
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
    else:
        raise invalid(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge['id']} has not succeeded; it cannot be refunded.", param="charge")
    if any(d["charge"] == charge["id"] and not d["is_charge_refundable"] for d in sb.store.all("dispute")):
        raise invalid(
            f"The charge {charge['id']} you're attempting to refund has been charged back.",
            code="charge_disputed",
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = prm.get("amount") if prm.get("amount") is not None else remaining
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
    if amount > remaining:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    refund = {
        "id": new_id("re", 24),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn", 24),
        "charge": charge["id"],
        "created": sb.clock.now(),
        "currency": charge["currency"],
        "description": None,
        "destination_details": {
            "card": {
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        }
        if charge["payment_method_details"]["type"] == "card"
        else None,
        "metadata": prm.get("metadata") or {},
        "payment_intent": charge["payment_intent"],
        "reason": prm.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "pending",
        "transfer_reversal": None,
    }
    sb.store.add(refund)
    sb.store.meta_of(charge["id"]).setdefault("refunds", []).append(refund["id"])
    sb.emit("refund.created", refund)
    before = copy.deepcopy(refund)
    charge_before = copy.deepcopy(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    refund["status"] = "succeeded"
    sb.store.touch()
    sb.emit("charge.refunded", charge, changed(charge_before, charge))
    sb.emit("refund.updated", refund, {"status": before["status"]})
    _refresh_warnings(sb, charge)
    return refund


def fail(sb: Sandbox, refund: dict[str, Any]) -> dict[str, Any]:
    """The bank rejects a refund later: amounts go back onto the charge."""
    if refund["status"] not in ("pending", "succeeded"):
        raise invalid(f"Refund {refund['id']} cannot fail from status {refund['status']}.")
    charge = sb.store.get("charge", refund["charge"])
    previous = refund["status"]
    refund.update(
        status="failed",
        failure_reason="expired_or_canceled_card",
        failure_balance_transaction=new_id("txn", 24),
    )
    charge["amount_refunded"] = max(0, charge["amount_refunded"] - refund["amount"])
    charge["refunded"] = False
    sb.store.touch()
    sb.emit("refund.updated", refund, {"status": previous, "failure_reason": None})
    sb.emit("refund.failed", refund)
    return refund


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("refund", call.path["id"])


def update(call: Call) -> dict[str, Any]:
    refund = call.sb.store.get("refund", call.path["id"])
    if "metadata" in call.params:
        refund["metadata"] = merge_metadata(refund["metadata"], call.params["metadata"])
        call.sb.store.touch()
    return refund


def list_(call: Call) -> dict[str, Any]:
    items = call.sb.store.all("refund")
    for key in ("charge", "payment_intent"):
        if call.params.get(key):
            items = [r for r in items if r[key] == call.params[key]]
    return paginate(items, call.params, "/v1/refunds")


def charge_refunds(sb: Sandbox, charge: dict[str, Any]) -> dict[str, Any]:
    ids = sb.store.meta_of(charge["id"]).get("refunds", [])
    return list_object(
        [sb.store.get("refund", i) for i in reversed(ids)], f"/v1/charges/{charge['id']}/refunds"
    )


# -- disputes ---------------------------------------------------------------------
#: Dispute statuses while the issuer only asks questions (an inquiry); no money has moved.
INQUIRY_OPEN = ("warning_needs_response", "warning_under_review")
CHARGEBACK_OPEN = ("needs_response", "under_review")
CLOSED = ("won", "lost", "warning_closed")
DISPUTE_FEE = {"jpy": 2000}  # minor units; 15.00 in every other currency
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)


def _balance_transaction(sb: Sandbox, dispute: dict[str, Any], withdrawal: bool) -> dict[str, Any]:
    """The money moved by a chargeback (withdrawn, with the fee) or by winning it (reinstated)."""
    amount = -dispute["amount"] if withdrawal else dispute["amount"]
    fee = DISPUTE_FEE.get(dispute["currency"], 1500)
    fees = fee if withdrawal else -fee
    now = sb.clock.now()
    return sb.store.add(
        {
            "id": new_id("txn", 24),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": now,
            "balance_type": "payments",
            "created": now,
            "currency": dispute["currency"],
            "description": f"Chargeback {'withdrawal' if withdrawal else 'reversal'} for {dispute['charge']}",
            "exchange_rate": None,
            "fee": fees,
            "fee_details": [
                {
                    "amount": fees,
                    "application": None,
                    "currency": dispute["currency"],
                    "description": "Dispute fee",
                    "type": "stripe_fee",
                }
            ],
            "net": amount - fees,
            "reporting_category": "dispute" if withdrawal else "dispute_reversal",
            "source": dispute["id"],
            "status": "available",
            "type": "adjustment",
        }
    )


def _withdraw(sb: Sandbox, dispute: dict[str, Any]) -> None:
    dispute["balance_transactions"].append(_balance_transaction(sb, dispute, withdrawal=True))
    dispute["is_charge_refundable"] = False


def open_dispute(
    sb: Sandbox, charge: dict[str, Any], reason: str = "fraudulent", *, inquiry: bool = False
) -> dict[str, Any]:
    """The cardholder disputes the charge: a chargeback (funds withdrawn at once) or an inquiry.

    An inquiry (``warning_needs_response``, card ``case_type`` ``inquiry``) moves no
    money; it can close as ``warning_closed`` or be escalated into a chargeback.
    """
    if charge["status"] != "succeeded":
        raise invalid("Only a succeeded charge can be disputed.", param="charge")
    if charge["disputed"]:
        raise invalid(f"Charge {charge['id']} is already disputed.", param="charge")
    if charge["refunded"]:
        raise invalid(
            f"Charge {charge['id']} is fully refunded: there is nothing to dispute.", param="charge"
        )
    now = sb.clock.now()
    dispute = {
        "id": new_id("dp", 24),
        "object": "dispute",
        "amount": charge["amount"] - charge["amount_refunded"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": dict.fromkeys(EVIDENCE_FIELDS),
        "evidence_details": {
            "due_by": now + 7 * 86400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": inquiry,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "inquiry" if inquiry else "chargeback",
                "network": "visa",
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }
    if not inquiry:
        _withdraw(sb, dispute)
    sb.store.add(dispute)
    charge["disputed"] = True
    sb.store.touch()
    sb.emit("charge.dispute.created", dispute)
    _refresh_warnings(sb, charge)
    if not inquiry:
        sb.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def submit_evidence(sb: Sandbox, dispute: dict[str, Any]) -> dict[str, Any]:
    """The merchant answers: an open inquiry or chargeback goes under review."""
    before = copy.deepcopy(dispute)
    if dispute["status"] == "warning_needs_response":
        dispute["status"] = "warning_under_review"
    elif dispute["status"] == "needs_response":
        dispute["status"] = "under_review"
    else:
        raise invalid(f"Dispute {dispute['id']} is not waiting for a response (status {dispute['status']}).")
    dispute["evidence"]["uncategorized_text"] = "Sandbox evidence."
    dispute["evidence_details"].update(has_evidence=True, submission_count=1)
    sb.store.touch()
    sb.emit("charge.dispute.updated", dispute, changed(before, dispute))
    return dispute


def escalate(sb: Sandbox, dispute: dict[str, Any]) -> dict[str, Any]:
    """The issuer turns an inquiry into a chargeback: same dispute, funds withdrawn now."""
    if dispute["status"] not in INQUIRY_OPEN:
        raise invalid(f"Dispute {dispute['id']} is not an open inquiry (status {dispute['status']}).")
    before = copy.deepcopy(dispute)
    dispute["status"] = "needs_response"
    dispute["payment_method_details"]["card"]["case_type"] = "chargeback"
    dispute["evidence_details"]["due_by"] = sb.clock.now() + 7 * 86400
    _withdraw(sb, dispute)
    sb.store.touch()
    sb.emit("charge.dispute.updated", dispute, changed(before, dispute))
    sb.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def close_dispute(sb: Sandbox, dispute: dict[str, Any], status: str) -> dict[str, Any]:
    """The issuer decides: ``won`` reinstates the funds, ``lost`` keeps them withdrawn;
    an inquiry closes as ``warning_closed`` (no money ever moved)."""
    if status not in CLOSED:
        raise invalid("status must be 'won', 'lost' or 'warning_closed'", param="status")
    if dispute["status"] in CLOSED:
        raise invalid(f"Dispute {dispute['id']} is already closed.")
    inquiry = dispute["status"] in INQUIRY_OPEN
    if inquiry != (status == "warning_closed"):
        raise invalid(
            "An inquiry closes as warning_closed (or is escalated first); a chargeback as won or lost.",
            param="status",
        )
    dispute["status"] = status
    dispute["evidence_details"]["due_by"] = None
    reinstated = status == "won"
    if reinstated:
        dispute["balance_transactions"].append(_balance_transaction(sb, dispute, withdrawal=False))
    sb.store.touch()
    if reinstated:
        sb.emit("charge.dispute.funds_reinstated", dispute)
    sb.emit("charge.dispute.closed", dispute)
    return dispute


# -- early fraud warnings ---------------------------------------------------------------
FRAUD_TYPES = (
    "card_never_received",
    "fraudulent_card_application",
    "made_with_counterfeit_card",
    "made_with_lost_card",
    "made_with_stolen_card",
    "misc",
    "unauthorized_use_of_card",
)


def early_fraud_warning(
    sb: Sandbox, charge: dict[str, Any], fraud_type: str = "made_with_stolen_card"
) -> dict:
    """The issuer reports the charge as fraud (Visa TC40 / Mastercard SAFE), before any dispute.

    ``actionable`` is Stripe's: no dispute yet and not fully refunded (a refund now
    avoids the chargeback and its fee).
    """
    if fraud_type not in FRAUD_TYPES:
        raise invalid(f"fraud_type must be one of {', '.join(FRAUD_TYPES)}", param="fraud_type")
    if charge["status"] != "succeeded":
        raise invalid("Only a succeeded charge gets an early fraud warning.", param="charge")
    warning = {
        "id": new_id("issfr", 24),
        "object": "radar.early_fraud_warning",
        "actionable": not charge["disputed"] and not charge["refunded"],
        "charge": charge["id"],
        "created": sb.clock.now(),
        "fraud_type": fraud_type,
        "livemode": False,
        "payment_intent": charge["payment_intent"],
    }
    sb.store.add(warning)
    sb.store.meta_of(charge["id"])["early_fraud_warnings"] = [
        *sb.store.meta_of(charge["id"]).get("early_fraud_warnings", []),
        warning["id"],
    ]
    sb.emit("radar.early_fraud_warning.created", warning)
    return warning


def _refresh_warnings(sb: Sandbox, charge: dict[str, Any]) -> None:
    """A warning stops being actionable once its charge is disputed or fully refunded."""
    for warning_id in sb.store.meta_of(charge["id"]).get("early_fraud_warnings", []):
        warning = sb.store.get("radar.early_fraud_warning", warning_id)
        actionable = not charge["disputed"] and not charge["refunded"]
        if warning["actionable"] != actionable:
            warning["actionable"] = actionable
            sb.emit("radar.early_fraud_warning.updated", warning, {"actionable": not actionable})


def retrieve_warning(call: Call) -> dict[str, Any]:
    return call.sb.store.get("radar.early_fraud_warning", call.path["id"])


def list_warnings(call: Call) -> dict[str, Any]:
    items = created_filter(
        call.sb.store.all("radar.early_fraud_warning"), created_param(call.params.get("created"))
    )
    for key in ("charge", "payment_intent"):
        if call.params.get(key):
            items = [w for w in items if w[key] == call.params[key]]
    return paginate(items, call.params, "/v1/radar/early_fraud_warnings")


def retrieve_dispute(call: Call) -> dict[str, Any]:
    return call.sb.store.get("dispute", call.path["id"])


def list_disputes(call: Call) -> dict[str, Any]:
    """Stripe's `GET /v1/disputes`: by charge or payment intent, newest first (reconcile walks it)."""
    items = created_filter(call.sb.store.all("dispute"), created_param(call.params.get("created")))
    for key in ("charge", "payment_intent"):
        if call.params.get(key):
            items = [d for d in items if d[key] == call.params[key]]
    return paginate(items, call.params, "/v1/disputes")


def install(sb: Sandbox) -> None:
    sb.expanders[("charge", "refunds")] = charge_refunds


ROUTES = [
    api_route("/v1/refunds", "POST", create, CREATE_SPEC),
    api_route("/v1/refunds", "GET", list_, {**LIST_SPEC, "charge": p.STR, "payment_intent": p.STR}),
    api_route("/v1/refunds/{id}", "GET", retrieve, {}),
    api_route("/v1/refunds/{id}", "POST", update, {"metadata": p.METADATA}),
    api_route("/v1/disputes/{id}", "GET", retrieve_dispute, {}),
    api_route("/v1/radar/early_fraud_warnings/{id}", "GET", retrieve_warning, {}),
    api_route(
        "/v1/radar/early_fraud_warnings",
        "GET",
        list_warnings,
        {**LIST_SPEC, "charge": p.STR, "payment_intent": p.STR, "created": CREATED_SPEC},
    ),
    api_route(
        "/v1/disputes",
        "GET",
        list_disputes,
        {**LIST_SPEC, "charge": p.STR, "payment_intent": p.STR, "created": CREATED_SPEC},
    ),
]
