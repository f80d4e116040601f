"""Inquiries, chargebacks and early fraud warnings over real HTTP, and the audit trail they leave.

The gateway runs as a `serve` process; Stripe's side (the card issuer's
inquiry, its escalation, Radar's early fraud warning) is driven through the
sandbox's control API and reaches the gateway as signed webhooks. What is
asserted is what the user and support see over GraphQL.
"""

from __future__ import annotations

import orjson

from billing import ids
from models import Payment
from tests.e2e.test_buying_e2e import CHECKOUT, _signed, buy, checkout_input

SUPPORT_VIEW = """
query($id: ID!) {
  userBilling(userId: $id) {
    purchaseRestricted restrictionReason
    premium { active }
    subscription { status }
    payments { edges { node { id status } } }
    disputes { stripeDisputeId paymentId status inquiry
               fundsWithdrawn { amount } fundsReinstated { amount } }
    auditLog { edges { node { at actorId action userId subject reason } } }
  }
}"""


async def support_view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(SUPPORT_VIEW, {"id": user}, user="support-7", admin=True)
    assert "errors" not in answer, answer
    return answer["data"]["userBilling"]


def actions(view: dict) -> list[tuple[str, str]]:
    """(action, actor), oldest first."""
    return [(e["node"]["action"], e["node"]["actorId"]) for e in reversed(view["auditLog"]["edges"])]


async def charge_of(e2e, payment_id: str) -> str:
    row = await Payment.get(id=ids.decode_as(payment_id, "Payment"))
    intent = await e2e.world.services.stripe.v1.payment_intents.retrieve_async(row.stripe_payment_intent_id)
    return intent.latest_charge


async def test_an_inquiry_changes_nothing_until_it_becomes_a_chargeback(e2e) -> None:
    payload = await buy(e2e, "inq-user", currency="EUR")
    charge = await charge_of(e2e, payload["payment"]["id"])
    inquiry = await e2e.world.control(f"/_sandbox/charges/{charge}/dispute", {"inquiry": True})
    await e2e.flush()
    view = await support_view(e2e, "inq-user")
    # An inquiry: recorded for support, nothing taken back, nothing restricted.
    assert view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE"
    assert view["payments"]["edges"][0]["node"]["status"] == "COMPLETED"
    assert not view["purchaseRestricted"]
    assert view["disputes"] == [
        {
            "stripeDisputeId": inquiry["id"],
            "paymentId": payload["payment"]["id"],
            "status": "warning_needs_response",
            "inquiry": True,
            "fundsWithdrawn": {"amount": 0},
            "fundsReinstated": {"amount": 0},
        }
    ]
    assert actions(view) == [("DISPUTE_OPENED", "system")]
    assert "Inquiry" in view["auditLog"]["edges"][0]["node"]["reason"]
    gift = await e2e.gateway.graphql(CHECKOUT, checkout_input(gift=True), user="inq-user")
    assert gift["data"]["createCheckout"]["userErrors"] == []  # purchases are not blocked

    await e2e.world.control(f"/_sandbox/disputes/{inquiry['id']}/escalate")
    await e2e.flush()
    view = await support_view(e2e, "inq-user")
    assert view["payments"]["edges"][-1]["node"]["status"] == "DISPUTED"
    assert not view["premium"]["active"] and view["subscription"] is None
    assert view["purchaseRestricted"] and "Chargeback" in view["restrictionReason"]
    (dispute,) = view["disputes"]
    assert (dispute["status"], dispute["inquiry"], dispute["fundsWithdrawn"]) == (
        "needs_response",
        False,
        {"amount": 499},
    )
    assert actions(view) == [
        ("DISPUTE_OPENED", "system"),  # the inquiry
        ("DISPUTE_OPENED", "system"),  # the chargeback
        ("PURCHASE_RESTRICTION_SET", "system"),
    ]
    blocked = await e2e.gateway.graphql(CHECKOUT, checkout_input(gift=True), user="inq-user")
    assert [e["code"] for e in blocked["data"]["createCheckout"]["userErrors"]] == ["PURCHASE_BLOCKED"]

    # Won: the funds come back and the payment with them; support decides about the restriction.
    await e2e.world.control(f"/_sandbox/disputes/{inquiry['id']}/close", {"status": "won"})
    await e2e.flush()
    view = await support_view(e2e, "inq-user")
    assert view["payments"]["edges"][-1]["node"]["status"] == "COMPLETED"
    assert view["disputes"][0]["fundsReinstated"] == {"amount": 499}
    assert actions(view)[-1] == ("DISPUTE_CLOSED", "system") and view["purchaseRestricted"]


