"""What Stripe does at the pinned API version, over real HTTP: cancel_at, invoice payments, renewal
status from Stripe's state, and charges the gateway has to place through Stripe.

The gateway runs as a `serve` process; Stripe's side is driven through the
sandbox's control API (a cancellation set in the Dashboard, a partial payment
attempt, events delivered in an unlucky order) and reaches the gateway as
signed webhooks.
"""

from __future__ import annotations

import orjson
import pytest
import stripe

from billing import ids
from models import Payment, WebhookEvent
from tests.e2e.test_buying_e2e import CHECKOUT, _signed, buy, checkout_input
from tests.e2e.test_reconcile_e2e import cli

DAY = 86_400
VIEW = """
{ premium { active willCancel until }
  subscription { stripeSubscriptionId status cancelAtPeriodEnd cancelAt currentPeriodEnd }
  payments { edges { node { id status stripeInvoiceId } } } }"""
CANCEL = "mutation { cancelSubscription { subscription { cancelAt } userErrors { code } } }"
REACTIVATE = """
mutation { reactivateSubscription {
  subscription { cancelAtPeriodEnd cancelAt } userErrors { code } } }"""
REFUND = """
mutation($id: ID!) { refundPayment(input: {paymentId: $id}) { payment { status } userErrors { code } } }"""


async def view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(VIEW, user=user)
    assert "errors" not in answer, answer
    return answer["data"]


async def subscribed(e2e, user: str, **kwargs) -> dict:
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(**kwargs), user=user)
    payload = answer["data"]["createCheckout"]
    await e2e.world.control(f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"country": "DE"})
    await e2e.flush()
    return await view(e2e, user)


async def test_a_cancel_at_set_in_stripe_shows_will_cancel_and_reactivation_clears_it(e2e) -> None:
    before = await subscribed(e2e, "cancel-at")
    sub_id = before["subscription"]["stripeSubscriptionId"]
    stripe_sub = await e2e.world.services.stripe.v1.subscriptions.retrieve_async(sub_id)
    assert stripe_sub.billing_mode.type == "flexible"  # Stripe's default for new subscriptions
    # The customer portal (or the Dashboard) sets it to end at the period end, as flexible mode stores it.
    await e2e.world.control(f"/_sandbox/subscriptions/{sub_id}/cancel_at", {"at": "period_end"})
    await e2e.flush()
    after = await view(e2e, "cancel-at")
    assert after["premium"]["willCancel"] and after["premium"]["active"]
    assert after["subscription"]["cancelAtPeriodEnd"] is False
    assert after["subscription"]["cancelAt"] == after["subscription"]["currentPeriodEnd"]
    again = (await e2e.gateway.graphql(CANCEL, user="cancel-at"))["data"]["cancelSubscription"]
    assert [e["code"] for e in again["userErrors"]] == ["SUBSCRIPTION_ALREADY_CANCELING"]

    undone = (await e2e.gateway.graphql(REACTIVATE, user="cancel-at"))["data"]["reactivateSubscription"]
    assert undone == {"subscription": {"cancelAtPeriodEnd": False, "cancelAt": None}, "userErrors": []}
    stripe_sub = await e2e.world.services.stripe.v1.subscriptions.retrieve_async(sub_id)
    assert (stripe_sub.cancel_at, stripe_sub.cancel_at_period_end) == (None, False)
    assert not (await view(e2e, "cancel-at"))["premium"]["willCancel"]
    # A date before the period end: it ends then, in Stripe and for the user.
    end = stripe_sub["items"].data[0].current_period_end
    await e2e.world.control(f"/_sandbox/subscriptions/{sub_id}/cancel_at", {"at": end - 10 * DAY})
    await e2e.flush()
    assert (await view(e2e, "cancel-at"))["premium"]["willCancel"]
    await e2e.world.advance(end - 10 * DAY - int(e2e.world.services.clock.now().timestamp()) + 60)
    await e2e.flush()
    ended = await view(e2e, "cancel-at")
    assert ended["subscription"] is None and not ended["premium"]["active"]


async def _renewal_that_fails(e2e, user: str) -> tuple[dict, str]:
    first = await subscribed(e2e, user, currency="EUR")
    sub_id = first["subscription"]["stripeSubscriptionId"]
    stripe_sub = await e2e.world.services.stripe.v1.subscriptions.retrieve_async(sub_id)
    await e2e.world.control(f"/_sandbox/customers/{stripe_sub.customer}/card", {"outcome": "declined"})
    end = stripe_sub["items"].data[0].current_period_end
    await e2e.world.advance(end - int(e2e.world.services.clock.now().timestamp()) + 2 * 3600)
    await e2e.flush()
    renewal = (await e2e.world.services.stripe.v1.invoices.list_async(params={"subscription": sub_id})).data[
        0
    ]
    return stripe_sub, renewal.id


