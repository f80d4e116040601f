"""Every contract query returns the owner's data, and nothing of anyone else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from gql_helpers import ADMIN, ALICE, BOB, bearer, codes

from billing import ids
from models.enums import GiftCodeStatus, PaymentStatus, ProductType, SubscriptionStatus
from tests import factories as f
from tests.factories import NOW


@pytest.fixture
async def seeded(db: str) -> dict[str, Any]:
    """Two users with a bit of everything; Bob redeemed one of Alice's gift codes."""
    rows: dict[str, Any] = {}
    await f.customer(ALICE, access_since=NOW - timedelta(days=10), access_until=NOW + timedelta(days=20))
    await f.customer(BOB, gift_until=NOW + timedelta(days=5))
    rows["alice_sub"] = await f.subscription(ALICE, cancel_at_period_end=True)
    await f.subscription(
        ALICE,
        status=SubscriptionStatus.CANCELED,
        current_period_start=NOW - timedelta(days=100),
    )
    rows["bob_sub"] = await f.subscription(BOB, status=SubscriptionStatus.CANCELED)
    rows["alice_pay"] = await f.payment(ALICE, status=PaymentStatus.COMPLETED)
    rows["alice_gift_pay"], rows["alice_code"] = await f.gift_purchase(
        ALICE,
        code_kw={
            "status": GiftCodeStatus.REDEEMED,
            "redeemed_by_user_id": BOB,
            "redeemed_at": NOW - timedelta(days=2),
        },
    )
    rows["alice_code2"] = (await f.gift_purchase(ALICE, product_type=ProductType.PREMIUM_YEARLY))[1]
    rows["bob_pay"] = await f.payment(BOB, status=PaymentStatus.FAILED)
    rows["alice_inv"] = await f.invoice(ALICE)
    rows["bob_inv"] = await f.invoice(BOB)
    rows["bob_code"] = (await f.gift_purchase(BOB))[1]
    await f.refund(rows["alice_pay"])
    return rows


PAYMENT_FIELDS = """
id userId checkoutSessionId stripeCustomerId stripePaymentIntentId stripeSubscriptionId
stripeInvoiceId stripePriceId productType amount currency status isGift createdAt completedAt version
money { amount currency decimal formatted } giftCode { id code redeemed redeemedBy }
"""


async def test_payments_are_the_viewers_own(gql, seeded):
    result = await gql(f"{{ payments {{ edges {{ cursor node {{ {PAYMENT_FIELDS} }} }} }} }}")
    assert "errors" not in result
    nodes = [e["node"] for e in result["data"]["payments"]["edges"]]
    assert {n["userId"] for n in nodes} == {ALICE}
    assert len(nodes) == 3
    # newest first
    assert [n["createdAt"] for n in nodes] == sorted((n["createdAt"] for n in nodes), reverse=True)
    plain = next(n for n in nodes if n["id"] == ids.encode("Payment", seeded["alice_pay"].id))
    assert plain["money"] == {"amount": 499, "currency": "USD", "decimal": "4.99", "formatted": "$4.99"}
    assert plain["giftCode"] is None and plain["isGift"] is False
    assert plain["createdAt"].endswith("+00:00")
    gift = next(n for n in nodes if n["id"] == ids.encode("Payment", seeded["alice_gift_pay"].id))
    assert gift["giftCode"]["code"] == seeded["alice_code"].code
    assert gift["giftCode"]["redeemedBy"] == BOB  # visible to the purchaser


async def test_subscription_is_the_latest_not_ended(gql, seeded):
    result = await gql("{ subscription { id status cancelAtPeriodEnd price { formatted } billingCycle } }")
    sub = result["data"]["subscription"]
    assert sub["id"] == ids.encode("Subscription", seeded["alice_sub"].id)
    assert sub["status"] == "ACTIVE" and sub["cancelAtPeriodEnd"] is True
    assert sub["price"]["formatted"] == "$4.99"
    bob = await gql("{ subscription { id } }", user=BOB)
    assert bob["data"]["subscription"] is None  # Bob's only subscription has ended


async def test_premium(gql, seeded):
    query = "{ premium { active source productType billingCycle since until willCancel } }"
    alice = (await gql(query))["data"]["premium"]
    assert alice == {
        "active": True,
        "source": "SUBSCRIPTION",
        "productType": "PREMIUM_MONTHLY",
        "billingCycle": "MONTHLY",
        "since": "2026-11-15T18:00:00+00:00",
        "until": "2026-12-15T18:00:00+00:00",
        "willCancel": True,
    }
    bob = (await gql(query, user=BOB))["data"]["premium"]
    assert bob["active"] is True and bob["source"] == "GIFT"
    assert bob["productType"] == "PREMIUM_MONTHLY"  # from the code he redeemed
    assert bob["until"] == "2026-11-30T18:00:00+00:00"
    nobody = (await gql(query, user="user-nobody"))["data"]["premium"]
    assert nobody == {
        "active": False,
        "source": "NONE",
        "productType": None,
        "billingCycle": None,
        "since": None,
        "until": None,
        "willCancel": False,
    }


