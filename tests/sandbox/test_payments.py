"""Acceptance: gift (payment mode), setup mode, delayed methods, expiry, refunds, disputes."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox.testing import ControlError, SandboxServer

from .conftest import Catalog, Receiver, advance_to, assert_shape, settle_webhooks, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _gift_session(client: stripe.StripeClient, catalog: Catalog, customer_id: str) -> object:
    return await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "customer": customer_id,
            "line_items": [{"price": catalog.gift_jpy.id, "quantity": 1}],
            "client_reference_id": "user-42",
            "metadata": {"user_id": "42", "gift": "true"},
            "success_url": "https://app.example/gift?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "billing_address_collection": "required",
            "tax_id_collection": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
            "invoice_creation": {
                "enabled": True,
                "invoice_data": {"metadata": {"payment_row": "p-1"}},
            },
            "payment_intent_data": {"metadata": {"payment_row": "p-1"}},
            "allowed_payment_method_types": ["card", "link"],
            "locale": "ja",
        }
    )


async def test_jpy_gift_checkout_with_invoice(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "gift@example.com"})
    session = await _gift_session(client, catalog, customer.id)
    assert session.url == f"{sandbox.base_url}/checkout/{session.id}"
    assert session.amount_total == 1500 and session.currency == "jpy"
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": "JP"}
    )
    assert done["payment_status"] == "paid"
    assert done["total_details"]["amount_tax"] == 136  # 1500 - round(1500 / 1.10)
    session = await client.v1.checkout.sessions.retrieve_async(
        session.id, params={"expand": ["payment_intent.latest_charge", "invoice", "line_items"]}
    )
    assert session.payment_intent.metadata["payment_row"] == "p-1"
    assert session.payment_intent.latest_charge.amount == 1500
    assert session.invoice.status == "paid"
    assert session.invoice.metadata["payment_row"] == "p-1"
    assert session.invoice.parent is None
    assert session.invoice.total_taxes[0].amount == 136
    assert session.line_items.data[0].amount_tax == 136
    assert_shape(session.to_dict())
    await settle_webhooks(sandbox)
    assert receiver.types_for(customer.id) == [
        "payment_intent.succeeded",
        "invoice.finalized",
        "invoice.paid",
        "checkout.session.completed",
    ]


async def test_declined_payment_leaves_session_open(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "d@example.com"})
    session = await _gift_session(client, catalog, customer.id)
    with pytest.raises(ControlError) as declined:
        await sandbox.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "declined"})
    assert declined.value.status == 402
    assert declined.value.body["error"]["code"] == "card_declined"
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert session.status == "open"
    # The buyer retries with a good card.
    await sandbox.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid"})
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert types[0] == "payment_intent.payment_failed"
    assert types[-1] == "checkout.session.completed"


async def test_setup_mode_collects_a_method_without_setting_a_default(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, first = await subscribe(client, sandbox, catalog.monthly_eur)
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "setup",
            "customer": customer.id,
            "currency": "eur",
            "success_url": "https://app.example/card?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "setup_intent_data": {"metadata": {"user_id": "42"}},
            "allowed_payment_method_types": ["card", "sepa_debit"],
        }
    )
    assert session.payment_status == "no_payment_required"
    done = await sandbox.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {})
    seti = await client.v1.setup_intents.retrieve_async(
        done["setup_intent"], params={"expand": ["payment_method"]}
    )
    assert seti.status == "succeeded" and seti.metadata["user_id"] == "42"
    assert seti.payment_method.customer == customer.id
    after = await client.v1.customers.retrieve_async(customer.id)
    assert after.invoice_settings.default_payment_method is None
    sub_before = await client.v1.subscriptions.retrieve_async(first["subscription"])
    assert sub_before.default_payment_method != seti.payment_method.id
    # The gateway then makes it the default, on the customer and the subscription.
    updated = await client.v1.customers.update_async(
        customer.id,
        params={"invoice_settings": {"default_payment_method": seti.payment_method.id}},
    )
    assert updated.invoice_settings.default_payment_method == seti.payment_method.id
    sub = await client.v1.subscriptions.update_async(
        first["subscription"], params={"default_payment_method": seti.payment_method.id}
    )
    assert sub.default_payment_method == seti.payment_method.id
    await settle_webhooks(sandbox)
    assert "checkout.session.completed" in receiver.types_for(customer.id)


@pytest.mark.parametrize("succeeded", [True, False])
async def test_delayed_payment_settles_later(
    client: stripe.StripeClient,
    sandbox: SandboxServer,
    receiver: Receiver,
    catalog: Catalog,
    succeeded: bool,
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "sepa@example.com"})
    session = await _gift_session(client, catalog, customer.id)
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "delayed"}
    )
    assert done["status"] == "complete" and done["payment_status"] == "unpaid"
    pi = await client.v1.payment_intents.retrieve_async(done["payment_intent"])
    assert pi.status == "processing"
    await sandbox.acontrol(f"/_sandbox/payment_intents/{pi.id}/settle", {"succeeded": succeeded})
    pi = await client.v1.payment_intents.retrieve_async(pi.id)
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    if succeeded:
        assert pi.status == "succeeded" and session.payment_status == "paid"
        assert session.invoice is not None
        assert types == [
            "checkout.session.completed",
            "payment_intent.succeeded",
            "invoice.finalized",
            "invoice.paid",
            "checkout.session.async_payment_succeeded",
        ]
    else:
        assert pi.status == "requires_payment_method" and session.payment_status == "unpaid"
        assert types == [
            "checkout.session.completed",
            "payment_intent.payment_failed",
            "checkout.session.async_payment_failed",
        ]


async def test_delayed_subscription_settles(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _customer, done = await subscribe(client, sandbox, catalog.monthly_eur, outcome="delayed")
    assert done["payment_status"] == "unpaid"
    sub = await client.v1.subscriptions.retrieve_async(
        done["subscription"], params={"expand": ["latest_invoice.payments"]}
    )
    assert sub.latest_invoice.status == "open"
    pi_id = sub.latest_invoice.payments.data[0].payment.payment_intent
    await sandbox.acontrol(f"/_sandbox/payment_intents/{pi_id}/settle", {"succeeded": True})
    invoice = await client.v1.invoices.retrieve_async(sub.latest_invoice.id)
    assert invoice.status == "paid"


async def test_session_expires_with_the_clock_and_on_request(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "late@example.com"})
    now = (await sandbox.acontrol("/_sandbox/clock"))["now"]
    short = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "expires_at": now + 3600,
        }
    )
    default = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
        }
    )
    assert default.expires_at == default.created + 24 * 3600
    await advance_to(sandbox, short.expires_at)
    assert (await client.v1.checkout.sessions.retrieve_async(short.id)).status == "expired"
    assert (await client.v1.checkout.sessions.retrieve_async(default.id)).status == "open"
    expired = await client.v1.checkout.sessions.expire_async(default.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.checkout.sessions.expire_async(default.id)
    with pytest.raises(ControlError) as late:
        await sandbox.acontrol(f"/_sandbox/checkout/sessions/{short.id}/complete", {})
    assert late.value.status == 400
    listed = await client.v1.checkout.sessions.list_async(
        params={"customer": customer.id, "status": "expired"}
    )
    assert {s.id for s in listed.data} == {short.id, default.id}
    await settle_webhooks(sandbox)
    expired_events = receiver.for_ids(customer.id)
    assert [e["type"] for e in expired_events] == ["checkout.session.expired"] * 2
    assert expired_events[0]["created"] == short.expires_at


async def test_refund_then_bank_failure(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, done = await subscribe(client, sandbox, catalog.monthly_eur)
    invoice = await client.v1.invoices.retrieve_async(done["invoice"], params={"expand": ["payments"]})
    pi_id = invoice.payments.data[0].payment.payment_intent
    partial = await client.v1.refunds.create_async(
        params={
            "payment_intent": pi_id,
            "amount": 300,
            "reason": "requested_by_customer",
            "metadata": {"refund_row": "r-1"},
        }
    )
    assert partial.status == "succeeded" and partial.amount == 300
    charge = await client.v1.charges.retrieve_async(partial.charge)
    assert charge.amount_refunded == 300 and not charge.refunded
    rest = await client.v1.refunds.create_async(params={"charge": charge.id})
    assert rest.amount == 699
    charge = await client.v1.charges.retrieve_async(charge.id, params={"expand": ["refunds"]})
    assert charge.refunded and len(charge.refunds.data) == 2
    with pytest.raises(stripe.InvalidRequestError) as again:
        await client.v1.refunds.create_async(params={"charge": charge.id})
    assert again.value.code == "charge_already_refunded"

    failed = await sandbox.acontrol(f"/_sandbox/refunds/{rest.id}/fail", {})
    assert failed["status"] == "failed"
    charge = await client.v1.charges.retrieve_async(charge.id)
    assert charge.amount_refunded == 300 and not charge.refunded
    assert (await client.v1.refunds.retrieve_async(rest.id)).status == "failed"
    await settle_webhooks(sandbox)
    events = receiver.for_ids(customer.id, partial.id, rest.id, charge.id)
    tail = [e["type"] for e in events][-8:]
    assert tail == [
        "refund.created",
        "charge.refunded",
        "refund.updated",
        "refund.created",
        "charge.refunded",
        "refund.updated",
        "refund.updated",
        "refund.failed",
    ]
    failed_update = [e for e in events if e["type"] == "refund.updated"][-1]
    assert failed_update["data"]["object"]["status"] == "failed"
    assert failed_update["data"]["previous_attributes"]["status"] == "succeeded"


async def test_dispute_opened_and_closed(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _customer, done = await subscribe(client, sandbox, catalog.monthly_eur)
    invoice = await client.v1.invoices.retrieve_async(done["invoice"], params={"expand": ["payments"]})
    pi = await client.v1.payment_intents.retrieve_async(invoice.payments.data[0].payment.payment_intent)
    dispute = await sandbox.acontrol(f"/_sandbox/charges/{pi.latest_charge}/dispute", {})
    assert dispute["status"] == "needs_response"
    assert (await client.v1.charges.retrieve_async(pi.latest_charge)).disputed
    closed = await sandbox.acontrol(f"/_sandbox/disputes/{dispute['id']}/close", {"status": "lost"})
    assert closed["status"] == "lost"
    await settle_webhooks(sandbox)
    events = [e for e in receiver.events if e["data"]["object"].get("id") == dispute["id"]]
    assert [e["type"] for e in events] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",  # a chargeback takes the money at once
        "charge.dispute.closed",
    ]
    assert events[-1]["data"]["object"]["status"] == "lost"
    for event in events:
        assert_shape(event)


async def test_guest_payment_creates_no_customer(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "line_items": [{"price": catalog.gift_jpy.id, "quantity": 2}],
            "customer_email": "guest@example.com",
            "success_url": "https://app.example/ok",
        }
    )
    assert session.customer_creation == "if_required" and session.amount_total == 3000
    done = await sandbox.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {"country": "JP"})
    assert done["customer"] is None and done["invoice"] is None
    assert done["customer_details"]["email"] == "guest@example.com"
    pi = await client.v1.payment_intents.retrieve_async(done["payment_intent"])
    assert pi.customer is None and pi.amount == 3000


async def test_setup_with_a_declining_card_keeps_the_session_open(
    client: stripe.StripeClient, sandbox: SandboxServer
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "s@example.com"})
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "setup",
            "customer": customer.id,
            "currency": "usd",
            "success_url": "https://app.example/ok",
        }
    )
    with pytest.raises(ControlError) as declined:
        await sandbox.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "declined"})
    assert declined.value.status == 402
    assert (await client.v1.checkout.sessions.retrieve_async(session.id)).status == "open"
