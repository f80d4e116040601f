"""Managing Premium over real HTTP: cancel, reactivate, failed renewals and card change.

GraphQL goes to the gateway process; Stripe's side is the sandbox, driven by
its control API; Stripe's signed webhooks reach the gateway's route. Each test
reads what the user would see (`premium`, `subscription`, the payloads) and
checks Stripe's own objects agree.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from tests.e2e.test_buying_e2e import CHECKOUT, REDEEM, buy, checkout_input

DAY = 86_400
CANCEL = """
mutation($input: CancelSubscriptionInput) {
  cancelSubscription(input: $input) {
    subscription {
      id status cancelAtPeriodEnd cancellationReason cancellationFeedback currentPeriodEnd version
    }
    userErrors { code field message }
  }
}"""
REACTIVATE = """
mutation { reactivateSubscription {
  subscription { status cancelAtPeriodEnd cancellationReason version }
  userErrors { code field message }
} }"""
UPDATE_CARD = """
mutation($url: String!) {
  updatePaymentMethod(input: {returnUrl: $url}) { url userErrors { code field message } }
}"""
VIEW = """
{ premium { active source until willCancel }
  subscription { stripeSubscriptionId status cancelAtPeriodEnd currentPeriodEnd } }"""


async def view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(VIEW, user=user)
    assert "errors" not in answer, answer
    return answer["data"]


async def cancel(e2e, user: str, **input_) -> dict:
    variables = {"input": input_} if input_ else {}
    answer = await e2e.gateway.graphql(CANCEL, variables, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["cancelSubscription"]


async def reactivate(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(REACTIVATE, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["reactivateSubscription"]


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def stripe_sub(e2e, subscription_id: str) -> dict:
    return (await e2e.world.services.stripe.v1.subscriptions.retrieve_async(subscription_id)).to_dict()


async def advance_past(e2e, moment: str, extra: int = 2 * 3600) -> None:
    """Move Stripe's clock past `moment` (an ISO time from the API) and deliver what happened."""
    await e2e.world.services.clock.refresh()
    left = datetime.fromisoformat(moment) - e2e.world.services.clock.now()
    await e2e.world.advance(int(left.total_seconds()) + extra)
    await e2e.flush()


async def test_cancel_then_reactivate_then_cancel_until_stripe_ends_it(e2e) -> None:
    await buy(e2e, "m-alice")
    before = await view(e2e, "m-alice")
    sub_id = before["subscription"]["stripeSubscriptionId"]

    done = await cancel(e2e, "m-alice", reason="MISSING_FEATURES", feedback="No dark mode.")
    assert done["userErrors"] == []
    assert done["subscription"]["cancelAtPeriodEnd"] is True
    assert done["subscription"]["cancellationReason"] == "MISSING_FEATURES"
    assert done["subscription"]["cancellationFeedback"] == "No dark mode."
    now = await view(e2e, "m-alice")  # at once, before any webhook
    assert now["premium"]["active"] and now["premium"]["willCancel"]
    assert now["premium"]["until"] == before["subscription"]["currentPeriodEnd"]
    remote = await stripe_sub(e2e, sub_id)
    assert remote["cancel_at_period_end"] and remote["cancellation_details"]["feedback"] == "missing_features"
    assert remote["cancellation_details"]["comment"] == "No dark mode."

    assert codes(await cancel(e2e, "m-alice")) == ["SUBSCRIPTION_ALREADY_CANCELING"]
    await e2e.flush()
    back = await reactivate(e2e, "m-alice")
    assert back["userErrors"] == [] and back["subscription"]["cancelAtPeriodEnd"] is False
    assert back["subscription"]["version"] > done["subscription"]["version"]
    assert not (await view(e2e, "m-alice"))["premium"]["willCancel"]
    assert not (await stripe_sub(e2e, sub_id))["cancel_at_period_end"]
    assert codes(await reactivate(e2e, "m-alice")) == ["SUBSCRIPTION_NOT_CANCELING"]

    await cancel(e2e, "m-alice", reason="UNUSED")
    await e2e.flush()
    await advance_past(e2e, before["subscription"]["currentPeriodEnd"])
    after = await view(e2e, "m-alice")
    assert after["subscription"] is None and not after["premium"]["active"]
    assert (await stripe_sub(e2e, sub_id))["status"] == "canceled"
    assert codes(await reactivate(e2e, "m-alice")) == ["SUBSCRIPTION_NOT_REACTIVATABLE"]
    assert codes(await cancel(e2e, "m-alice")) == ["NO_ACTIVE_SUBSCRIPTION"]


