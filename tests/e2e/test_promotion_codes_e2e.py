"""Promotion codes over real HTTP (issue 17, DESIGN "Promotion codes").

Codes are made in Stripe (here through the SDK against the sandbox, as marketing would in the
Dashboard); the gateway looks them up, shows the discounted first charge, passes them to
Checkout, and shows the discount on payments, invoices and the subscription.
"""

from __future__ import annotations

from models import OutboxMessage
from tests.e2e.test_buying_e2e import CHECKOUT, checkout_input
from tests.e2e.test_manage_e2e import advance_past

MONTHLY_USD = 499

CHECK = """
query($code: String!, $product: ProductType!, $gift: Boolean! = false) {
  promotionCode(code: $code, productType: $product, isGift: $gift) {
    code valid reason originalPrice { amount } discountedPrice { amount }
    discount { code percentOff amountOff { amount } duration durationInMonths }
  }
}"""
VIEW = """
{ subscription { currentPeriodEnd discount { code percentOff duration } }
  payments { edges { node { kind status amount discount { amount } } } }
  invoices { edges { node {
    total { amount } discount { amount } lines { description amount { amount } }
  } } } }"""


async def make_code(e2e, code: str, coupon: dict, **promotion) -> str:
    stripe = e2e.world.services.stripe.v1
    made = await stripe.coupons.create_async(params=coupon)
    created = await stripe.promotion_codes.create_async(
        params={"code": code, "promotion": {"type": "coupon", "coupon": made.id}, **promotion}
    )
    return created.id


async def check(e2e, user: str, code: str, product: str = "PREMIUM_MONTHLY") -> dict:
    answer = await e2e.gateway.graphql(CHECK, {"code": code, "product": product}, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["promotionCode"]


async def checkout(e2e, user: str, code: str, **kwargs) -> dict:
    variables = checkout_input(**kwargs)
    variables["input"]["promotionCode"] = code
    answer = await e2e.gateway.graphql(CHECKOUT, variables, user=user)
    assert "errors" not in answer, answer
    return answer["data"]["createCheckout"]


async def pay(e2e, payload: dict) -> None:
    assert payload["userErrors"] == [], payload
    await e2e.world.control(
        f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"outcome": "paid"}
    )
    await e2e.flush()


async def view(e2e, user: str) -> dict:
    answer = await e2e.gateway.graphql(VIEW, user=user)
    assert "errors" not in answer, answer
    return answer["data"]


def payments(seen: dict) -> list[tuple[str, str, int, int | None]]:
    nodes = [e["node"] for e in seen["payments"]["edges"]]
    return sorted((n["kind"], n["status"], n["amount"], (n["discount"] or {}).get("amount")) for n in nodes)


async def test_a_once_code_discounts_the_first_charge_only(e2e) -> None:
    await make_code(e2e, "SPRING20", {"percent_off": 20, "duration": "once"})
    shown = await check(e2e, "promo-alice", "spring20")  # codes are case-insensitive at Stripe
    assert shown["valid"] and shown["reason"] is None
    assert shown["originalPrice"]["amount"] == MONTHLY_USD
    assert shown["discountedPrice"]["amount"] == 399  # 20 % of 4.99 is 0.998, rounded to 1.00
    assert shown["discount"] == {
        "code": "SPRING20",
        "percentOff": 20.0,
        "amountOff": None,
        "duration": "ONCE",
        "durationInMonths": None,
    }

    payload = await checkout(e2e, "promo-alice", "SPRING20")
    assert payload["payment"]["amount"] == 399
    await pay(e2e, payload)
    first = await view(e2e, "promo-alice")
    assert payments(first) == [("CHECKOUT", "COMPLETED", 399, 100)]
    (invoice,) = [e["node"] for e in first["invoices"]["edges"]]
    assert invoice["total"]["amount"] == 399 and invoice["discount"]["amount"] == 100
    assert [line["amount"]["amount"] for line in invoice["lines"]] == [MONTHLY_USD]

    await advance_past(e2e, first["subscription"]["currentPeriodEnd"])
    renewed = await view(e2e, "promo-alice")
    assert ("RENEWAL", "COMPLETED", MONTHLY_USD, None) in payments(renewed)
    assert renewed["subscription"]["discount"] is None  # a ONCE discount is used up


