"""Tax where the Stripe account is registered, and the payment methods its Checkout page offers.

The gateway runs as a `serve` process; the Stripe account's country, tax
registrations and switched-on methods are set through the sandbox's control
API (`/_sandbox/account`); buyers pay on the hosted page or through the control
API, and everything the user sees comes back over GraphQL and the gateway's
invoice route.
"""

from __future__ import annotations

import httpx

from tests.e2e.test_buying_e2e import CHECKOUT, checkout_input
from tests.pdf_text import pdf_text

INVOICES = """
{ payments { edges { node { status } } }
  invoices { edges { node { id downloadUrl tax { amount } total { amount }
    taxBreakdown { amount { amount } ratePercent jurisdiction inclusive taxabilityReason } } } } }"""


async def start(e2e, user: str, **kwargs) -> dict:
    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(**kwargs), user=user)
    payload = answer["data"]["createCheckout"]
    assert payload["userErrors"] == [], payload
    return payload


async def bought(e2e, user: str, **pay) -> dict:
    payload = await start(e2e, user, currency="EUR")
    await e2e.world.control(
        f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete", {"method": "card", **pay}
    )
    await e2e.flush()
    answer = await e2e.gateway.graphql(INVOICES, user=user)
    (invoice,) = [edge["node"] for edge in answer["data"]["invoices"]["edges"]]
    assert [e["node"]["status"] for e in answer["data"]["payments"]["edges"]] == ["COMPLETED"]
    return invoice


async def test_tax_is_collected_only_where_registered_and_reverse_charged_for_eu_businesses(
    e2e, account
) -> None:
    await account(country="DE", tax_registrations=["DE"])
    german = await bought(e2e, "tax-de", country="DE")
    assert (german["total"]["amount"], german["tax"]["amount"]) == (499, 80)
    assert german["taxBreakdown"] == [
        {
            "amount": {"amount": 80},
            "ratePercent": "19",
            "jurisdiction": "DE",
            "inclusive": True,
            "taxabilityReason": "standard_rated",
        }
    ]
    brazilian = await bought(e2e, "tax-br", country="BR")
    assert (brazilian["total"]["amount"], brazilian["tax"]["amount"]) == (499, 0)
    assert [
        (t["amount"]["amount"], t["jurisdiction"], t["taxabilityReason"]) for t in brazilian["taxBreakdown"]
    ] == [(0, "BR", "not_collecting")]
    french = await bought(
        e2e,
        "tax-fr-business",
        country="FR",
        tax_id={"type": "eu_vat", "value": "FR40303265045"},
        business_name="Exemple SARL",
    )
    assert french["tax"]["amount"] == 0
    assert [(t["jurisdiction"], t["taxabilityReason"]) for t in french["taxBreakdown"]] == [
        ("FR", "reverse_charge")
    ]

    async with httpx.AsyncClient(timeout=30) as http:
        french_pdf = pdf_text((await http.get(french["downloadUrl"])).content)
        german_pdf = pdf_text((await http.get(german["downloadUrl"])).content)
    assert "Reverse charge" in french_pdf and "FR40303265045" in french_pdf
    assert "Reverse charge" not in german_pdf


async def test_a_euro_checkout_page_offers_paypal_and_sepa_and_paypal_goes_through(e2e) -> None:
    euro = await start(e2e, "pm-eur", currency="EUR")
    yen = await start(e2e, "pm-jpy", currency="JPY", gift=True)
    async with httpx.AsyncClient(timeout=30) as http:
        page = (await http.get(euro["checkoutUrl"])).text
        assert "value='paypal'" in page and "value='sepa_debit'" in page and "value='card'" in page
        assert "value='paypal'" not in (await http.get(yen["checkoutUrl"])).text  # no PayPal in yen
        approval = await http.post(f"{euro['checkoutUrl']}/pay", data={"method": "paypal", "country": "DE"})
        assert "id='approve'" in approval.text
        done = await http.post(f"{euro['checkoutUrl']}/paypal", data={"result": "approve", "country": "DE"})
        assert done.status_code == 303 and done.headers["location"] == "http://localhost:3000/done"
    await e2e.flush()
    view = (
        await e2e.gateway.graphql(
            "{ premium { active } payments { edges { node { status } } } }", user="pm-eur"
        )
    )["data"]
    assert view["premium"]["active"] and view["payments"]["edges"][0]["node"]["status"] == "COMPLETED"
    # The gateway sent no list of its own: the session offers what the account has on for euros.
    session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(euro["sessionId"])
    assert session.payment_method_types == ["card", "link", "paypal", "sepa_debit"]


async def test_the_gateway_promises_only_what_the_account_can_offer(e2e, account) -> None:
    await account(country="US", payment_methods=["card", "link", "paypal", "sepa_debit", "bacs_debit"])
    pounds = await start(e2e, "pm-us-gbp", currency="GBP")
    session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(pounds["sessionId"])
    assert session.payment_method_types == ["card", "link"]  # a US account: no PayPal, no Bacs
    async with httpx.AsyncClient(timeout=30) as http:
        page = (await http.get(pounds["checkoutUrl"])).text
    assert "value='paypal'" not in page and "Bacs" not in page


async def test_a_bank_transfer_completes_when_the_funds_arrive_and_expires_when_they_do_not(e2e) -> None:
    views = {}
    for user, arrives in (("bt-arrives", True), ("bt-never", False)):
        payload = await start(e2e, user, currency="EUR", gift=True)
        session = await e2e.world.control(
            f"/_sandbox/checkout/sessions/{payload['sessionId']}/complete",
            {"method": "bank_transfer", "country": "DE"},
        )
        await e2e.flush()
        query = "{ payments { edges { node { status giftCode { status } } } } }"
        waiting = (await e2e.gateway.graphql(query, user=user))["data"]["payments"]["edges"][0]["node"]
        assert waiting == {"status": "AWAITING_SETTLEMENT", "giftCode": None}
        await e2e.world.control(
            f"/_sandbox/payment_intents/{session['payment_intent']}/settle", {"succeeded": arrives}
        )
        await e2e.flush()
        views[user] = (await e2e.gateway.graphql(query, user=user))["data"]["payments"]["edges"][0]["node"]
    assert views["bt-arrives"] == {"status": "COMPLETED", "giftCode": {"status": "AVAILABLE"}}
    assert views["bt-never"] == {"status": "EXPIRED", "giftCode": None}
