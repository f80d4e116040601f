"""Free trials over real HTTP (issue 17, DESIGN "Trials"), with TRIAL_DAYS=7.

A first-time subscriber is TRIALING with premium active and pays at `trialEnd`; a user gets
one trial, ever; the same card (Stripe's card fingerprint) on a second account gets none and
is charged at once; `customer.subscription.trial_will_end` reaches the outbound notifications;
gift time survives a trial.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from models import OutboxMessage
from tests.e2e.test_buying_e2e import CHECKOUT, buy, checkout_input
from tests.e2e.test_manage_e2e import advance_past, cancel, stripe_sub

DAY = 86_400
MONTHLY_USD = 499

VIEW = """
{ premium { active source until trialEligible }
  subscription { stripeSubscriptionId status trialEnd currentPeriodEnd }
  payments { edges { node { kind status amount isGift giftCode { code } } } } }"""
REDEEM = """
mutation($code: String!) {
  redeemGift(input: {code: $code}) { premium { active until } userErrors { code } }
}"""


@pytest.fixture
async def trials(e2e) -> AsyncIterator[object]:
    """The e2e gateway restarted with TRIAL_DAYS=7, and back to 0 afterwards."""
    gateway = e2e.gateway
    gateway.stop()
    gateway.env["TRIAL_DAYS"] = "7"
    gateway.start()
    try:
        yield e2e
    finally:
        gateway.stop()
        gateway.env.pop("TRIAL_DAYS", None)
        gateway.start()


async def view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(VIEW, user=user)
    assert "errors" not in answer, answer
    return answer["data"]


def paid(seen: dict) -> list[tuple[str, str, int]]:
    return [
        (n["kind"], n["status"], n["amount"])
        for n in (e["node"] for e in seen["payments"]["edges"])
        if not n["isGift"]
    ]


async def fingerprint_of(e2e, sub_id: str) -> str:
    sub = await stripe_sub(e2e, sub_id)
    method = await e2e.world.services.stripe.v1.payment_methods.retrieve_async(sub["default_payment_method"])
    return method.card.fingerprint


async def test_a_first_time_subscriber_trials_for_free_then_pays_once(trials) -> None:
    e2e, user = trials, "trial-alice"
    fresh = await view(e2e, user)
    assert fresh["premium"]["trialEligible"] is True
    prices = await e2e.gateway.graphql("{ prices(currency: USD) { productType isGift trialDays } }")
    assert {(p["productType"], p["isGift"], p["trialDays"]) for p in prices["data"]["prices"]} == {
        ("PREMIUM_MONTHLY", False, 7),
        ("PREMIUM_YEARLY", False, 7),
        ("PREMIUM_MONTHLY", True, 0),
        ("PREMIUM_YEARLY", True, 0),
    }

    await buy(e2e, user)
    trialing = await view(e2e, user)
    now = e2e.world.services.clock.now()
    assert trialing["premium"]["active"] and trialing["premium"]["source"] == "SUBSCRIPTION"
    assert trialing["subscription"]["status"] == "TRIALING"
    trial_end = datetime.fromisoformat(trialing["subscription"]["trialEnd"])
    assert now + timedelta(days=6, hours=23) < trial_end <= now + timedelta(days=7, minutes=5)
    assert datetime.fromisoformat(trialing["premium"]["until"]) == trial_end
    assert trialing["premium"]["trialEligible"] is False
    (told,) = await OutboxMessage.filter(user_id=user, topic="subscription.changed").values_list(
        "payload", flat=True
    )
    assert told["status"] == "TRIALING" and told["trial_end"] == trial_end.isoformat().replace("+00:00", "Z")
    assert all(amount == 0 for _, _, amount in paid(trialing))  # nothing charged yet
    sub_id = trialing["subscription"]["stripeSubscriptionId"]

    # Three days before the end, the platform is told (once, however often Stripe delivers it).
    await e2e.world.advance(4 * DAY + 3600)
    await e2e.flush()
    reminders = await OutboxMessage.filter(user_id=user, topic="subscription.trial_will_end").all()
    assert [m.payload["trial_end"] for m in reminders] == [trial_end.isoformat().replace("+00:00", "Z")]

    await advance_past(e2e, trialing["subscription"]["trialEnd"])
    charged = await view(e2e, user)
    assert charged["premium"]["active"] and charged["subscription"]["status"] == "ACTIVE"
    assert charged["subscription"]["trialEnd"] is None
    assert ("RENEWAL", "COMPLETED", MONTHLY_USD) in paid(charged)
    assert datetime.fromisoformat(charged["premium"]["until"]) > trial_end + timedelta(days=27)
    assert (await stripe_sub(e2e, sub_id))["status"] == "active"

    # One trial per user, ever: after it ends, buying again is charged at once.
    await cancel(e2e, user)
    await advance_past(e2e, charged["subscription"]["currentPeriodEnd"])
    assert not (await view(e2e, user))["premium"]["active"]
    await buy(e2e, user)
    again = await view(e2e, user)
    assert again["subscription"]["status"] == "ACTIVE" and again["subscription"]["trialEnd"] is None
    assert paid(again).count(("CHECKOUT", "COMPLETED", MONTHLY_USD)) == 1


async def test_the_same_card_on_a_second_account_gets_no_trial(trials) -> None:
    e2e = trials
    await buy(e2e, "trial-bob")
    bob = await view(e2e, "trial-bob")
    assert bob["subscription"]["status"] == "TRIALING"
    card = await fingerprint_of(e2e, bob["subscription"]["stripeSubscriptionId"])

    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(), user="trial-bob-2")
    session_id = answer["data"]["createCheckout"]["sessionId"]
    session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(session_id)
    await e2e.world.control(f"/_sandbox/customers/{session.customer}/card", {"fingerprint": card})
    await e2e.world.control(f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid"})
    await e2e.flush()
    await e2e.flush()  # the trial is ended at once; its charge brings its own events

    second = await view(e2e, "trial-bob-2")
    assert second["premium"]["active"] and second["subscription"]["status"] == "ACTIVE"
    assert second["subscription"]["trialEnd"] is None
    assert any(status == "COMPLETED" and amount == MONTHLY_USD for _, status, amount in paid(second))
    assert await fingerprint_of(e2e, second["subscription"]["stripeSubscriptionId"]) == card
    # Bob's own trial is untouched.
    assert (await view(e2e, "trial-bob"))["subscription"]["status"] == "TRIALING"


async def test_gift_time_survives_a_trial(trials) -> None:
    e2e = trials
    await buy(e2e, "trial-carol")
    before = await view(e2e, "trial-carol")
    trial_end = datetime.fromisoformat(before["subscription"]["trialEnd"])
    await buy(e2e, "trial-gifter", gift=True)
    gifter = await e2e.gateway.graphql(
        "{ payments { edges { node { giftCode { code } } } } }", user="trial-gifter"
    )
    code = gifter["data"]["payments"]["edges"][0]["node"]["giftCode"]["code"]
    redeemed = await e2e.gateway.graphql(REDEEM, {"code": code}, user="trial-carol")
    assert redeemed["data"]["redeemGift"]["userErrors"] == []
    await e2e.flush()
    after = await view(e2e, "trial-carol")
    # The month of gift time comes after the trial: the first charge moves with it.
    new_end = datetime.fromisoformat(after["premium"]["until"])
    assert trial_end + timedelta(days=27) < new_end <= trial_end + timedelta(days=32)
    assert after["subscription"]["status"] == "TRIALING"
    assert datetime.fromisoformat(after["subscription"]["trialEnd"]) == new_end
    assert all(amount == 0 for _, _, amount in paid(after))