async def test_an_inquiry_closed_as_a_warning_leaves_everything_as_it_was(e2e) -> None:
    payload = await buy(e2e, "warn-user")
    charge = await charge_of(e2e, payload["payment"]["id"])
    inquiry = await e2e.world.control(f"/_sandbox/charges/{charge}/dispute", {"inquiry": True})
    await e2e.world.control(f"/_sandbox/disputes/{inquiry['id']}/submit")
    await e2e.world.control(f"/_sandbox/disputes/{inquiry['id']}/close", {"status": "warning_closed"})
    await e2e.flush()
    view = await support_view(e2e, "warn-user")
    assert view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE"
    assert view["payments"]["edges"][0]["node"]["status"] == "COMPLETED"
    assert not view["purchaseRestricted"]
    assert view["disputes"][0]["status"] == "warning_closed" and view["disputes"][0]["inquiry"]
    assert actions(view) == [("DISPUTE_OPENED", "system"), ("DISPUTE_CLOSED", "system")]
    events = [e["type"] for e in await e2e.world.new_events() if e["type"].startswith("charge.dispute.")]
    assert "charge.dispute.updated" in events  # submitted evidence: handled, nothing changed


async def test_early_fraud_warning_refunds_as_fraudulent_and_revokes(e2e) -> None:
    payload = await buy(e2e, "efw-user", product="PREMIUM_YEARLY")
    charge = await charge_of(e2e, payload["payment"]["id"])
    warning = await e2e.world.control(f"/_sandbox/charges/{charge}/early_fraud_warning")
    await e2e.flush()
    view = await support_view(e2e, "efw-user")
    assert view["payments"]["edges"][0]["node"]["status"] == "REFUNDED"
    assert not view["premium"]["active"] and view["subscription"] is None
    (refund,) = (await e2e.world.services.stripe.v1.refunds.list_async(params={"charge": charge})).data
    assert refund.reason == "fraudulent" and refund.amount == 4999
    entry = view["auditLog"]["edges"][0]["node"]
    assert (entry["action"], entry["actorId"]) == ("EARLY_FRAUD_REFUND", "system")
    assert entry["userId"] == "efw-user"
    assert entry["subject"] == payload["payment"]["id"] and warning["id"] in entry["reason"]
    # Delivered again (Stripe's at-least-once) and run again: no second refund, no second row.
    (event,) = [e for e in await e2e.world.new_events() if e["type"] == "radar.early_fraud_warning.created"]
    assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await e2e.world.deliver([event])  # the handler itself, once more
    await e2e.flush()
    assert len((await e2e.world.services.stripe.v1.refunds.list_async(params={"charge": charge})).data) == 1
    assert [a for a, _ in actions(await support_view(e2e, "efw-user"))].count("EARLY_FRAUD_REFUND") == 1


async def test_early_fraud_warning_with_flag_restricts_and_leaves_the_refund_to_support(
    e2e, gateway_settings
) -> None:
    gateway_settings(EARLY_FRAUD_WARNING_ACTION="flag")
    payload = await buy(e2e, "efw-flag")
    charge = await charge_of(e2e, payload["payment"]["id"])
    await e2e.world.control(f"/_sandbox/charges/{charge}/early_fraud_warning", {"fraud_type": "misc"})
    await e2e.flush()
    view = await support_view(e2e, "efw-flag")
    assert view["payments"]["edges"][0]["node"]["status"] == "COMPLETED" and view["premium"]["active"]
    assert view["purchaseRestricted"] and "Early fraud warning" in view["restrictionReason"]
    assert actions(view) == [("PURCHASE_RESTRICTION_SET", "system"), ("EARLY_FRAUD_FLAG", "system")]
    assert (await e2e.world.services.stripe.v1.refunds.list_async(params={"charge": charge})).data == []
