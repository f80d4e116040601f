"""Refunds, disputes and restrictions over real HTTP: support's GraphQL calls to the gateway process,
Stripe's side in the sandbox, its signed webhooks delivered to the gateway's route."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from test_buying_e2e import CHECKOUT, REDEEM, _signed, buy, checkout_input

from billing import ids
from models import Payment, Refund
from tests.inbox_settle import inbox_settled

REFUND = """
mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) {
    payment { id status amount }
    userErrors { code field message }
  }
}"""
RESTRICT = """
mutation($input: SetPurchaseRestrictionInput!) {
  setPurchaseRestriction(input: $input) {
    user { userId purchaseRestricted restrictionReason refundCount }
    userErrors { code field message }
  }
}"""
REVOKE = """
mutation($input: RevokeGiftCodeInput!) {
  revokeGiftCode(input: $input) {
    giftCode { code status redeemed }
    userErrors { code field message }
  }
}"""
USER_BILLING = """
query($id: ID!) {
  userBilling(userId: $id) {
    purchaseRestricted restrictionReason refundCount
    premium { active }
    subscription { status }
    payments { edges { node { id status amount isGift giftCode { code status } } } }
  }
}"""
MINE = """
{ premium { active source }
  subscription { status }
  payments { edges { node { id status } } } }"""


async def admin_view(e2e, user: str) -> dict:
    return (await e2e.gateway.graphql(USER_BILLING, {"id": user}, user="support", admin=True))["data"][
        "userBilling"
    ]


async def only_payment(e2e, user: str) -> dict:
    (edge,) = (await admin_view(e2e, user))["payments"]["edges"]
    return edge["node"]


async def refund(e2e, payment_id: str, **extra) -> dict:
    variables = {"input": {"paymentId": payment_id, **extra}}
    answer = await e2e.gateway.graphql(REFUND, variables, user="support", admin=True)
    return answer["data"]["refundPayment"]


async def test_only_admins_refund_restrict_and_revoke(e2e) -> None:
    payload = await buy(e2e, "e-owner")
    payment_id = payload["payment"]["id"]
    for query, variables in (
        (REFUND, {"input": {"paymentId": payment_id}}),
        (RESTRICT, {"input": {"userId": "e-owner", "restricted": False}}),
        (REVOKE, {"input": {"code": "ABCD-EFGH-JKLM-NPQR"}}),
    ):
        answer = await e2e.gateway.graphql(query, variables, user="e-owner")
        assert answer["data"] is None
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]
    mine = (await e2e.gateway.graphql(MINE, user="e-owner"))["data"]
    assert mine["premium"]["active"] and mine["payments"]["edges"][0]["node"]["status"] == "COMPLETED"


async def test_support_refunds_a_subscription_over_http(e2e) -> None:
    payload = await buy(e2e, "e-refund")
    answer = await refund(e2e, payload["payment"]["id"], reason="REQUESTED_BY_CUSTOMER", note="ticket 42")
    assert answer["userErrors"] == [] and answer["payment"]["id"] == payload["payment"]["id"]
    await e2e.flush()
    mine = (await e2e.gateway.graphql(MINE, user="e-refund"))["data"]
    assert mine["payments"]["edges"][0]["node"]["status"] == "REFUNDED"
    assert not mine["premium"]["active"] and mine["subscription"] is None
    view = await admin_view(e2e, "e-refund")
    assert view["refundCount"] == 1 and not view["purchaseRestricted"]

    again = await refund(e2e, payload["payment"]["id"])
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("NOT_REFUNDABLE", ["input", "paymentId"])
    ]
    unknown = await refund(e2e, "UGF5bWVudDo5OTk5OTk5")  # Payment:9999999
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]


async def test_refund_window_over_http(e2e) -> None:
    """14 days (settings' refund_window_days), counted on the sandbox's clock from completion."""
    inside = await buy(e2e, "e-window", gift=True)
    payload = await buy(e2e, "e-late", gift=True)
    await e2e.world.advance(14 * 86_400 - 3600)  # an hour left
    assert (await refund(e2e, inside["payment"]["id"]))["userErrors"] == []
    await e2e.flush()
    assert (await only_payment(e2e, "e-window"))["status"] == "REFUNDED"
    await e2e.world.advance(2 * 3600)  # an hour past
    answer = await refund(e2e, payload["payment"]["id"])
    assert [e["code"] for e in answer["userErrors"]] == ["REFUND_WINDOW_EXPIRED"]
    assert (await only_payment(e2e, "e-late"))["status"] == "COMPLETED"


async def test_second_refund_blocks_purchases_until_support_lifts_it(e2e) -> None:
    for _ in range(2):
        payload = await buy(e2e, "e-abuse", gift=True)
        assert (await refund(e2e, payload["payment"]["id"]))["userErrors"] == []
        await e2e.flush()
    view = await admin_view(e2e, "e-abuse")
    assert view["refundCount"] == 2 and view["purchaseRestricted"] and view["restrictionReason"]
    blocked = await e2e.gateway.graphql(CHECKOUT, checkout_input(gift=True), user="e-abuse")
    assert [e["code"] for e in blocked["data"]["createCheckout"]["userErrors"]] == ["PURCHASE_BLOCKED"]

    lifted = await e2e.gateway.graphql(
        RESTRICT, {"input": {"userId": "e-abuse", "restricted": False}}, user="support", admin=True
    )
    user = lifted["data"]["setPurchaseRestriction"]["user"]
    assert user == {
        "userId": "e-abuse",
        "purchaseRestricted": False,
        "restrictionReason": None,
        "refundCount": 2,
    }
    await buy(e2e, "e-abuse", gift=True)

    restricted = await e2e.gateway.graphql(
        RESTRICT,
        {"input": {"userId": "e-new", "restricted": True, "reason": "card testing"}},
        user="support",
        admin=True,
    )
    user = restricted["data"]["setPurchaseRestriction"]["user"]
    assert (user["purchaseRestricted"], user["restrictionReason"]) == (True, "card testing")


async def test_chargeback_over_http(e2e) -> None:
    payload = await buy(e2e, "e-chargeback", product="PREMIUM_YEARLY", currency="EUR")
    assert (await only_payment(e2e, "e-chargeback"))["id"] == payload["payment"]["id"]
    # The charge is Stripe's: found as support would find it in Stripe's dashboard.
    row = await Payment.get(user_id="e-chargeback")
    pi = await e2e.world.services.stripe.v1.payment_intents.retrieve_async(row.stripe_payment_intent_id)
    dispute = await e2e.world.control(f"/_sandbox/charges/{pi.latest_charge}/dispute")
    await e2e.flush()
    view = await admin_view(e2e, "e-chargeback")
    assert view["payments"]["edges"][0]["node"]["status"] == "DISPUTED"
    assert view["purchaseRestricted"] and not view["premium"]["active"] and view["subscription"] is None
    await e2e.world.control(f"/_sandbox/disputes/{dispute['id']}/close", {"status": "lost"})
    await e2e.flush()
    assert (await only_payment(e2e, "e-chargeback"))["status"] == "DISPUTED"


async def test_revoke_gift_codes_over_http(e2e) -> None:
    await buy(e2e, "e-gifter", gift=True)
    await buy(e2e, "e-gifter", gift=True)
    codes = [
        edge["node"]["giftCode"]["code"] for edge in (await admin_view(e2e, "e-gifter"))["payments"]["edges"]
    ]
    revoke = {"input": {"code": codes[0].lower(), "reason": "reported stolen"}}
    revoked = (await e2e.gateway.graphql(REVOKE, revoke, user="support", admin=True))["data"][
        "revokeGiftCode"
    ]
    assert revoked == {
        "giftCode": {"code": codes[0], "status": "REVOKED", "redeemed": False},
        "userErrors": [],
    }
    again = (await e2e.gateway.graphql(REVOKE, revoke, user="support", admin=True))["data"]["revokeGiftCode"]
    assert [e["code"] for e in again["userErrors"]] == ["GIFT_CODE_REVOKED"]
    redeemed = (await e2e.gateway.graphql(REDEEM, {"code": codes[0]}, user="e-taker"))["data"]["redeemGift"]
    assert [e["code"] for e in redeemed["userErrors"]] == ["GIFT_CODE_REVOKED"]
    unknown = {"input": {"code": "2222-3333-4444-5555"}}
    missing = (await e2e.gateway.graphql(REVOKE, unknown, user="support", admin=True))["data"][
        "revokeGiftCode"
    ]
    assert [e["code"] for e in missing["userErrors"]] == ["GIFT_CODE_NOT_FOUND"]

    # A redeemed code: revoking it takes back the time it gave.
    ok = (await e2e.gateway.graphql(REDEEM, {"code": codes[1]}, user="e-taker"))["data"]["redeemGift"]
    assert ok["premium"]["active"]
    taken = (await e2e.gateway.graphql(REVOKE, {"input": {"code": codes[1]}}, user="support", admin=True))[
        "data"
    ]["revokeGiftCode"]
    assert taken["giftCode"]["status"] == "REVOKED" and taken["userErrors"] == []
    assert not (await e2e.gateway.graphql(MINE, user="e-taker"))["data"]["premium"]["active"]


@pytest.mark.parametrize("outcome", ["lost", "won"])
async def test_dispute_closed_before_created_over_http(e2e, outcome: str) -> None:
    """Stripe does not order events: the closed one reaches the gateway first, then the created one."""
    user = f"e-dispute-{outcome}"
    await buy(e2e, user)
    row = await Payment.get(user_id=user)
    pi = await e2e.world.services.stripe.v1.payment_intents.retrieve_async(row.stripe_payment_intent_id)
    await e2e.world.services.stripe.v1.webhook_endpoints.update_async(
        e2e.endpoint_id, params={"disabled": True}
    )
    await e2e.world.new_events()
    dispute = await e2e.world.control(f"/_sandbox/charges/{pi.latest_charge}/dispute")
    await e2e.world.control(f"/_sandbox/disputes/{dispute['id']}/close", {"status": outcome})
    events = [e for e in await e2e.world.new_events() if e["type"].startswith("charge.dispute.")]
    # A chargeback moves funds too (funds_withdrawn, and funds_reinstated when won): all are sent.
    funds = ["charge.dispute.funds_withdrawn"] + (
        ["charge.dispute.funds_reinstated"] if outcome == "won" else []
    )
    assert [e["type"] for e in events] == ["charge.dispute.created", *funds, "charge.dispute.closed"]
    for event in reversed(events):  # signed as Stripe signs them, to the gateway's route
        assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await inbox_settled()  # acknowledged at once, handled behind the answer

    view = await admin_view(e2e, user)
    mine = (await e2e.gateway.graphql(MINE, user=user))["data"]
    if outcome == "lost":
        assert view["payments"]["edges"][0]["node"]["status"] == "DISPUTED"
        assert view["purchaseRestricted"] and "Chargeback" in view["restrictionReason"]
        assert not mine["premium"]["active"] and mine["subscription"] is None
        blocked = await e2e.gateway.graphql(CHECKOUT, checkout_input(gift=True), user=user)
        assert [e["code"] for e in blocked["data"]["createCheckout"]["userErrors"]] == ["PURCHASE_BLOCKED"]
    else:
        assert view["payments"]["edges"][0]["node"]["status"] == "COMPLETED"
        assert not view["purchaseRestricted"] and view["restrictionReason"] is None
        assert mine["premium"]["active"] and mine["subscription"]["status"] == "ACTIVE"


async def test_double_click_on_refund_refunds_once_over_http(e2e) -> None:
    """Support's two screens (or a double click) send refundPayment five times at once."""
    payload = await buy(e2e, "e-double", gift=True)
    answers = await asyncio.gather(*(refund(e2e, payload["payment"]["id"]) for _ in range(5)))
    # The others get the same refund back, or NOT_REFUNDABLE (under way / already refunded).
    assert all({e["code"] for e in a["userErrors"]} <= {"NOT_REFUNDABLE"} for a in answers), answers
    assert any(a["userErrors"] == [] for a in answers), answers
    await e2e.flush()
    view = await admin_view(e2e, "e-double")
    node = view["payments"]["edges"][0]["node"]
    assert node["status"] == "REFUNDED" and node["giftCode"]["status"] == "REVOKED"
    assert view["refundCount"] == 1 and not view["purchaseRestricted"]
    row = await Payment.get(user_id="e-double")
    refunds = await e2e.world.services.stripe.v1.refunds.list_async(
        params={"payment_intent": row.stripe_payment_intent_id}
    )
    assert len(refunds.data) == 1, "Stripe refunded more than once"
    assert await Refund.filter(payment_id=row.id).count() == 1


async def test_refunded_gifts_over_http(e2e) -> None:
    """Unredeemed: the code stops working. Redeemed: the redeemer loses the time it gave."""
    unredeemed = await buy(e2e, "e-gift-back", gift=True)
    redeemed = await buy(e2e, "e-gift-back", gift=True, product="PREMIUM_YEARLY")
    codes = {
        edge["node"]["id"]: edge["node"]["giftCode"]["code"]
        for edge in (await admin_view(e2e, "e-gift-back"))["payments"]["edges"]
    }
    used = await e2e.gateway.graphql(REDEEM, {"code": codes[redeemed["payment"]["id"]]}, user="e-gift-friend")
    assert used["data"]["redeemGift"]["premium"]["active"]
    for payload in (unredeemed, redeemed):
        assert (await refund(e2e, payload["payment"]["id"]))["userErrors"] == []
    await e2e.flush()

    nodes = {e["node"]["id"]: e["node"] for e in (await admin_view(e2e, "e-gift-back"))["payments"]["edges"]}
    assert {n["status"] for n in nodes.values()} == {"REFUNDED"}
    assert {n["giftCode"]["status"] for n in nodes.values()} == {"REVOKED"}
    late = await e2e.gateway.graphql(REDEEM, {"code": codes[unredeemed["payment"]["id"]]}, user="e-gift-late")
    assert [e["code"] for e in late["data"]["redeemGift"]["userErrors"]] == ["GIFT_CODE_REVOKED"]
    friend = (await e2e.gateway.graphql(MINE, user="e-gift-friend"))["data"]
    assert not friend["premium"]["active"], "the refunded gift's time was not taken back"


async def test_refund_that_stripe_fails_gives_everything_back_over_http(e2e) -> None:
    """refund.failed (the bank returned it): the payment is COMPLETED again, the revoked code works
    again, and the redeemed one gives the friend its time back."""
    unredeemed = await buy(e2e, "e-refund-fails", gift=True)
    redeemed = await buy(e2e, "e-refund-fails", gift=True, product="PREMIUM_YEARLY")
    codes = {
        edge["node"]["id"]: edge["node"]["giftCode"]["code"]
        for edge in (await admin_view(e2e, "e-refund-fails"))["payments"]["edges"]
    }
    friend_code, spare_code = codes[redeemed["payment"]["id"]], codes[unredeemed["payment"]["id"]]
    used = await e2e.gateway.graphql(REDEEM, {"code": friend_code}, user="e-fails-friend")
    assert used["data"]["redeemGift"]["premium"]["active"]
    for payload in (unredeemed, redeemed):
        assert (await refund(e2e, payload["payment"]["id"]))["userErrors"] == []
    await e2e.flush()
    assert not (await e2e.gateway.graphql(MINE, user="e-fails-friend"))["data"]["premium"]["active"]

    for payload in (unredeemed, redeemed):  # Stripe fails both refunds afterwards
        row = await Payment.get(id=ids.decode_as(payload["payment"]["id"], "Payment"))
        (stripe_refund,) = (
            await e2e.world.services.stripe.v1.refunds.list_async(
                params={"payment_intent": row.stripe_payment_intent_id}
            )
        ).data
        await e2e.world.control(f"/_sandbox/refunds/{stripe_refund.id}/fail")
    await e2e.flush()

    view = await admin_view(e2e, "e-refund-fails")
    # Failed refunds no longer count; the restriction their second one set stays until support
    # lifts it (the gateway never lifts a restriction by itself: support may have reasons of its own).
    assert view["refundCount"] == 0 and view["purchaseRestricted"]
    edges = view["payments"]["edges"]
    nodes = {e["node"]["id"]: e["node"] for e in edges}
    assert {n["status"] for n in nodes.values()} == {"COMPLETED"}
    assert nodes[unredeemed["payment"]["id"]]["giftCode"]["status"] == "AVAILABLE"
    assert nodes[redeemed["payment"]["id"]]["giftCode"]["status"] == "REDEEMED"
    friend = (await e2e.gateway.graphql(MINE, user="e-fails-friend"))["data"]
    assert friend["premium"]["active"] and friend["premium"]["source"] == "GIFT"
    late = await e2e.gateway.graphql(REDEEM, {"code": spare_code}, user="e-fails-late")
    assert late["data"]["redeemGift"]["userErrors"] == [] and late["data"]["redeemGift"]["premium"]["active"]