async def test_links_name_public_base_url_whatever_host_the_request_gives(app_factory, seeded):
    """An invoice link is built from PUBLIC_BASE_URL, never from the Host header a client sends."""
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_factory(public_base_url="https://billing.example")),
        base_url="http://testserver",
    )
    async with http:
        answer = await http.post(
            "/graphql",
            json={"query": "{ invoices { edges { node { id downloadUrl } } } }"},
            headers={**bearer(ALICE), "Host": "evil.example"},
        )
    (edge,) = answer.json()["data"]["invoices"]["edges"]
    assert edge["node"]["downloadUrl"].startswith(
        f"https://billing.example/invoices/{edge['node']['id']}/pdf?"
    )


async def test_invoices_and_invoice(gql, seeded):
    result = await gql(
        """{ invoices { edges { node { id number status currency total { formatted } subtotal { amount }
             tax { amount } amountPaid { amount } amountDue { amount } downloadUrl hostedInvoiceUrl
             taxBreakdown { amount { formatted } ratePercent jurisdiction inclusive } } } } }"""
    )
    edges = result["data"]["invoices"]["edges"]
    assert len(edges) == 1
    node = edges[0]["node"]
    assert node["id"] == ids.encode("Invoice", seeded["alice_inv"].id)
    assert node["total"]["formatted"] == "€4.99"
    assert node["taxBreakdown"] == [
        {"amount": {"formatted": "€0.79"}, "ratePercent": "19", "jurisdiction": "DE", "inclusive": True}
    ]
    assert node["downloadUrl"].startswith(f"http://testserver/invoices/{node['id']}/pdf?expires=")
    own = await gql("query($id: ID!) { invoice(id: $id) { id } }", {"id": node["id"]})
    assert own["data"]["invoice"] == {"id": node["id"]}
    foreign = ids.encode("Invoice", seeded["bob_inv"].id)
    other = await gql("query($id: ID!) { invoice(id: $id) { id } }", {"id": foreign})
    assert other == {"data": {"invoice": None}}


async def test_gift_codes_bought_by_the_viewer(gql, seeded):
    query = "query($r: Boolean) { giftCodes(redeemed: $r) { edges { node { code redeemed status } } } }"
    everything = await gql(query)
    assert {e["node"]["code"] for e in everything["data"]["giftCodes"]["edges"]} == {
        seeded["alice_code"].code,
        seeded["alice_code2"].code,
    }
    redeemed = await gql(query, {"r": True})
    assert [e["node"]["code"] for e in redeemed["data"]["giftCodes"]["edges"]] == [seeded["alice_code"].code]
    unredeemed = await gql(query, {"r": False})
    assert [e["node"] for e in unredeemed["data"]["giftCodes"]["edges"]] == [
        {"code": seeded["alice_code2"].code, "redeemed": False, "status": "AVAILABLE"}
    ]
    bob = await gql(query, user=BOB)
    assert [e["node"]["code"] for e in bob["data"]["giftCodes"]["edges"]] == [seeded["bob_code"].code]


async def test_node_reaches_own_objects_only(gql, seeded):
    query = """query($id: ID!) { node(id: $id) { __typename id
        ... on Payment { amount giftCode { code } } ... on GiftCode { code redeemedBy } } }"""
    own = {
        "Payment": seeded["alice_gift_pay"].id,
        "Subscription": seeded["alice_sub"].id,
        "Invoice": seeded["alice_inv"].id,
        "GiftCode": seeded["alice_code"].id,
    }
    for type_name, pk in own.items():
        gid = ids.encode(type_name, pk)
        node = (await gql(query, {"id": gid}))["data"]["node"]
        assert node["__typename"] == type_name and node["id"] == gid
        if type_name == "Payment":
            assert node["giftCode"] == {"code": seeded["alice_code"].code}
    # The redeemer reaches the code too, and sees himself as redeemer.
    as_bob = await gql(query, {"id": ids.encode("GiftCode", seeded["alice_code"].id)}, user=BOB)
    assert as_bob["data"]["node"]["redeemedBy"] == BOB
    # Someone else's objects look exactly like missing ones.
    foreign = [
        ids.encode("Payment", seeded["bob_pay"].id),
        ids.encode("Subscription", seeded["bob_sub"].id),
        ids.encode("Invoice", seeded["bob_inv"].id),
        ids.encode("GiftCode", seeded["bob_code"].id),
        ids.encode("Payment", 999_999),
    ]
    for gid in foreign:
        assert await gql(query, {"id": gid}) == {"data": {"node": None}}


@pytest.mark.parametrize(
    "bad_id",
    ["", "not-base64!!", "UGF5bWVudA", ids.encode("Customer", 1), "VXNlcjox", "UGF5bWVudDotMQ", "x" * 500],
)
async def test_malformed_ids_are_null_not_errors(gql, seeded, bad_id):
    result = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert result == {"data": {"node": None}}
    result = await gql("query($id: ID!) { invoice(id: $id) { id } }", {"id": bad_id})
    assert result == {"data": {"invoice": None}}