async def test_cancel_input_and_permission_errors(e2e) -> None:
    assert codes(await cancel(e2e, "m-nobody")) == ["NO_ACTIVE_SUBSCRIPTION"]
    assert codes(await reactivate(e2e, "m-nobody")) == ["NO_ACTIVE_SUBSCRIPTION"]
    await buy(e2e, "m-bob")
    long = await cancel(e2e, "m-bob", feedback="x" * 1001)
    assert [(e["code"], e["field"]) for e in long["userErrors"]] == [("INVALID_INPUT", ["input", "feedback"])]
    assert long["subscription"] is None
    assert not (await view(e2e, "m-bob"))["premium"]["willCancel"]
    bad_enum = await e2e.gateway.graphql(CANCEL, {"input": {"reason": "BORED"}}, user="m-bob")
    assert bad_enum["data"] is None and bad_enum["errors"]
    anonymous = await e2e.gateway.graphql(CANCEL, {})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Someone else cannot touch Bob's subscription: they have none of their own.
    assert codes(await cancel(e2e, "m-mallory")) == ["NO_ACTIVE_SUBSCRIPTION"]
    assert not (await view(e2e, "m-bob"))["premium"]["willCancel"]


@pytest.mark.parametrize(("setting", "status_after"), [("canceled", None), ("unpaid", "UNPAID")])
async def test_failed_renewal_keeps_access_while_stripe_retries(e2e, setting: str, status_after) -> None:
    user = f"m-declined-{setting}"
    await e2e.world.control("/_sandbox/settings", {"retries_exhausted": setting})
    try:
        await buy(e2e, user)
        first = await view(e2e, user)
        sub_id = first["subscription"]["stripeSubscriptionId"]
        customer = (await stripe_sub(e2e, sub_id))["customer"]
        await e2e.world.control(f"/_sandbox/customers/{customer}/card", {"outcome": "declined"})
        await advance_past(e2e, first["subscription"]["currentPeriodEnd"])
        retrying = await view(e2e, user)
        assert retrying["subscription"]["status"] == "PAST_DUE"
        assert retrying["premium"]["active"] and retrying["premium"]["source"] == "SUBSCRIPTION"

        await e2e.world.advance(14 * DAY)  # past Stripe's last retry
        await e2e.flush()
        gave_up = await view(e2e, user)
        assert not gave_up["premium"]["active"]
        if status_after is None:
            assert gave_up["subscription"] is None
        else:
            assert gave_up["subscription"]["status"] == status_after
        assert (await stripe_sub(e2e, sub_id))["status"] == setting
    finally:
        await e2e.world.control("/_sandbox/settings", {"retries_exhausted": "canceled"})


