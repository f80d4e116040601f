"""Behaviours of Stripe's current API version that money and access depend on, in the sandbox.

Each is Stripe's as its sources state it (the pinned SDK's resource classes,
fixtures3.json, the changelog): inquiries and chargebacks, Radar's early fraud
warnings, flexible billing mode with `cancel_at`, and invoices paid by several
invoice payments.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import ControlError, SandboxServer

from .conftest import Catalog, Receiver, advance_to, assert_shape, settle_webhooks, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _charge(client: stripe.StripeClient, session: dict[str, Any]) -> str:
    invoice = await client.v1.invoices.retrieve_async(session["invoice"], params={"expand": ["payments"]})
    pi = await client.v1.payment_intents.retrieve_async(invoice.payments.data[0].payment.payment_intent)
    return pi.latest_charge


def _types(receiver: Receiver, object_id: str) -> list[str]:
    return [e["type"] for e in receiver.events if e["data"]["object"].get("id") == object_id]


async def test_an_inquiry_moves_no_money_and_can_close_as_a_warning(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _, session = await subscribe(client, sandbox, catalog.monthly_eur)
    charge = await _charge(client, session)
    inquiry = await sandbox.acontrol(f"/_sandbox/charges/{charge}/dispute", {"inquiry": True})
    assert inquiry["status"] == "warning_needs_response"
    assert inquiry["payment_method_details"]["card"]["case_type"] == "inquiry"
    assert inquiry["balance_transactions"] == [] and inquiry["is_charge_refundable"]
    reviewed = await sandbox.acontrol(f"/_sandbox/disputes/{inquiry['id']}/submit", {})
    assert reviewed["status"] == "warning_under_review"
    with pytest.raises(ControlError):  # an inquiry is not won or lost: it closes as a warning
        await sandbox.acontrol(f"/_sandbox/disputes/{inquiry['id']}/close", {"status": "lost"})
    closed = await sandbox.acontrol(f"/_sandbox/disputes/{inquiry['id']}/close", {"status": "warning_closed"})
    assert closed["status"] == "warning_closed" and closed["balance_transactions"] == []
    fetched = await client.v1.disputes.retrieve_async(inquiry["id"])
    assert fetched.status == "warning_closed"
    await settle_webhooks(sandbox)
    assert _types(receiver, inquiry["id"]) == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
    ]
    for event in receiver.events:
        if event["data"]["object"].get("id") == inquiry["id"]:
            assert_shape(event)


async def test_an_escalated_inquiry_is_a_chargeback_and_winning_reinstates_the_funds(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _, session = await subscribe(client, sandbox, catalog.monthly_eur)
    charge = await _charge(client, session)
    inquiry = await sandbox.acontrol(f"/_sandbox/charges/{charge}/dispute", {"inquiry": True})
    escalated = await sandbox.acontrol(f"/_sandbox/disputes/{inquiry['id']}/escalate")
    assert escalated["id"] == inquiry["id"] and escalated["status"] == "needs_response"
    assert escalated["payment_method_details"]["card"]["case_type"] == "chargeback"
    (withdrawal,) = escalated["balance_transactions"]
    assert withdrawal["amount"] == -999 and withdrawal["reporting_category"] == "dispute"
    with pytest.raises(stripe.InvalidRequestError) as refused:  # a charged-back charge is not refunded
        await client.v1.refunds.create_async(params={"charge": charge})
    assert refused.value.code == "charge_disputed"
    won = await sandbox.acontrol(f"/_sandbox/disputes/{inquiry['id']}/close", {"status": "won"})
    assert [t["amount"] for t in won["balance_transactions"]] == [-999, 999]
    await settle_webhooks(sandbox)
    assert _types(receiver, inquiry["id"]) == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    assert_shape(won)


async def test_early_fraud_warning_is_actionable_until_refunded(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _, session = await subscribe(client, sandbox, catalog.monthly_eur)
    charge = await _charge(client, session)
    warning = await sandbox.acontrol(f"/_sandbox/charges/{charge}/early_fraud_warning", {})
    assert warning["id"].startswith("issfr_") and warning["actionable"] and warning["charge"] == charge
    fetched = await client.v1.radar.early_fraud_warnings.retrieve_async(warning["id"])
    assert fetched.fraud_type == "made_with_stolen_card" and fetched.payment_intent
    listed = await client.v1.radar.early_fraud_warnings.list_async(params={"charge": charge})
    assert [w.id for w in listed.data] == [warning["id"]]
    await client.v1.refunds.create_async(params={"charge": charge, "reason": "fraudulent"})
    assert not (await client.v1.radar.early_fraud_warnings.retrieve_async(warning["id"])).actionable
    await settle_webhooks(sandbox)
    assert _types(receiver, warning["id"]) == [
        "radar.early_fraud_warning.created",
        "radar.early_fraud_warning.updated",
    ]
    assert_shape(fetched.to_dict())
    with pytest.raises(ControlError):
        await sandbox.acontrol(f"/_sandbox/charges/{charge}/early_fraud_warning", {"fraud_type": "boredom"})


async def test_flexible_billing_mode_and_cancel_at(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_eur)
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    assert sub.billing_mode.type == "flexible"
    end = sub["items"].data[0].current_period_end
    # As the Dashboard or the customer portal stores "cancel at the period end" in flexible mode.
    outside = await sandbox.acontrol(f"/_sandbox/subscriptions/{sub.id}/cancel_at", {"at": "period_end"})
    assert (outside["cancel_at"], outside["cancel_at_period_end"]) == (end, False)
    cleared = await client.v1.subscriptions.update_async(sub.id, params={"cancel_at": ""})
    assert (cleared.cancel_at, cleared.cancel_at_period_end, cleared.canceled_at) == (None, False, None)
    latest = await client.v1.subscriptions.update_async(sub.id, params={"cancel_at": "max_period_end"})
    assert (latest.cancel_at, latest.cancel_at_period_end) == (end, False)
    dated = await client.v1.subscriptions.update_async(sub.id, params={"cancel_at": end - 86400})
    assert (dated.cancel_at, dated.cancel_at_period_end) == (end - 86400, False)
    await advance_to(sandbox, end - 86400)
    ended = await client.v1.subscriptions.retrieve_async(sub.id)
    assert ended.status == "canceled" and ended.ended_at == end - 86400
    await settle_webhooks(sandbox)
    updates = [e for e in receiver.for_ids(customer.id) if e["type"] == "customer.subscription.updated"]
    assert updates[-1]["data"]["previous_attributes"]["cancel_at"] == end
    assert receiver.types_for(customer.id)[-1] == "customer.subscription.deleted"


async def test_partial_and_failed_attempts_are_separate_invoice_payments(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_eur)
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    await advance_to(sandbox, sub["items"].data[0].current_period_end + 3600)
    invoice = (await client.v1.invoices.list_async(params={"subscription": sub.id})).data[0]
    assert invoice.status == "open" and invoice.amount_remaining == 999
    failed = await sandbox.acontrol(
        f"/_sandbox/invoices/{invoice.id}/pay_partially", {"amount": 300, "succeeded": False}
    )
    assert (failed["is_default"], failed["status"], failed["amount_requested"]) == (False, "open", 300)
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "ok"})
    partial = await sandbox.acontrol(f"/_sandbox/invoices/{invoice.id}/pay_partially", {"amount": 400})
    assert (partial["status"], partial["amount_paid"]) == ("paid", 400)
    invoice = await client.v1.invoices.retrieve_async(invoice.id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_remaining) == ("open", 400, 599)
    with pytest.raises(ControlError):
        await sandbox.acontrol(f"/_sandbox/invoices/{invoice.id}/pay_partially", {"amount": 599})
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 2 * 86400})  # the next retry
    invoice = await client.v1.invoices.retrieve_async(invoice.id, params={"expand": ["payments"]})
    assert (invoice.status, invoice.amount_paid, invoice.amount_remaining) == ("paid", 999, 0)
    by_id = {p.id: p for p in invoice.payments.data}
    default = next(p for p in by_id.values() if p.is_default)
    assert (default.status, default.amount_paid) == ("paid", 599)
    assert (by_id[failed["id"]].status, by_id[partial["id"]].status) == ("open", "paid")
    paid = await client.v1.invoice_payments.list_async(params={"invoice": invoice.id, "status": "paid"})
    assert {p.id for p in paid.data} == {default.id, partial["id"]}
    intent = partial["payment"]["payment_intent"]
    listed = await client.v1.invoice_payments.list_async(
        params={"payment": {"type": "payment_intent", "payment_intent": intent}}
    )
    assert [p.invoice for p in listed.data] == [invoice.id]
    assert_shape(invoice.to_dict())