async def test_partial_and_failed_attempts_never_confuse_status_or_refunds(e2e) -> None:
    stripe_sub, invoice_id = await _renewal_that_fails(e2e, "parts")
    statuses = {
        e["node"]["stripeInvoiceId"]: e["node"] for e in (await view(e2e, "parts"))["payments"]["edges"]
    }
    assert statuses[invoice_id]["status"] == "FAILED"
    # Another failed attempt with its own payment intent, then a partial payment that goes through.
    await e2e.world.control(
        f"/_sandbox/invoices/{invoice_id}/pay_partially", {"amount": 100, "succeeded": False}
    )
    await e2e.world.control(f"/_sandbox/customers/{stripe_sub.customer}/card", {"outcome": "ok"})
    partial = await e2e.world.control(f"/_sandbox/invoices/{invoice_id}/pay_partially", {"amount": 200})
    await e2e.flush()
    node = {e["node"]["stripeInvoiceId"]: e["node"] for e in (await view(e2e, "parts"))["payments"]["edges"]}[
        invoice_id
    ]
    assert node["status"] == "FAILED"  # a partial payment does not pay the invoice
    await e2e.world.advance(2 * DAY)  # Stripe's next retry collects the rest
    await e2e.flush()
    node = {e["node"]["stripeInvoiceId"]: e["node"] for e in (await view(e2e, "parts"))["payments"]["edges"]}[
        invoice_id
    ]
    assert node["status"] == "COMPLETED"
    row = await Payment.get(stripe_invoice_id=invoice_id)
    invoice = await e2e.world.services.stripe.v1.invoices.retrieve_async(
        invoice_id, params={"expand": ["payments"]}
    )
    default = next(p for p in invoice.payments.data if p.is_default)
    assert row.stripe_payment_intent_id == default.payment.payment_intent  # the paid one, not an attempt

    refunded = await e2e.gateway.graphql(REFUND, {"id": node["id"]}, user="support", admin=True)
    assert refunded["data"]["refundPayment"]["userErrors"] == []
    await e2e.flush()
    stripe = e2e.world.services.stripe.v1
    refunds = [
        (r.payment_intent, r.amount) for r in (await stripe.refunds.list_async(params={"limit": 100})).data
    ]
    assert (partial["payment"]["payment_intent"], 200) in refunds
    assert (default.payment.payment_intent, 299) in refunds  # 499 - 200: what the default collected
    node = {e["node"]["stripeInvoiceId"]: e["node"] for e in (await view(e2e, "parts"))["payments"]["edges"]}[
        invoice_id
    ]
    assert node["status"] == "REFUNDED"


async def test_renewal_status_is_stripes_whatever_the_order_of_its_events(e2e) -> None:
    """A failed attempt, then one that needs 3D Secure: the events arrive the other way round."""
    stripe = e2e.world.services.stripe.v1
    first = await subscribed(e2e, "order")
    stripe_sub = await stripe.subscriptions.retrieve_async(first["subscription"]["stripeSubscriptionId"])
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    await e2e.world.new_events()
    await e2e.world.control(f"/_sandbox/customers/{stripe_sub.customer}/card", {"outcome": "declined"})
    end = stripe_sub["items"].data[0].current_period_end
    await e2e.world.advance(end - int(e2e.world.services.clock.now().timestamp()) + 2 * 3600)
    await e2e.world.control(
        f"/_sandbox/customers/{stripe_sub.customer}/card", {"outcome": "authentication_required"}
    )
    await e2e.world.advance(DAY + 60)  # the first retry asks for 3D Secure
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": False})
    events = [e for e in await e2e.world.new_events() if e["type"].startswith("invoice.")]
    kinds = [e["type"] for e in events]
    assert kinds.index("invoice.payment_failed") < kinds.index("invoice.payment_action_required")
    for event in reversed(events):  # the failure arrives last
        assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await e2e.flush()
    nodes = [e["node"] for e in (await view(e2e, "order"))["payments"]["edges"]]
    renewal = [n for n in nodes if n["status"] != "COMPLETED"]
    assert [n["status"] for n in renewal] == ["REQUIRES_ACTION"]
    # reconcile reads Stripe the same way: nothing to change.
    before = await Payment.get(stripe_invoice_id=renewal[0]["stripeInvoiceId"])
    code, out, err = await cli(e2e.gateway.env, "reconcile", "--user", "order", "--by", "support-3")
    assert code == 0, out + err
    after = await Payment.get(pk=before.pk)
    assert (after.status, after.version) == (before.status, before.version)


