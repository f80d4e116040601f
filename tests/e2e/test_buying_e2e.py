"""Buying Premium over real HTTP: GraphQL to the gateway process, Stripe's side in the sandbox,
Stripe's signed webhooks delivered by the sandbox to the gateway's route."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson
import pytest

from models import GiftCode, Payment, WebhookEvent
from tests.inbox_settle import inbox_settled
from webhooks.signature import sign_header

CHECKOUT = """
mutation($input: CreateCheckoutInput!) {
  createCheckout(input: $input) {
    checkoutUrl sessionId
    payment { id status amount currency isGift money { formatted } }
    userErrors { code field message }
  }
}"""
VIEW = """
{ premium { active source until willCancel productType }
  subscription { status billingCycle price { formatted } currentPeriodEnd }
  payments { edges { node { status amount currency isGift stripeInvoiceId giftCode { code status } } } }
  invoices { edges { node { status total { amount } tax { amount } amountPaid { amount } } } } }"""
REDEEM = """
mutation($code: String!) {
  redeemGift(input: {code: $code}) {
    giftCode { code status redeemed redeemedBy }
    premium { active source until }
    userErrors { code field message }
  }
}"""


def checkout_input(product: str = "PREMIUM_MONTHLY", currency: str = "USD", gift: bool = False) -> dict:
    return {
        "input": {
            "productType": product,
            "currency": currency,
            "isGift": gift,
            "successUrl": "http://localhost:3000/done",
            "cancelUrl": "http://localhost:3000/cancel",
        }
    }


async def buy(e2e, user: str, **kwargs) -> dict:
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(**kwargs), user=user)
    payload = answer["data"]["createCheckout"]
    assert payload["userErrors"] == [], payload
    assert payload["payment"]["status"] == "PENDING"
    await e2e.world.control(
        f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"outcome": "paid"}
    )
    await e2e.flush()
    return payload


async def test_monthly_usd_purchase_over_http(e2e) -> None:
    payload = await buy(e2e, "http-alice")
    assert payload["checkoutUrl"].startswith(e2e.world.sandbox.base_url + "/checkout/")
    assert payload["payment"]["money"]["formatted"] == "$4.99"
    view = (await e2e.gateway.graphql(VIEW, user="http-alice"))["data"]
    assert view["premium"]["active"] and view["premium"]["source"] == "SUBSCRIPTION"
    assert (
        view["subscription"]["status"] == "ACTIVE" and view["subscription"]["price"]["formatted"] == "$4.99"
    )
    (payment,) = [edge["node"] for edge in view["payments"]["edges"]]
    assert payment["status"] == "COMPLETED" and payment["stripeInvoiceId"]
    (invoice,) = [edge["node"] for edge in view["invoices"]["edges"]]
    assert invoice["status"] == "PAID" and invoice["amountPaid"]["amount"] == 499
    # Another user sees none of it.
    other = (await e2e.gateway.graphql(VIEW, user="http-bob"))["data"]
    assert (
        other["payments"]["edges"] == [] and other["subscription"] is None and not other["premium"]["active"]
    )


async def test_gift_bought_and_redeemed_over_http(e2e) -> None:
    await buy(e2e, "http-giver", product="PREMIUM_YEARLY", currency="JPY", gift=True)
    view = (await e2e.gateway.graphql(VIEW, user="http-giver"))["data"]
    (payment,) = [edge["node"] for edge in view["payments"]["edges"]]
    assert payment["isGift"] and payment["amount"] == 7800 and payment["currency"] == "JPY"
    code = payment["giftCode"]["code"]
    assert payment["giftCode"]["status"] == "AVAILABLE"
    assert view["subscription"] is None and not view["premium"]["active"]

    redeemed = (await e2e.gateway.graphql(REDEEM, {"code": code}, user="http-friend"))["data"]["redeemGift"]
    assert redeemed["userErrors"] == []
    assert redeemed["giftCode"]["redeemedBy"] == "http-friend"
    assert redeemed["premium"]["active"] and redeemed["premium"]["source"] == "GIFT"
    again = (await e2e.gateway.graphql(REDEEM, {"code": code}, user="http-third"))["data"]["redeemGift"]
    assert [e["code"] for e in again["userErrors"]] == ["GIFT_CODE_ALREADY_REDEEMED"]
    # The buyer sees that it was redeemed, and by whom.
    view = (await e2e.gateway.graphql(VIEW, user="http-giver"))["data"]
    assert view["payments"]["edges"][0]["node"]["giftCode"]["status"] == "REDEEMED"


async def test_bad_checkout_input_comes_back_as_user_errors(e2e) -> None:
    evil = checkout_input()
    evil["input"]["successUrl"] = "https://localhost:3000@evil.example/phish"
    answer = await e2e.gateway.graphql(CHECKOUT, evil, user="http-carol")
    errors = answer["data"]["createCheckout"]["userErrors"]
    assert errors == [
        {
            "code": "REDIRECT_URL_NOT_ALLOWED",
            "field": ["input", "successUrl"],
            "message": errors[0]["message"],
        }
    ]
    assert await Payment.filter(user_id="http-carol").count() == 0


async def _signed(
    e2e, payload: bytes, *, secret: str | None = None, timestamp: int | None = None
) -> httpx.Response:
    header = sign_header(payload, secret or e2e.gateway.env["STRIPE_WEBHOOK_SECRET"], timestamp)
    async with httpx.AsyncClient() as http:
        return await http.post(e2e.gateway.webhook_url, content=payload, headers={"Stripe-Signature": header})


async def test_unverifiable_webhooks_are_refused_and_store_nothing(e2e) -> None:
    event = {
        "id": "evt_forged",
        "object": "event",
        "type": "invoice.paid",
        "created": int(time.time()),
        "data": {"object": {"id": "in_forged", "object": "invoice"}},
    }
    body = orjson.dumps(event)
    async with httpx.AsyncClient() as http:
        unsigned = await http.post(e2e.gateway.webhook_url, content=body)
    tampered_header = sign_header(body, e2e.gateway.env["STRIPE_WEBHOOK_SECRET"])
    async with httpx.AsyncClient() as http:
        tampered = await http.post(
            e2e.gateway.webhook_url,
            content=body.replace(b"in_forged", b"in_other"),
            headers={"Stripe-Signature": tampered_header},
        )
    wrong_key = await _signed(e2e, body, secret="whsec_not_ours")
    stale = await _signed(e2e, body, timestamp=int(time.time()) - 301)
    assert [r.status_code for r in (unsigned, tampered, wrong_key, stale)] == [400, 400, 400, 400]
    assert await WebhookEvent.filter(stripe_event_id="evt_forged").count() == 0


async def test_twenty_concurrent_deliveries_of_one_event_have_one_effect(e2e) -> None:
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(gift=True), user="http-dup")
    session_id = answer["data"]["createCheckout"]["sessionId"]
    # Hold Stripe's own deliveries back: this test delivers the event itself.
    await e2e.world.services.stripe.v1.webhook_endpoints.update_async(
        e2e.endpoint_id, params={"disabled": True}
    )
    await e2e.world.control(f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"})
    events = await e2e.world.new_events()
    (completed,) = [e for e in events if e["type"] == "checkout.session.completed"]
    body = orjson.dumps(completed)
    responses = await asyncio.gather(*(_signed(e2e, body) for _ in range(20)))
    assert {r.status_code for r in responses} == {200}
    await inbox_settled()
    payment = await Payment.get(user_id="http-dup")
    assert payment.status == "COMPLETED"
    assert await GiftCode.filter(payment_id=payment.id).count() == 1
    assert await WebhookEvent.filter(stripe_event_id=completed["id"]).count() == 1


async def test_stripe_retries_complete_a_purchase_after_the_gateway_was_down(e2e) -> None:
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(), user="http-outage")
    session_id = answer["data"]["createCheckout"]["sessionId"]
    e2e.gateway.stop()
    try:
        await e2e.world.control(f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"})
        await e2e.flush()  # every delivery fails: connection refused
        payment = await Payment.get(user_id="http-outage")
        assert payment.status == "PENDING"
    finally:
        e2e.gateway.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        await e2e.flush()  # Stripe's retries, now answered
        await payment.refresh_from_db()
        if payment.status == "COMPLETED":
            break
        await asyncio.sleep(0.2)
    assert payment.status == "COMPLETED"
    view = (await e2e.gateway.graphql(VIEW, user="http-outage"))["data"]
    assert view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    "query", ["{ prices(currency: JPY) { lookupKey money { formatted } stripePriceId } }"]
)
async def test_prices_are_public(e2e, query: str) -> None:
    prices = (await e2e.gateway.graphql(query))["data"]["prices"]
    assert {p["lookupKey"] for p in prices} >= {"premium_monthly_jpy", "premium_yearly_gift_jpy"}
    assert all(p["stripePriceId"] for p in prices) and prices[0]["money"]["formatted"] == "¥780"
