"""Refunds and disputes.

Why: the gateway reverses premium on ``charge.refunded`` and
``charge.dispute.created`` and restores it on ``refund.failed``; the events
and the charge's ``amount_refunded``/``refunded``/``disputed`` must move
together as on Stripe.  A card refund is created ``pending`` and succeeds at
once (``refund.created``, ``charge.refunded``, ``refund.updated``); a bank
may fail it later (``/_sandbox/refunds/{id}/fail``).
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
def open_dispute(sb: Sandbox, charge: dict[str, Any], reason: str = "fraudulent") -> dict[str, Any]:
    if charge["status"] != "succeeded":
        raise invalid("Only a succeeded charge can be disputed.", param="charge")
    if charge["disputed"]:
        raise invalid(f"Charge {charge['id']} is already disputed.", param="charge")
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
        "evidence": {
            k: None
            for k in (
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
        },
        "evidence_details": {
            "due_by": now + 7 * 86400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {"brand": "visa", "case_type": "chargeback", "network_reason_code": "10.4"},
            "type": "card",
        },
        "reason": reason,
        "status": "needs_response",
    }
    sb.store.add(dispute)
    charge["disputed"] = True
    sb.store.touch()
    sb.emit("charge.dispute.created", dispute)
    return dispute


def close_dispute(sb: Sandbox, dispute: dict[str, Any], status: str) -> dict[str, Any]:
    if status not in ("won", "lost"):
        raise invalid("status must be 'won' or 'lost'", param="status")
    if dispute["status"] in ("won", "lost"):
        raise invalid(f"Dispute {dispute['id']} is already closed.")
    dispute["status"] = status
    dispute["evidence_details"]["due_by"] = None
    sb.store.touch()
    sb.emit("charge.dispute.closed", dispute)
    return dispute


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
    api_route(
        "/v1/disputes",
        "GET",
        list_disputes,
        {**LIST_SPEC, "charge": p.STR, "payment_intent": p.STR, "created": CREATED_SPEC},
    ),
]
