"""Hosted pages over plain HTTP: checkout form, 3-D Secure step, portal, invoice page and PDF."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _session(client: stripe.StripeClient, catalog: Catalog, **extra: object) -> object:
    customer = await client.v1.customers.create_async(params={"email": "page@example.com"})
    return await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
            "success_url": "https://app.example/ok?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
            **extra,
        }
    )


async def test_checkout_page_pay_redirects_to_success_url(
    client: stripe.StripeClient, catalog: Catalog
) -> None:
    session = await _session(client, catalog)
    async with httpx.AsyncClient() as http:
        page = await http.get(session.url)
        assert page.status_code == 200
        for text in ("€9.99", "EUR", "card_declined", "card_3ds", "sepa_debit", "app.example/cancel"):
            assert text in page.text
        declined = await http.post(f"{session.url}/pay", data={"method": "card_declined", "country": "FR"})
        assert declined.status_code == 200 and "declined" in declined.text
        challenge = await http.post(f"{session.url}/pay", data={"method": "card_3ds", "country": "FR"})
        assert "3-D Secure" in challenge.text
        done = await http.post(f"{session.url}/authenticate", data={"result": "complete", "country": "FR"})
        assert done.status_code == 303
        assert done.headers["location"] == f"https://app.example/ok?session={session.id}"
        again = await http.get(session.url)
        assert again.status_code == 303  # a completed session sends the buyer on
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert session.status == "complete"
    assert session.total_details.amount_tax == 166  # 999 incl. 20 % FR VAT


async def test_portal_changes_the_card_and_returns(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer, done = await subscribe(client, sandbox, catalog.monthly_eur)
    portal = await client.v1.billing_portal.sessions.create_async(
        params={"customer": customer.id, "return_url": "https://app.example/account"}
    )
    assert portal.url == f"{sandbox.base_url}/billing_portal/{portal.id}"
    async with httpx.AsyncClient() as http:
        page = await http.get(portal.url)
        assert page.status_code == 200 and "Change card" in page.text
        saved = await http.post(f"{portal.url}/card", data={"method": "card"})
    assert saved.status_code == 303 and saved.headers["location"] == "https://app.example/account"
    customer = await client.v1.customers.retrieve_async(customer.id)
    pm_id = customer.invoice_settings.default_payment_method
    assert pm_id is not None
    sub = await client.v1.subscriptions.retrieve_async(done["subscription"])
    assert sub.default_payment_method == pm_id


async def test_hosted_invoice_page_and_pdf(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _, done = await subscribe(client, sandbox, catalog.monthly_eur, country="GB")
    invoice = await client.v1.invoices.retrieve_async(done["invoice"])
    assert invoice.hosted_invoice_url == f"{sandbox.base_url}/invoices/{invoice.id}"
    async with httpx.AsyncClient() as http:
        page = await http.get(invoice.hosted_invoice_url)
        assert page.status_code == 200 and invoice.number in page.text and "paid" in page.text
        pdf = await http.get(invoice.invoice_pdf)
        missing = await http.get(f"{sandbox.base_url}/invoices/in_missing/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert len(pdf.content) > 1000
    assert missing.status_code == 404


async def test_expired_session_page(client: stripe.StripeClient, catalog: Catalog) -> None:
    session = await _session(client, catalog)
    await client.v1.checkout.sessions.expire_async(session.id)
    async with httpx.AsyncClient() as http:
        page = await http.get(session.url)
    assert page.status_code == 410
