"""The hosted checkout page in a real browser (headless Chromium from the Debian package).

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and the ``playwright``
Python package; it never downloads a browser (no ``playwright install``).
"""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer
from tests.browser import browser_marks, launch, playwright_api

from .conftest import Catalog

pytestmark = [
    *browser_marks,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


@pytest.mark.parametrize("method", ["card", "card_3ds", "sepa_debit"])
async def test_checkout_in_a_browser_lands_on_success_url(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog, method: str
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "browser@example.com"})
    # success_url points back at the sandbox so the browser can actually load it.
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
            "success_url": f"{sandbox.base_url}/?paid={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{sandbox.base_url}/?cancelled=1",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
        }
    )
    async with playwright_api.async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await browser.new_page()
            await page.goto(session.url)
            assert "€9.99" in await page.inner_text("#amount")
            await page.check(f"input[name=method][value={method}]")
            await page.select_option("select[name=country]", "DE")
            await page.click("#pay")
            if method == "card_3ds":
                await page.wait_for_selector("#authenticate")
                await page.click("#authenticate")
            await page.wait_for_url(f"**/?paid={session.id}")
        finally:
            await browser.close()
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert session.status == "complete"
    assert session.payment_status == ("unpaid" if method == "sepa_debit" else "paid")
    assert session.total_details.amount_tax == 160


async def test_cancel_link_goes_to_cancel_url(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "line_items": [{"price": catalog.gift_jpy.id, "quantity": 1}],
            "success_url": f"{sandbox.base_url}/?paid=1",
            "cancel_url": f"{sandbox.base_url}/?cancelled=1",
        }
    )
    async with playwright_api.async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await browser.new_page()
            await page.goto(session.url)
            assert "¥1,500" in await page.inner_text("#amount")
            await page.click("#cancel")
            await page.wait_for_url("**/?cancelled=1")
        finally:
            await browser.close()