async def test_a_refund_before_any_invoice_event_ends_refunded_without_reconcile(e2e) -> None:
    stripe = e2e.world.services.stripe.v1
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    await e2e.world.new_events()
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(currency="EUR"), user="early-refund")
    payload = answer["data"]["createCheckout"]
    await e2e.world.control(f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"country": "DE"})
    session = await stripe.checkout.sessions.retrieve_async(
        payload["sessionId"], params={"expand": ["invoice.payments"]}
    )
    intent = session.invoice.payments.data[0].payment.payment_intent
    await stripe.refunds.create_async(params={"payment_intent": intent})  # support, in Stripe's Dashboard
    events = await e2e.world.new_events()
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": False})
    refund_events = [e for e in events if e["type"] in ("charge.refunded", "refund.updated")]
    assert refund_events, [e["type"] for e in events]
    for event in refund_events:  # before any invoice or checkout event
        assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await e2e.flush()
    assert await WebhookEvent.filter(type__startswith="invoice.").count() == 0
    data = await view(e2e, "early-refund")
    assert [e["node"]["status"] for e in data["payments"]["edges"]] == ["REFUNDED"]
    assert data["subscription"] is None and not data["premium"]["active"]
    row = await Payment.get(id=ids.decode_as(payload["payment"]["id"], "Payment"))
    assert row.stripe_invoice_id == session.invoice.id and row.amount_refunded == 499
    # The rest of the events arrive late: nothing changes.
    for event in events:
        if event not in refund_events:
            assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await e2e.flush()
    data = await view(e2e, "early-refund")
    assert [e["node"]["status"] for e in data["payments"]["edges"]] == ["REFUNDED"]


PURCHASE_VIEW = "{ premium { active } payments { edges { node { isGift status giftCode { code } } } } }"
CARD = """
mutation($url: String!) { updatePaymentMethod(input: {returnUrl: $url}) { url userErrors { code } } }"""


async def test_monthly_gift_and_card_change_with_payment_method_types_refused_as_stripe_does(e2e) -> None:
    """The Stripe the gateway talks to refuses `payment_method_types` at this version (Stripe's
    changelog, 2026-09-30 endive; SessionCreateParams has no such key); every flow still works,
    with the payment methods Stripe decides (dynamic), reported back on each session."""
    v1 = e2e.world.services.stripe.v1
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await v1.checkout.sessions.create_async(
            params={
                "mode": "setup",
                "currency": "usd",
                "payment_method_types": ["card"],
                "success_url": "http://localhost:3000/x",
            },
            options={"headers": {"Sandbox-Deliberate": "true"}},  # wrong on purpose: not recorded
        )
    assert (refused.value.http_status, refused.value.code) == (400, "parameter_unknown")

    monthly = await buy(e2e, "pmt-monthly")
    gift = await buy(e2e, "pmt-giver", product="PREMIUM_YEARLY", currency="EUR", gift=True)
    assert (await e2e.gateway.graphql(PURCHASE_VIEW, user="pmt-monthly"))["data"]["premium"]["active"]
    gift_view = (await e2e.gateway.graphql(PURCHASE_VIEW, user="pmt-giver"))["data"]
    (gift_payment,) = [edge["node"] for edge in gift_view["payments"]["edges"]]
    assert gift_payment["isGift"] and gift_payment["status"] == "COMPLETED" and gift_payment["giftCode"]

    answer = await e2e.gateway.graphql(CARD, {"url": "http://localhost:3000/billing"}, user="pmt-monthly")
    payload = answer["data"]["updatePaymentMethod"]
    assert payload["userErrors"] == [], answer
    setup_id = payload["url"].rsplit("/", 1)[-1]
    done = await e2e.world.control(f"/_sandbox/checkout/sessions/{setup_id}/complete", {"outcome": "paid"})
    assert done["status"] == "complete" and done["setup_intent"]

    for session_id in (monthly["sessionId"], gift["sessionId"], setup_id):
        session = await v1.checkout.sessions.retrieve_async(session_id)
        assert session.payment_method_types and "card" in session.payment_method_types, session_id
