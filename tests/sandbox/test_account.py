"""The sandbox account: which payment methods a Checkout page offers, and where tax is collected.

Stripe's rules as the sandbox follows them (stripe_sandbox/account.py): a method is
offered when the account has it on and it suits the account's country, the
currency and the mode; tax is collected only where the account is registered
(`not_collecting` elsewhere) and an EU business with a valid VAT number in another
member state is reverse-charged.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.testing import ControlError, SandboxServer
from tests.pdf_text import pdf_text

from .conftest import Catalog, Receiver, assert_shape, settle_webhooks

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _price(client: stripe.StripeClient, currency: str, amount: int, recurring: bool = False) -> Any:
    product = await client.v1.products.create_async(params={"name": f"Premium {currency}"})
    extra = {"recurring": {"interval": "month"}} if recurring else {}
    return await client.v1.prices.create_async(
        params={
            "product": product.id,
            "currency": currency,
            "unit_amount": amount,
            "tax_behavior": "inclusive",
            **extra,
        }
    )


async def _session(
    client: stripe.StripeClient, price: Any, mode: str, customer: str | None = None, **extra: Any
) -> Any:
    if customer is None:
        customer = (await client.v1.customers.create_async(params={"email": "m@example.com"})).id
    return await client.v1.checkout.sessions.create_async(
        params={
            "mode": mode,
            "customer": customer,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
            **extra,
        }
    )


async def test_offered_methods_follow_account_currency_and_mode(
    client: stripe.StripeClient, catalog: Catalog, account: Any
) -> None:
    eur_gift = await _price(client, "eur", 999)
    gbp_monthly = await _price(client, "gbp", 899, recurring=True)
    # The default account is Irish: PayPal and SEPA for euros, bank transfers only for one-time payments.
    subscription = await _session(client, catalog.monthly_eur, "subscription")
    assert subscription.payment_method_types == ["card", "link", "paypal", "sepa_debit"]
    gift = await _session(client, eur_gift, "payment")
    assert gift.payment_method_types == ["card", "link", "paypal", "sepa_debit", "customer_balance"]
    jpy = await _session(client, catalog.gift_jpy, "payment")
    assert jpy.payment_method_types == ["card", "link"]  # no PayPal in yen, no yen transfers on an EU account
    assert (await _session(client, gbp_monthly, "subscription")).payment_method_types == [
        "card",
        "link",
        "paypal",
    ]  # Bacs needs a UK account
    narrowed = await _session(
        client, eur_gift, "payment", allowed_payment_method_types=["card", "paypal", "bacs_debit"]
    )
    assert narrowed.payment_method_types == ["card", "paypal"]
    excluded = await _session(client, eur_gift, "payment", excluded_payment_method_types=["paypal"])
    assert "paypal" not in excluded.payment_method_types

    await account(country="GB", payment_methods=["card", "paypal", "bacs_debit", "au_becs_debit"])
    assert (await _session(client, gbp_monthly, "subscription")).payment_method_types == [
        "card",
        "paypal",
        "bacs_debit",
    ]
    await account(country="US", payment_methods=["card", "paypal", "sepa_debit"])
    assert (await _session(client, catalog.monthly_usd, "subscription")).payment_method_types == ["card"]
    with pytest.raises(ControlError) as refused:
        await account(payment_methods=["card", "sofort_magic"])
    assert refused.value.status == 400 and "sofort_magic" in refused.value.body["error"]["message"]


async def test_the_page_offers_only_what_the_session_offers_and_paypal_needs_approval(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    eur = await _session(client, catalog.monthly_eur, "subscription")
    jpy = await _session(client, catalog.gift_jpy, "payment")
    async with httpx.AsyncClient() as http:
        page = (await http.get(eur.url)).text
        assert "value='paypal'" in page and "value='sepa_debit'" in page
        assert "value='bank_transfer'" not in page  # a subscription: no bank transfer
        assert "value='paypal'" not in (await http.get(jpy.url)).text
        refused = await http.post(f"{jpy.url}/pay", data={"method": "paypal", "country": "JP"})
        assert "Choose a payment method" in refused.text
        approval = await http.post(f"{eur.url}/pay", data={"method": "paypal", "country": "DE"})
        assert "id='approve'" in approval.text
        assert (await client.v1.checkout.sessions.retrieve_async(eur.id)).status == "open"
        declined = await http.post(f"{eur.url}/paypal", data={"result": "cancel", "country": "DE"})
        assert "not approved" in declined.text
        done = await http.post(f"{eur.url}/paypal", data={"result": "approve", "country": "DE"})
        assert done.status_code == 303 and done.headers["location"] == "https://app.example/ok"
    session = await client.v1.checkout.sessions.retrieve_async(
        eur.id,
        params={"expand": ["invoice.payments.data.payment"]},  # Stripe's limit: 4 levels
    )
    assert session.status == "complete" and session.payment_status == "paid"
    intent = await client.v1.payment_intents.retrieve_async(
        session.invoice.payments.data[0].payment.payment_intent, params={"expand": ["latest_charge"]}
    )
    charge = intent.latest_charge
    assert charge.payment_method_details.type == "paypal" and charge.status == "succeeded"
    assert_shape(session.to_dict())


@pytest.mark.parametrize("arrives", [True, False])
async def test_bank_transfer_waits_for_the_funds(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, arrives: bool
) -> None:
    gift = await _price(client, "eur", 1999)
    session = await _session(
        client,
        gift,
        "payment",
        invoice_creation={"enabled": True},
        payment_intent_data={"metadata": {"a": "b"}},
    )
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"method": "bank_transfer", "country": "DE"}
    )
    assert (done["status"], done["payment_status"]) == ("complete", "unpaid")
    pi = await client.v1.payment_intents.retrieve_async(done["payment_intent"])
    assert pi.status == "requires_action" and pi.latest_charge is None
    instructions = pi.next_action.display_bank_transfer_instructions
    assert (instructions.amount_remaining, instructions.currency, instructions.type) == (
        1999,
        "eur",
        "eu_bank_transfer",
    )
    await sandbox.acontrol(f"/_sandbox/payment_intents/{pi.id}/settle", {"succeeded": arrives})
    pi = await client.v1.payment_intents.retrieve_async(pi.id, params={"expand": ["latest_charge"]})
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    await settle_webhooks(sandbox)
    types = [e["type"] for e in receiver.events if e["data"]["object"].get("id") in (pi.id, session.id)]
    if arrives:
        assert pi.status == "succeeded" and pi.latest_charge.payment_method_details.type == "customer_balance"
        assert session.payment_status == "paid" and session.invoice
        assert types[-1] == "checkout.session.async_payment_succeeded"
    else:
        assert (pi.status, pi.cancellation_reason) == ("canceled", "expired")
        assert session.payment_status == "unpaid"
        assert types[-2:] == ["payment_intent.canceled", "checkout.session.async_payment_failed"]
    card = await _session(client, gift, "payment")
    paid = await sandbox.acontrol(f"/_sandbox/checkout/sessions/{card.id}/complete", {"method": "card"})
    with pytest.raises(ControlError):  # a card payment is not waiting for anything: nothing to settle
        await sandbox.acontrol(f"/_sandbox/payment_intents/{paid['payment_intent']}/settle", {})


async def _taxes(client: stripe.StripeClient, invoice_id: str) -> list[tuple[int, str, str | None]]:
    invoice = await client.v1.invoices.retrieve_async(
        invoice_id, params={"expand": ["total_taxes.tax_rate_details.tax_rate"]}
    )
    return [(t.amount, t.taxability_reason, t.tax_rate_details.tax_rate.country) for t in invoice.total_taxes]


async def test_tax_only_where_registered_and_reverse_charge_for_eu_businesses(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog, account: Any
) -> None:
    await account(country="DE", tax_registrations=["DE"])

    async def buy(country: str, **buyer: Any) -> dict[str, Any]:
        session = await _session(
            client, catalog.monthly_eur, "subscription", tax_id_collection={"enabled": True}
        )
        return await sandbox.acontrol(
            f"/_sandbox/checkout/sessions/{session.id}/complete",
            {"method": "card", "country": country, **buyer},
        )

    german = await buy("DE")
    assert german["total_details"]["amount_tax"] == 160  # 999 incl. 19 %
    assert await _taxes(client, german["invoice"]) == [(160, "standard_rated", "DE")]
    brazilian = await buy("BR")
    assert brazilian["total_details"]["amount_tax"] == 0
    assert await _taxes(client, brazilian["invoice"]) == [(0, "not_collecting", "BR")]
    consumer = await buy("FR")  # a French consumer: not registered in France
    assert await _taxes(client, consumer["invoice"]) == [(0, "not_collecting", "FR")]
    business = await buy(
        "FR", tax_id={"type": "eu_vat", "value": "FR 40303265045"}, business_name="Exemple SARL"
    )
    assert business["customer_details"]["tax_ids"] == [{"type": "eu_vat", "value": "FR40303265045"}]
    assert business["customer_details"]["business_name"] == "Exemple SARL"
    assert await _taxes(client, business["invoice"]) == [(0, "reverse_charge", "FR")]
    invoice = await client.v1.invoices.retrieve_async(business["invoice"])
    assert [(t.type, t.value) for t in invoice.customer_tax_ids] == [("eu_vat", "FR40303265045")]
    tax_ids = await client.v1.customers.tax_ids.list_async(business["customer"])
    assert [(t.value, t.verification.status) for t in tax_ids.data] == [("FR40303265045", "verified")]
    assert_shape(tax_ids.to_dict())
    async with httpx.AsyncClient() as http:
        pdf = pdf_text((await http.get(invoice.invoice_pdf)).content)
        page = (await http.get(invoice.hosted_invoice_url)).text
        german_pdf = pdf_text(
            (await http.get((await client.v1.invoices.retrieve_async(german["invoice"])).invoice_pdf)).content
        )
    assert "Reverse charge" in pdf and "FR40303265045" in pdf
    assert "Reverse charge" in page
    assert "Reverse charge" not in german_pdf
    # The next invoices of that customer are reverse-charged too (Stripe Tax reads the saved tax id).
    subscription = await client.v1.subscriptions.retrieve_async(business["subscription"])
    await sandbox.acontrol(
        "/_sandbox/clock/advance",
        {"seconds": subscription["items"].data[0].current_period_end - invoice.created + 7200},
    )
    renewal = (await client.v1.invoices.list_async(params={"subscription": subscription.id})).data[0]
    assert renewal.billing_reason == "subscription_cycle"
    assert await _taxes(client, renewal.id) == [(0, "reverse_charge", "FR")]
    # A German business pays German VAT (no reverse charge at home); a made-up number is refused.
    domestic = await buy("DE", tax_id={"type": "eu_vat", "value": "DE123456789"})
    assert await _taxes(client, domestic["invoice"]) == [(160, "standard_rated", "DE")]
    with pytest.raises(ControlError) as invalid:
        await buy("FR", tax_id={"type": "eu_vat", "value": "FR00000000000"})
    assert invalid.value.body["error"]["code"] == "tax_id_invalid"