async def test_card_change_over_http(e2e) -> None:
    refused = await e2e.gateway.graphql(UPDATE_CARD, {"url": "http://localhost:3000/x"}, user="m-carol")
    assert codes(refused["data"]["updatePaymentMethod"]) == ["NO_ACTIVE_SUBSCRIPTION"]
    await buy(e2e, "m-carol")
    sub_id = (await view(e2e, "m-carol"))["subscription"]["stripeSubscriptionId"]
    evil = await e2e.gateway.graphql(UPDATE_CARD, {"url": "https://evil.example/x"}, user="m-carol")
    payload = evil["data"]["updatePaymentMethod"]
    assert payload["url"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("REDIRECT_URL_NOT_ALLOWED", ["input", "returnUrl"])
    ]

    answer = await e2e.gateway.graphql(UPDATE_CARD, {"url": "http://localhost:3000/billing"}, user="m-carol")
    payload = answer["data"]["updatePaymentMethod"]
    assert payload["userErrors"] == [] and payload["url"].startswith(
        e2e.world.sandbox.base_url + "/checkout/"
    )
    session_id = payload["url"].rsplit("/", 1)[-1]
    session = await e2e.world.control(
        f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"}
    )
    assert session["success_url"] == "http://localhost:3000/billing"
    new_card = (
        await e2e.world.services.stripe.v1.setup_intents.retrieve_async(session["setup_intent"])
    ).payment_method
    await e2e.flush()  # checkout.session.completed reaches the gateway, which sets the default
    remote = await stripe_sub(e2e, sub_id)
    assert remote["default_payment_method"] == new_card
    customer = await e2e.world.services.stripe.v1.customers.retrieve_async(remote["customer"])
    assert customer.invoice_settings.default_payment_method == new_card

    await advance_past(e2e, (await view(e2e, "m-carol"))["subscription"]["currentPeriodEnd"])
    invoices = await e2e.world.services.stripe.v1.invoices.list_async(params={"subscription": sub_id})
    renewal = next(i for i in invoices.data if i.billing_reason == "subscription_cycle")
    assert renewal.status == "paid"
    paid = await e2e.world.services.stripe.v1.invoices.retrieve_async(
        renewal.id, params={"expand": ["payments"]}
    )
    intent_id = paid.payments.data[0].payment.payment_intent
    intent = await e2e.world.services.stripe.v1.payment_intents.retrieve_async(intent_id)
    assert intent.payment_method == new_card
    assert (await view(e2e, "m-carol"))["premium"]["active"]


async def test_concurrent_cancel_and_reactivate_over_http_agree_with_stripe(e2e) -> None:
    await buy(e2e, "m-racer")
    sub_id = (await view(e2e, "m-racer"))["subscription"]["stripeSubscriptionId"]
    for round_ in range(3):
        calls = []
        for i in range(5):
            calls.append(cancel(e2e, "m-racer", feedback=f"round {round_} call {i}"))
            calls.append(reactivate(e2e, "m-racer"))
        results = await asyncio.gather(*calls)
        allowed = {"SUBSCRIPTION_ALREADY_CANCELING", "SUBSCRIPTION_NOT_CANCELING"}
        assert all(set(codes(r)) <= allowed for r in results), results
        remote = await stripe_sub(e2e, sub_id)
        seen = await view(e2e, "m-racer")
        assert seen["subscription"]["cancelAtPeriodEnd"] == remote["cancel_at_period_end"]
        assert seen["premium"]["willCancel"] == remote["cancel_at_period_end"]
        await e2e.flush()  # and the webhooks of all those changes leave it there
        seen = await view(e2e, "m-racer")
        assert seen["subscription"]["cancelAtPeriodEnd"] == remote["cancel_at_period_end"]