async def test_gift_code_lookup_hides_redeemer_from_strangers(gql, seeded):
    query = "query($c: String!) { giftCode(code: $c) { code status redeemed redeemedBy } }"
    code = seeded["alice_code"].code
    typed = code.replace("-", "").lower()  # as typed: no dashes, any case
    stranger = await gql(query, {"c": typed}, user="user-carol")
    assert stranger["data"]["giftCode"] == {
        "code": code,
        "status": "REDEEMED",
        "redeemed": True,
        "redeemedBy": None,
    }
    assert (await gql(query, {"c": code}))["data"]["giftCode"]["redeemedBy"] == BOB
    assert (await gql(query, {"c": code}, user=BOB))["data"]["giftCode"]["redeemedBy"] == BOB


async def test_expired_gift_code_shows_expired(gql, db):
    _, code = await f.gift_purchase(ALICE, code_kw={"expires_at": NOW - timedelta(seconds=1)})
    result = await gql("query($c: String!) { giftCode(code: $c) { status redeemed } }", {"c": code.code})
    assert result["data"]["giftCode"] == {"status": "EXPIRED", "redeemed": False}


async def test_user_billing_for_admins(gql, seeded):
    query = """query($u: ID!) { userBilling(userId: $u) {
        userId purchaseRestricted restrictionReason refundCount
        premium { active source } subscription { id }
        payments(first: 10) { edges { node { userId } } }
        invoices { edges { node { id } } } } }"""
    result = await gql(query, {"u": ALICE}, user=ADMIN, admin=True)
    assert "errors" not in result, result
    ub = result["data"]["userBilling"]
    assert ub["userId"] == ALICE
    assert ub["purchaseRestricted"] is False and ub["restrictionReason"] is None
    assert ub["refundCount"] == 1
    assert ub["premium"] == {"active": True, "source": "SUBSCRIPTION"}
    assert ub["subscription"]["id"] == ids.encode("Subscription", seeded["alice_sub"].id)
    assert {e["node"]["userId"] for e in ub["payments"]["edges"]} == {ALICE}
    assert len(ub["invoices"]["edges"]) == 1

    forbidden = await gql(query, {"u": ALICE}, user=BOB)
    assert codes(forbidden) == ["FORBIDDEN"] and forbidden["data"] == {"userBilling": None}


async def test_user_billing_shows_restrictions(gql, db):
    await f.customer("user-dave", purchase_restricted=True, restriction_reason="refund abuse")
    result = await gql(
        '{ userBilling(userId: "user-dave") { purchaseRestricted restrictionReason refundCount } }',
        user=ADMIN,
        admin=True,
    )
    assert result["data"]["userBilling"] == {
        "purchaseRestricted": True,
        "restrictionReason": "refund abuse",
        "refundCount": 0,
    }


async def test_prices_are_public_with_synced_ids(gql, db):
    await f.catalog_price("premium_monthly_usd", "price_123", 499, "USD")
    result = await gql(
        "{ prices { lookupKey productType billingCycle isGift stripePriceId money { amount currency } } }",
        user=None,
    )
    prices = result["data"]["prices"]
    assert len(prices) == 24
    keys = {p["lookupKey"] for p in prices}
    assert "premium_monthly_usd" in keys and "premium_yearly_gift_jpy" in keys
    monthly_usd = next(p for p in prices if p["lookupKey"] == "premium_monthly_usd")
    assert monthly_usd == {
        "lookupKey": "premium_monthly_usd",
        "productType": "PREMIUM_MONTHLY",
        "billingCycle": "MONTHLY",
        "isGift": False,
        "stripePriceId": "price_123",
        "money": {"amount": 499, "currency": "USD"},
    }
    assert all(p["stripePriceId"] is None for p in prices if p["lookupKey"] != "premium_monthly_usd")
    jpy = await gql("{ prices(currency: JPY) { lookupKey isGift money { formatted } } }", user=None)
    assert {(p["lookupKey"], p["money"]["formatted"]) for p in jpy["data"]["prices"]} == {
        ("premium_monthly_jpy", "¥780"),
        ("premium_yearly_jpy", "¥7,800"),
        ("premium_monthly_gift_jpy", "¥780"),
        ("premium_yearly_gift_jpy", "¥7,800"),
    }


async def test_mappers_accept_model_instances_too(db):
    """Mutation payloads hold model instances; they map exactly like `.values()` rows."""
    from billing import read_queries
    from schema.types.payment import payment_from_row
    from schema.types.subscription import subscription_from_row

    pay = await f.payment(ALICE)
    row = await read_queries.payment_for(ALICE, pay.id)
    assert payment_from_row(pay, None) == payment_from_row(row, None)
    sub = await f.subscription(ALICE)
    assert subscription_from_row(sub) == subscription_from_row(
        await read_queries.subscription_for(ALICE, sub.id)
    )
