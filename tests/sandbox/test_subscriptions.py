"""Acceptance: subscriptions bought through Checkout, renewals, retries, cancellation."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import (
    Catalog,
    Receiver,
    advance_to,
    assert_shape,
    settle_webhooks,
    subscribe,
    wait_for,
)

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

DAY = 86400
MONTH = 31 * DAY

PAID_SUBSCRIPTION_EVENTS = [
    "customer.subscription.created",
    "invoice.finalized",
    "invoice.paid",
    "payment_intent.succeeded",
    "checkout.session.completed",
    "customer.subscription.updated",
]


async def test_paid_monthly_checkout_emits_signed_events_in_order(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_eur, country="DE")
    assert session["status"] == "complete" and session["payment_status"] == "paid"
    assert session["total_details"]["amount_tax"] == 160  # 999 incl. 19 % DE VAT

    await wait_for(lambda: len(receiver.types_for(customer.id)) >= len(PAID_SUBSCRIPTION_EVENTS))
    events = receiver.for_ids(customer.id)
    assert [e["type"] for e in events] == PAID_SUBSCRIPTION_EVENTS
    assert receiver.bad_signatures == 0
    created = [e["created"] for e in events]
    assert created == sorted(created)
    first, last = events[0]["data"]["object"], events[-1]
    assert first["status"] == "incomplete"
    assert last["data"]["object"]["status"] == "active"
    assert last["data"]["previous_attributes"] == {"status": "incomplete"}
    for event in events:
        assert_shape(event)
        assert event["api_version"] == "2026-10-28.endive"

    sub = await client.v1.subscriptions.retrieve_async(
        session["subscription"], params={"expand": ["latest_invoice", "default_payment_method"]}
    )
    assert sub.status == "active"
    assert sub.default_payment_method.type == "card"
    item = sub["items"].data[0]
    assert item.current_period_end > item.current_period_start
    invoice = sub.latest_invoice
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.total_taxes[0].amount == 160
    assert invoice.lines.data[0].period.end == item.current_period_end
    customer_after = await client.v1.customers.retrieve_async(customer.id)
    assert customer_after.address.country == "DE"
    # Checkout does not set the customer's default payment method.
    assert customer_after.invoice_settings.default_payment_method is None


async def test_clock_advance_renews_with_a_new_paid_invoice(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_usd, country="US")
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    old_end = sub["items"].data[0].current_period_end
    before = (await sandbox.acontrol("/_sandbox/clock"))["now"]
    after = await advance_to(sandbox, old_end + 3600)
    assert after - before >= 28 * DAY

    sub = await client.v1.subscriptions.retrieve_async(sub.id)
    assert sub.status == "active"
    assert sub["items"].data[0].current_period_start == old_end
    invoices = await client.v1.invoices.list_async(
        params={"subscription": sub.id, "expand": ["data.payments"]}
    )
    assert [i.billing_reason for i in invoices.data] == ["subscription_cycle", "subscription_create"]
    renewal = invoices.data[0]
    assert renewal.status == "paid"
    assert renewal.created == old_end  # stamped at the period end, not the end of the jump
    assert renewal.status_transitions.finalized_at == old_end + 3600
    assert renewal.period_end == old_end
    payment = renewal.payments.data[0]
    pi = await client.v1.payment_intents.retrieve_async(
        payment.payment.payment_intent, params={"expand": ["latest_charge"]}
    )
    assert pi.status == "succeeded" and pi.latest_charge.paid
    listed = await client.v1.invoice_payments.list_async(params={"invoice": renewal.id})
    assert listed.data[0].id == payment.id
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert types[len(PAID_SUBSCRIPTION_EVENTS) :] == [
        "customer.subscription.updated",
        "invoice.finalized",
        "invoice.paid",
        "payment_intent.succeeded",
    ]


async def _declining_renewal(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> tuple[str, str]:
    """A paid subscription whose card will decline, advanced to its first renewal attempt."""
    customer, session = await subscribe(client, sandbox, catalog.monthly_eur)
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    await advance_to(sandbox, sub["items"].data[0].current_period_end + 3600)
    return customer.id, session["subscription"]


async def test_declined_renewal_retries_then_cancels_by_default(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer_id, sub_id = await _declining_renewal(client, sandbox, catalog)
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub.status == "past_due"
    invoice = await client.v1.invoices.retrieve_async(sub.latest_invoice)
    assert invoice.status == "open" and invoice.attempt_count == 1
    assert invoice.next_payment_attempt == invoice.status_transitions.finalized_at + DAY

    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 14 * DAY})
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub.status == "canceled"
    assert sub.cancellation_details.reason == "payment_failed"
    invoice = await client.v1.invoices.retrieve_async(invoice.id)
    assert invoice.attempt_count == 8 and invoice.next_payment_attempt is None
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer_id)
    assert types.count("invoice.payment_failed") == 8
    assert types[-1] == "customer.subscription.deleted"


async def test_declined_renewal_can_end_unpaid_and_recover(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    await sandbox.acontrol("/_sandbox/settings", {"retries_exhausted": "unpaid"})
    try:
        customer_id, sub_id = await _declining_renewal(client, sandbox, catalog)
        await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 14 * DAY})
        sub = await client.v1.subscriptions.retrieve_async(sub_id)
        assert sub.status == "unpaid"
    finally:
        await sandbox.acontrol("/_sandbox/settings", {"retries_exhausted": "canceled"})
    # The customer fixes the card; paying the open invoice reactivates it.
    await sandbox.acontrol(f"/_sandbox/customers/{customer_id}/card", {"outcome": "ok"})
    invoice = await client.v1.invoices.pay_async(sub.latest_invoice)
    assert invoice.status == "paid"
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub.status == "active"


async def test_exhausted_retries_can_mark_the_invoice_uncollectible(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    await sandbox.acontrol("/_sandbox/settings", {"invoice_after_retries": "uncollectible"})
    try:
        customer_id, sub_id = await _declining_renewal(client, sandbox, catalog)
        await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 14 * DAY})
    finally:
        await sandbox.acontrol("/_sandbox/settings", {"invoice_after_retries": "open"})
    sub = await client.v1.subscriptions.retrieve_async(sub_id, params={"expand": ["latest_invoice"]})
    assert sub.status == "canceled" and sub.latest_invoice.status == "uncollectible"
    await settle_webhooks(sandbox)
    assert receiver.types_for(customer_id)[-2:] == [
        "invoice.marked_uncollectible",
        "customer.subscription.deleted",
    ]


async def test_retry_succeeds_after_card_fixed(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer_id, sub_id = await _declining_renewal(client, sandbox, catalog)
    await sandbox.acontrol(f"/_sandbox/customers/{customer_id}/card", {"outcome": "ok"})
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": DAY + 60})
    sub = await client.v1.subscriptions.retrieve_async(sub_id, params={"expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert sub.latest_invoice.status == "paid" and sub.latest_invoice.attempt_count == 2


async def test_authentication_required_renewal_confirmed_on_hosted_page(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    import httpx

    customer, session = await subscribe(client, sandbox, catalog.monthly_eur)
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "authentication_required"})
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    await advance_to(sandbox, sub["items"].data[0].current_period_end + 3600)
    sub = await client.v1.subscriptions.retrieve_async(
        session["subscription"], params={"expand": ["latest_invoice"]}
    )
    invoice = sub.latest_invoice
    assert sub.status == "past_due" and invoice.status == "open"
    async with httpx.AsyncClient(follow_redirects=False) as http:
        page = await http.get(invoice.hosted_invoice_url)
        assert page.status_code == 200 and "3-D Secure" in page.text
        confirm = await http.post(invoice.hosted_invoice_url + "/confirm")
        assert confirm.status_code == 303
    invoice = await client.v1.invoices.retrieve_async(invoice.id)
    assert invoice.status == "paid"
    sub = await client.v1.subscriptions.retrieve_async(sub.id)
    assert sub.status == "active"
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert "invoice.payment_action_required" in types
    assert types[-3:] == ["invoice.paid", "payment_intent.succeeded", "customer.subscription.updated"]


async def test_cancel_at_period_end_ends_it_at_the_period_end(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_eur)
    sub = await client.v1.subscriptions.update_async(
        session["subscription"],
        params={
            "cancel_at_period_end": True,
            "cancellation_details": {"feedback": "too_expensive", "comment": "pricey"},
        },
    )
    end = sub["items"].data[0].current_period_end
    assert sub.cancel_at_period_end and sub.cancel_at == end and sub.status == "active"
    assert sub.cancellation_details.feedback == "too_expensive"
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": MONTH})
    sub = await client.v1.subscriptions.retrieve_async(sub.id)
    assert sub.status == "canceled" and sub.ended_at == end
    invoices = await client.v1.invoices.list_async(params={"subscription": sub.id})
    assert len(invoices.data) == 1  # no renewal
    await settle_webhooks(sandbox)
    events = receiver.for_ids(customer.id)
    assert events[-1]["type"] == "customer.subscription.deleted"
    assert events[-1]["created"] == end
    update = [e for e in events if e["type"] == "customer.subscription.updated"][-1]
    assert update["data"]["previous_attributes"]["cancel_at_period_end"] is False


async def test_reactivate_before_period_end_keeps_it(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _, session = await subscribe(client, sandbox, catalog.monthly_eur)
    sub_id = session["subscription"]
    await client.v1.subscriptions.update_async(sub_id, params={"cancel_at_period_end": True})
    sub = await client.v1.subscriptions.update_async(sub_id, params={"cancel_at_period_end": False})
    assert sub.cancel_at is None and sub.canceled_at is None
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": MONTH})
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub.status == "active"


async def test_trial_end_moves_the_next_charge(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _, session = await subscribe(client, sandbox, catalog.monthly_eur)
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    period_end = sub["items"].data[0].current_period_end
    trial_end = period_end + 30 * DAY
    sub = await client.v1.subscriptions.update_async(
        sub.id, params={"trial_end": trial_end, "proration_behavior": "none"}
    )
    assert sub.status == "trialing" and sub.trial_end == trial_end
    assert sub["items"].data[0].current_period_end == trial_end
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": MONTH})
    invoices = await client.v1.invoices.list_async(params={"subscription": sub.id})
    assert len(invoices.data) == 1  # nothing charged at the old period end
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 31 * DAY})
    sub = await client.v1.subscriptions.retrieve_async(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert sub.latest_invoice.status == "paid" and sub.latest_invoice.created == trial_end


async def test_price_change_default_payment_method_and_cancel_now(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, session = await subscribe(client, sandbox, catalog.monthly_usd, country="US")
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    item_id = sub["items"].data[0].id
    sub = await client.v1.subscriptions.update_async(
        sub.id,
        params={"items": [{"id": item_id, "price": catalog.yearly_usd.id}], "proration_behavior": "none"},
    )
    assert sub["items"].data[0].price.id == catalog.yearly_usd.id
    with_error = None
    try:
        await client.v1.subscriptions.update_async(
            sub.id, params={"items": [{"id": item_id, "price": catalog.monthly_eur.id}]}
        )
    except stripe.InvalidRequestError as exc:
        with_error = exc
    assert with_error is not None and with_error.param == "items[0][price]"

    methods = await client.v1.payment_methods.list_async(params={"customer": customer.id})
    pm_id = methods.data[0].id
    sub = await client.v1.subscriptions.update_async(sub.id, params={"default_payment_method": pm_id})
    assert sub.default_payment_method == pm_id

    canceled = await client.v1.subscriptions.cancel_async(
        sub.id, params={"cancellation_details": {"comment": "bye"}}
    )
    assert canceled.status == "canceled" and canceled.ended_at is not None
    await settle_webhooks(sandbox)
    assert receiver.types_for(customer.id)[-1] == "customer.subscription.deleted"
    listed = await client.v1.subscriptions.list_async(params={"customer": customer.id})
    assert listed.data == []
    listed = await client.v1.subscriptions.list_async(params={"customer": customer.id, "status": "all"})
    assert [s.id for s in listed.data] == [sub.id]