async def test_a_forever_code_discounts_renewals_too(e2e) -> None:
    await make_code(e2e, "LOYAL10", {"percent_off": 10, "duration": "forever"})
    await pay(e2e, await checkout(e2e, "promo-bob", "LOYAL10"))
    first = await view(e2e, "promo-bob")
    assert first["subscription"]["discount"] == {"code": "LOYAL10", "percentOff": 10.0, "duration": "FOREVER"}
    await advance_past(e2e, first["subscription"]["currentPeriodEnd"])
    renewed = await view(e2e, "promo-bob")
    assert payments(renewed) == [("CHECKOUT", "COMPLETED", 449, 50), ("RENEWAL", "COMPLETED", 449, 50)]
    assert renewed["subscription"]["discount"]["code"] == "LOYAL10"
    told = await OutboxMessage.filter(user_id="promo-bob", topic="subscription.changed").values_list(
        "payload", flat=True
    )
    assert [(m["discount"]["code"], m["discount"]["duration"]) for m in told] == [("LOYAL10", "FOREVER")]


async def test_unusable_codes_are_user_errors_and_make_no_session(e2e) -> None:
    now = int(e2e.world.services.clock.now().timestamp())
    await make_code(e2e, "SOON-OVER", {"percent_off": 50, "duration": "once"}, expires_at=now + 3600)
    await make_code(
        e2e,
        "YEARLY-ONLY",
        {"percent_off": 30, "duration": "once", "applies_to": {"products": ["bg_premium_yearly"]}},
    )
    await make_code(
        e2e,
        "NEWBIES",
        {"amount_off": 100, "currency": "usd", "duration": "once"},
        restrictions={"first_time_transaction": True},
    )
    await make_code(e2e, "EURO-OFF", {"amount_off": 100, "currency": "eur", "duration": "once"})
    await e2e.world.advance(2 * 3600)

    assert (await check(e2e, "promo-carol", "NO-SUCH-CODE"))["reason"] == "PROMOTION_CODE_INVALID"
    assert (await check(e2e, "promo-carol", "SOON-OVER"))["reason"] == "PROMOTION_CODE_EXPIRED"
    assert (await check(e2e, "promo-carol", "YEARLY-ONLY"))["reason"] == "PROMOTION_CODE_NOT_APPLICABLE"
    assert (await check(e2e, "promo-carol", "YEARLY-ONLY", "PREMIUM_YEARLY"))["valid"]
    assert (await check(e2e, "promo-carol", "EURO-OFF"))["reason"] == "PROMOTION_CODE_NOT_APPLICABLE"
    assert (await check(e2e, "promo-carol", "NEWBIES"))["valid"]

    started = int(e2e.world.services.clock.now().timestamp())
    for code, reason in [
        ("NO-SUCH-CODE", "PROMOTION_CODE_INVALID"),
        ("SOON-OVER", "PROMOTION_CODE_EXPIRED"),
        ("YEARLY-ONLY", "PROMOTION_CODE_NOT_APPLICABLE"),
    ]:
        refused = await checkout(e2e, "promo-carol", code)
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            (reason, ["input", "promotionCode"])
        ]
        assert refused["sessionId"] is None and refused["payment"] is None
    assert payments(await view(e2e, "promo-carol")) == []  # no checkout was started
    made = await e2e.world.services.stripe.v1.checkout.sessions.list_async(
        params={"created": {"gte": started}, "limit": 100}
    )
    assert made.data == []  # Stripe was never asked for a session

    # First purchase only: a user who has paid before cannot use it.
    await pay(e2e, await checkout(e2e, "promo-carol", "YEARLY-ONLY", product="PREMIUM_YEARLY"))
    assert (await check(e2e, "promo-carol", "NEWBIES"))["reason"] == "PROMOTION_CODE_NOT_APPLICABLE"


async def test_guessing_codes_is_rate_limited(e2e) -> None:
    """REDEEM_RATE_LIMIT (10 a window) is shared with gift codes: guesses spend it."""
    limited = None
    for n in range(12):
        answer = await e2e.gateway.graphql(
            CHECK, {"code": f"GUESS-{n}", "product": "PREMIUM_MONTHLY"}, user="promo-guesser"
        )
        if "errors" in answer:
            limited = answer["errors"][0]["extensions"]["code"]
            break
        assert answer["data"]["promotionCode"]["valid"] is False
    assert limited == "RATE_LIMITED" and n == 10
    refused = await checkout(e2e, "promo-guesser", "ANOTHER-GUESS")
    assert [e["code"] for e in refused["userErrors"]] == ["RATE_LIMITED"]
    # A redeemGift guess is refused too: the allowance is the same.
    redeem = await e2e.gateway.graphql(
        'mutation { redeemGift(input: {code: "AAAA-BBBB-CCCC-DDDD"}) { userErrors { code } } }',
        user="promo-guesser",
    )
    assert [e["code"] for e in redeem["data"]["redeemGift"]["userErrors"]] == ["RATE_LIMITED"]
