"""Switching plans over real HTTP (issue 17): monthly <-> yearly, now or at the period end.

GraphQL goes to the gateway process; Stripe's side is the sandbox (prorations as Stripe
computes them in flexible billing mode, pending updates, subscription schedules), driven by
its control API; every state change reaches the gateway as a signed webhook. Each test reads
what the user sees (`premium`, `subscription`, `payments`) and checks Stripe's own objects.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from models import OutboxMessage
from tests.e2e.test_buying_e2e import buy
from tests.e2e.test_manage_e2e import advance_past, cancel, codes, stripe_sub

DAY = 86_400
YEARLY_USD = 4999
MONTHLY_USD = 499

PREVIEW = """
query($product: ProductType!, $timing: PlanChangeTiming!) {
  planChangePreview(productType: $product, timing: $timing) {
    productType timing amountDueNow { amount currency } nextChargeAmount { amount } nextChargeAt
    prorationDate lines { description amount { amount } periodStart periodEnd proration }
  }
}"""
CHANGE = """
mutation($input: ChangePlanInput!) {
  changePlan(input: $input) {
    subscription {
      productType billingCycle status currentPeriodEnd scheduledChange { productType effectiveAt }
    }
    payment { id kind status amount product: productType stripeInvoiceId }
    userErrors { code field message }
  }
}"""
CANCEL_CHANGE = """
mutation { cancelPlanChange {
  subscription { productType scheduledChange { productType effectiveAt } }
  userErrors { code message }
} }"""
VIEW = """
{ premium { active source until productType billingCycle }
  subscription { stripeSubscriptionId productType billingCycle status currentPeriodEnd
                 scheduledChange { productType effectiveAt } }
  payments { edges { node { kind status amount productType stripeInvoiceId } } } }"""


async def view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(VIEW, user=user)
    assert "errors" not in answer, answer
    return answer["data"]


async def preview(e2e, user: str, product: str, timing: str = "NOW") -> dict:
    answer = await e2e.gateway.graphql(PREVIEW, {"product": product, "timing": timing}, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["planChangePreview"]


async def change(e2e, user: str, product: str, timing: str = "NOW", key: str | None = None) -> dict:
    payload: dict = {"productType": product, "timing": timing}
    if key is not None:
        payload["idempotencyKey"] = key
    answer = await e2e.gateway.graphql(CHANGE, {"input": payload}, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["changePlan"]


async def cancel_change(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(CANCEL_CHANGE, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["cancelPlanChange"]


async def announced(user: str) -> list[dict]:
    """The `subscription.changed` messages for the platform, oldest first."""
    rows = await OutboxMessage.filter(user_id=user, topic="subscription.changed").order_by("id")
    return [row.payload for row in rows]


def plan_changes(seen: dict) -> list[dict]:
    return [e["node"] for e in seen["payments"]["edges"] if e["node"]["kind"] == "PLAN_CHANGE"]


async def set_card(e2e, sub_id: str, outcome: str) -> None:
    customer = (await stripe_sub(e2e, sub_id))["customer"]
    await e2e.world.control(f"/_sandbox/customers/{customer}/card", {"outcome": outcome})


def until(seen: dict) -> datetime:
    return datetime.fromisoformat(seen["premium"]["until"])


async def test_monthly_to_yearly_now_charges_the_previewed_proration(e2e) -> None:
    user = "plan-alice"
    await buy(e2e, user)
    await e2e.world.advance(10 * DAY)
    await e2e.flush()
    before = await view(e2e, user)
    sub_id = before["subscription"]["stripeSubscriptionId"]

    shown = await preview(e2e, user, "PREMIUM_YEARLY")
    credits = [line for line in shown["lines"] if line["amount"]["amount"] < 0]
    assert credits and all(line["proration"] for line in credits)  # unused time of the month
    due = shown["amountDueNow"]["amount"]
    assert 0 < due < YEARLY_USD and shown["amountDueNow"]["currency"] == "USD"
    assert due == sum(line["amount"]["amount"] for line in shown["lines"])
    assert shown["nextChargeAmount"]["amount"] == YEARLY_USD

    done = await change(e2e, user, "PREMIUM_YEARLY")
    assert done["userErrors"] == []
    payment = done["payment"]
    assert (payment["kind"], payment["status"], payment["amount"]) == ("PLAN_CHANGE", "COMPLETED", due)
    assert payment["product"] == "PREMIUM_YEARLY"
    assert done["subscription"]["billingCycle"] == "YEARLY"
    invoice = await e2e.world.services.stripe.v1.invoices.retrieve_async(payment["stripeInvoiceId"])
    assert invoice.amount_paid == due and invoice.billing_reason == "subscription_update"

    await e2e.flush()
    after = await view(e2e, user)
    assert after["premium"]["active"] and after["premium"]["billingCycle"] == "YEARLY"
    assert after["subscription"]["productType"] == "PREMIUM_YEARLY"
    now = e2e.world.services.clock.now()
    assert now + timedelta(days=360) < until(after) <= now + timedelta(days=367)
    assert [(p["status"], p["amount"]) for p in plan_changes(after)] == [("COMPLETED", due)]
    assert [m["product_type"] for m in await announced(user)] == ["PREMIUM_YEARLY"]  # told once
    remote = await stripe_sub(e2e, sub_id)
    assert remote["items"]["data"][0]["price"]["recurring"]["interval"] == "year"
    # The same change again is SAME_PLAN, and nothing more is charged.
    assert codes(await change(e2e, user, "PREMIUM_YEARLY")) == ["SAME_PLAN"]


async def test_a_declined_change_keeps_the_plan_and_can_be_tried_again(e2e) -> None:
    user = "plan-bob"
    await buy(e2e, user)
    await e2e.world.advance(10 * DAY)
    before = await view(e2e, user)
    sub_id = before["subscription"]["stripeSubscriptionId"]
    await set_card(e2e, sub_id, "declined")

    failed = await change(e2e, user, "PREMIUM_YEARLY")
    assert failed["userErrors"] == []
    assert (failed["payment"]["kind"], failed["payment"]["status"]) == ("PLAN_CHANGE", "FAILED")
    assert failed["subscription"]["billingCycle"] == "MONTHLY"
    await e2e.flush()
    still = await view(e2e, user)
    assert still["premium"]["active"] and still["subscription"]["billingCycle"] == "MONTHLY"
    assert still["subscription"]["status"] == "ACTIVE"
    assert until(still) == until(before)
    assert (await stripe_sub(e2e, sub_id))["pending_update"] is not None

    declined_again = await change(e2e, user, "PREMIUM_YEARLY")  # the same card, tried again
    assert declined_again["payment"]["status"] == "FAILED"
    assert declined_again["payment"]["stripeInvoiceId"] == failed["payment"]["stripeInvoiceId"]
    await set_card(e2e, sub_id, "ok")  # a new card: the next try is a new attempt, not a replay
    again = await change(e2e, user, "PREMIUM_YEARLY")
    assert again["userErrors"] == []
    assert again["payment"]["status"] == "COMPLETED"
    assert again["payment"]["stripeInvoiceId"] == failed["payment"]["stripeInvoiceId"]  # paid, not remade
    assert again["subscription"]["billingCycle"] == "YEARLY"
    await e2e.flush()
    after = await view(e2e, user)
    assert after["subscription"]["billingCycle"] == "YEARLY" and after["premium"]["active"]
    assert [p["status"] for p in plan_changes(after)] == ["COMPLETED"]


async def test_a_change_needing_3d_secure_waits_for_the_customer(e2e) -> None:
    user = "plan-carol"
    await buy(e2e, user)
    before = await view(e2e, user)
    await set_card(e2e, before["subscription"]["stripeSubscriptionId"], "authentication_required")
    waiting = await change(e2e, user, "PREMIUM_YEARLY")
    assert waiting["payment"]["status"] == "REQUIRES_ACTION"
    assert waiting["subscription"]["billingCycle"] == "MONTHLY"
    await e2e.world.control(f"/_sandbox/invoices/{waiting['payment']['stripeInvoiceId']}/confirm", {})
    await e2e.flush()
    after = await view(e2e, user)
    assert after["subscription"]["billingCycle"] == "YEARLY" and after["premium"]["active"]
    assert [p["status"] for p in plan_changes(after)] == ["COMPLETED"]


async def test_yearly_to_monthly_at_period_end_is_scheduled_then_charged_then(e2e) -> None:
    user = "plan-dave"
    await buy(e2e, user, product="PREMIUM_YEARLY")
    before = await view(e2e, user)
    period_end = before["subscription"]["currentPeriodEnd"]

    shown = await preview(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END")
    assert shown["amountDueNow"]["amount"] == 0 and shown["lines"] == []
    assert shown["nextChargeAmount"]["amount"] == MONTHLY_USD and shown["nextChargeAt"] == period_end

    scheduled = await change(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END")
    assert scheduled["userErrors"] == [] and scheduled["payment"] is None
    assert scheduled["subscription"]["scheduledChange"] == {
        "productType": "PREMIUM_MONTHLY",
        "effectiveAt": period_end,
    }
    assert scheduled["subscription"]["billingCycle"] == "YEARLY"
    assert codes(await change(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END")) == ["PLAN_CHANGE_NOT_ALLOWED"]
    await e2e.flush()
    seen = await view(e2e, user)
    assert seen["subscription"]["scheduledChange"]["productType"] == "PREMIUM_MONTHLY"
    assert plan_changes(seen) == []  # nothing charged now

    told = await announced(user)
    assert [m["scheduled_change"] for m in told] == [
        {"product_type": "PREMIUM_MONTHLY", "effective_at": period_end.replace("+00:00", "Z")}
    ]
    dropped = await cancel_change(e2e, user)
    assert dropped["userErrors"] == [] and dropped["subscription"]["scheduledChange"] is None
    assert codes(await cancel_change(e2e, user)) == ["NO_SCHEDULED_CHANGE"]
    await e2e.flush()
    assert (await view(e2e, user))["subscription"]["scheduledChange"] is None
    assert (await announced(user))[-1]["scheduled_change"] is None

    again = await change(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END", key="later-1")
    assert again["subscription"]["scheduledChange"]["productType"] == "PREMIUM_MONTHLY"
    replayed = await change(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END", key="later-1")
    assert replayed["userErrors"] == [] and replayed["subscription"] == again["subscription"]
    assert codes(await change(e2e, user, "PREMIUM_MONTHLY", "PERIOD_END", key="later-2")) == [
        "PLAN_CHANGE_NOT_ALLOWED"
    ]
    await e2e.flush()
    await advance_past(e2e, period_end)
    after = await view(e2e, user)
    assert after["premium"]["active"] and after["subscription"]["billingCycle"] == "MONTHLY"
    assert after["subscription"]["scheduledChange"] is None
    assert until(after) > datetime.fromisoformat(period_end) + timedelta(days=27)
    renewals = [e["node"] for e in after["payments"]["edges"] if e["node"]["kind"] == "RENEWAL"]
    assert [(p["status"], p["amount"], p["productType"]) for p in renewals] == [
        ("COMPLETED", MONTHLY_USD, "PREMIUM_MONTHLY")
    ]


async def test_changes_that_are_not_allowed_are_user_errors(e2e) -> None:
    assert codes(await change(e2e, "plan-nobody", "PREMIUM_YEARLY")) == ["PLAN_CHANGE_NOT_ALLOWED"]
    assert (
        await e2e.gateway.graphql(PREVIEW, {"product": "PREMIUM_YEARLY", "timing": "NOW"}, user="plan-nobody")
    )["data"]["planChangePreview"] is None

    await buy(e2e, "plan-erin")
    assert codes(await change(e2e, "plan-erin", "PREMIUM_MONTHLY")) == ["SAME_PLAN"]
    await cancel(e2e, "plan-erin")
    assert codes(await change(e2e, "plan-erin", "PREMIUM_YEARLY")) == ["PLAN_CHANGE_NOT_ALLOWED"]

    # Gift-only premium: active, but no subscription to change.
    gift = await buy(e2e, "plan-frank", gift=True)
    payments = await e2e.gateway.graphql(
        "{ payments { edges { node { giftCode { code } } } } }", user="plan-frank"
    )
    code = payments["data"]["payments"]["edges"][0]["node"]["giftCode"]["code"]
    redeemed = await e2e.gateway.graphql(
        "mutation($c: String!) { redeemGift(input: {code: $c}) { premium { active } userErrors { code } } }",
        {"c": code},
        user="plan-grace",
    )
    assert redeemed["data"]["redeemGift"]["premium"]["active"], gift
    assert codes(await change(e2e, "plan-grace", "PREMIUM_YEARLY")) == ["PLAN_CHANGE_NOT_ALLOWED"]

    # PAST_DUE: Stripe is retrying a renewal.
    await buy(e2e, "plan-heidi")
    seen = await view(e2e, "plan-heidi")
    await set_card(e2e, seen["subscription"]["stripeSubscriptionId"], "declined")
    await advance_past(e2e, seen["subscription"]["currentPeriodEnd"])
    assert (await view(e2e, "plan-heidi"))["subscription"]["status"] == "PAST_DUE"
    assert codes(await change(e2e, "plan-heidi", "PREMIUM_YEARLY")) == ["PLAN_CHANGE_NOT_ALLOWED"]


async def test_two_concurrent_changes_make_one_change_and_one_charge(e2e) -> None:
    user = "plan-ivan"
    await buy(e2e, user)
    await e2e.world.advance(5 * DAY)
    first, second = await asyncio.gather(
        change(e2e, user, "PREMIUM_YEARLY"), change(e2e, user, "PREMIUM_YEARLY")
    )
    answers = [first, second]
    done = [a for a in answers if a["userErrors"] == []]
    assert done, answers
    assert all(a["userErrors"] == [] or codes(a) == ["SAME_PLAN"] for a in answers), answers
    await e2e.flush()
    after = await view(e2e, user)
    assert after["subscription"]["billingCycle"] == "YEARLY"
    assert [p["status"] for p in plan_changes(after)] == ["COMPLETED"]
    sub_id = after["subscription"]["stripeSubscriptionId"]
    invoices = await e2e.world.services.stripe.v1.invoices.list_async(params={"subscription": sub_id})
    assert [i.billing_reason for i in invoices.data].count("subscription_update") == 1


async def test_an_idempotency_key_replays_the_change_and_its_payment(e2e) -> None:
    user = "plan-judy"
    await buy(e2e, user)
    keyed = await change(e2e, user, "PREMIUM_YEARLY", key="k1")
    assert keyed["userErrors"] == [] and keyed["payment"]["status"] == "COMPLETED"
    replay = await change(e2e, user, "PREMIUM_YEARLY", key="k1")
    assert replay["userErrors"] == [] and replay["payment"]["id"] == keyed["payment"]["id"]
    assert codes(await change(e2e, user, "PREMIUM_MONTHLY", key="k1")) == ["IDEMPOTENCY_KEY_REUSED"]
    await e2e.flush()
    assert len(plan_changes(await view(e2e, user))) == 1


async def gift_to(e2e, user: str, product: str = "PREMIUM_MONTHLY") -> None:
    """Buy a gift code as someone else and redeem it as `user`."""
    await buy(e2e, f"{user}-gifter", product=product, gift=True)
    bought = await e2e.gateway.graphql(
        "{ payments { edges { node { giftCode { code } } } } }", user=f"{user}-gifter"
    )
    code = bought["data"]["payments"]["edges"][0]["node"]["giftCode"]["code"]
    redeemed = await e2e.gateway.graphql(
        "mutation($c: String!) { redeemGift(input: {code: $c}) { userErrors { code } } }",
        {"c": code},
        user=user,
    )
    assert redeemed["data"]["redeemGift"]["userErrors"] == []
    await e2e.flush()


async def test_gift_time_survives_a_change_at_period_end(e2e) -> None:
    user = "plan-kim"
    await buy(e2e, user)
    bought = await view(e2e, user)
    await gift_to(e2e, user)
    gifted = await view(e2e, user)
    access_end = until(gifted)
    assert access_end > until(bought) + timedelta(days=27)  # the month of gift time after the paid one

    scheduled = await change(e2e, user, "PREMIUM_YEARLY", "PERIOD_END")
    assert scheduled["userErrors"] == []
    assert datetime.fromisoformat(scheduled["subscription"]["scheduledChange"]["effectiveAt"]) == access_end
    await e2e.flush()
    assert until(await view(e2e, user)) == access_end  # the gift time is kept

    await advance_past(e2e, access_end.isoformat())
    after = await view(e2e, user)
    assert after["premium"]["active"] and after["subscription"]["billingCycle"] == "YEARLY"
    assert until(after) > access_end + timedelta(days=360)


async def test_gift_time_survives_a_change_now(e2e) -> None:
    user = "plan-lee"
    await buy(e2e, user)
    await gift_to(e2e, user)
    gifted = await view(e2e, user)
    access_end = until(gifted)
    done = await change(e2e, user, "PREMIUM_YEARLY")
    assert done["userErrors"] == [], done
    await e2e.flush()
    after = await view(e2e, user)
    assert after["premium"]["active"] and after["subscription"]["billingCycle"] == "YEARLY"
    assert until(after) >= access_end  # nothing of the gift time is lost


async def test_yearly_to_monthly_now_charges_nothing_and_keeps_the_credit_at_stripe(e2e) -> None:
    """The unused yearly time is worth more than a month: nothing is charged now (Stripe keeps the
    rest on the customer's balance), and no payment row with a negative amount appears."""
    user = "plan-mia"
    await buy(e2e, user, product="PREMIUM_YEARLY")
    await e2e.world.advance(10 * DAY)
    shown = await preview(e2e, user, "PREMIUM_MONTHLY")
    credit = sum(line["amount"]["amount"] for line in shown["lines"] if line["proration"])
    assert credit < -MONTHLY_USD and shown["amountDueNow"]["amount"] == 0
    done = await change(e2e, user, "PREMIUM_MONTHLY")
    assert done["userErrors"] == [] and done["payment"] is None
    assert done["subscription"]["billingCycle"] == "MONTHLY"
    await e2e.flush()
    after = await view(e2e, user)
    assert after["premium"]["active"] and after["subscription"]["productType"] == "PREMIUM_MONTHLY"
    assert plan_changes(after) == []
    assert all(e["node"]["amount"] >= 0 for e in after["payments"]["edges"])