INVOICES = """
query($first: Int, $after: String) {
  invoices(first: $first, after: $after) {
    edges { cursor node {
      id number status currency createdAt paidAt periodStart periodEnd
      subtotal { amount } tax { amount } total { amount } amountPaid { amount } amountDue { amount }
      taxBreakdown { amount { amount } ratePercent jurisdiction inclusive }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ONE_INVOICE = "query($id: ID!) { invoice(id: $id) { id number } }"


async def invoice_page(e2e, user: str, first: int, after: str | None = None) -> dict:
    answer = await e2e.gateway.graphql(INVOICES, {"first": first, "after": after}, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["invoices"]


async def test_invoices_kept_in_step_and_paged_over_http(e2e) -> None:
    """Three invoices in Germany (19 % VAT, inclusive), the second renewal declined: what the list shows."""
    payload = (await e2e.gateway.graphql(CHECKOUT, checkout_input(currency="EUR"), user="m-inv"))["data"]
    session_id = payload["createCheckout"]["sessionId"]
    await e2e.world.control(
        f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid", "country": "DE"}
    )
    await e2e.flush()
    await advance_past(e2e, (await view(e2e, "m-inv"))["subscription"]["currentPeriodEnd"])
    sub = await stripe_sub(e2e, (await view(e2e, "m-inv"))["subscription"]["stripeSubscriptionId"])
    await e2e.world.control(f"/_sandbox/customers/{sub['customer']}/card", {"outcome": "declined"})
    await advance_past(e2e, (await view(e2e, "m-inv"))["subscription"]["currentPeriodEnd"])

    first = await invoice_page(e2e, "m-inv", 2)
    assert first["pageInfo"]["hasNextPage"] and len(first["edges"]) == 2
    rest = await invoice_page(e2e, "m-inv", 2, first["pageInfo"]["endCursor"])
    assert not rest["pageInfo"]["hasNextPage"] and len(rest["edges"]) == 1
    invoices = [edge["node"] for edge in first["edges"] + rest["edges"]]  # newest first
    assert len({i["id"] for i in invoices}) == 3 and len({i["number"] for i in invoices}) == 3
    assert [i["status"] for i in invoices] == ["OPEN", "PAID", "PAID"]
    assert [i["createdAt"] for i in invoices] == sorted((i["createdAt"] for i in invoices), reverse=True)

    declined, renewal, bought = invoices
    for invoice in invoices:
        assert invoice["currency"] == "EUR" and invoice["number"]
        assert (invoice["total"]["amount"], invoice["subtotal"]["amount"], invoice["tax"]["amount"]) == (
            499,
            499,
            80,
        )
        assert invoice["taxBreakdown"] == [
            {"amount": {"amount": 80}, "ratePercent": "19", "jurisdiction": "DE", "inclusive": True}
        ]
        assert invoice["periodStart"] < invoice["periodEnd"]
    for paid in (renewal, bought):
        assert paid["amountPaid"]["amount"] == 499 and paid["paidAt"]
    assert declined["amountPaid"]["amount"] == 0 and declined["amountDue"]["amount"] == 499
    assert declined["paidAt"] is None
    # Back to back: each renewal covers the period after the one before.
    assert bought["periodEnd"] == renewal["periodStart"] and renewal["periodEnd"] == declined["periodStart"]

    # Nobody else sees them, one by one or as a list.
    assert (await invoice_page(e2e, "m-inv-other", 25))["edges"] == []
    other = await e2e.gateway.graphql(ONE_INVOICE, {"id": bought["id"]}, user="m-inv-other")
    assert other["data"]["invoice"] is None
    mine = await e2e.gateway.graphql(ONE_INVOICE, {"id": bought["id"]}, user="m-inv")
    assert mine["data"]["invoice"] == {"id": bought["id"], "number": bought["number"]}


async def test_gift_time_outlasts_a_cancelled_subscription_over_http(e2e) -> None:
    """Access ends when Stripe ends the subscription, or later when gift time remains."""
    gift = await buy(e2e, "m-giver", product="PREMIUM_YEARLY", gift=True)
    bought = await e2e.gateway.graphql(
        "{ payments { edges { node { id giftCode { code } } } } }", user="m-giver"
    )
    (node,) = [
        e["node"] for e in bought["data"]["payments"]["edges"] if e["node"]["id"] == gift["payment"]["id"]
    ]
    redeemed = await e2e.gateway.graphql(REDEEM, {"code": node["giftCode"]["code"]}, user="m-gifted")
    gift_until = redeemed["data"]["redeemGift"]["premium"]["until"]
    await buy(e2e, "m-gifted")
    assert (await cancel(e2e, "m-gifted", reason="SWITCHED_SERVICE"))["userErrors"] == []
    await e2e.flush()
    cancelling = await view(e2e, "m-gifted")
    assert cancelling["premium"]["source"] == "SUBSCRIPTION" and cancelling["premium"]["willCancel"]

    await advance_past(e2e, cancelling["subscription"]["currentPeriodEnd"])
    after = await view(e2e, "m-gifted")
    assert after["subscription"] is None, "Stripe ended the subscription at its period end"
    assert after["premium"]["active"] and after["premium"]["source"] == "GIFT"
    assert not after["premium"]["willCancel"] and after["premium"]["until"] == gift_until

    await advance_past(e2e, gift_until)
    assert not (await view(e2e, "m-gifted"))["premium"]["active"]
