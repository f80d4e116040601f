"""The reference web client (web/) in a real browser, against `serve` with WEB_APP=true and the sandbox.

One buyer and one friend, as people would use it: the buyer pastes a token,
subscribes monthly with the card that succeeds and comes back to the client's
success page while Stripe's (the sandbox's) webhooks are still held back, so
the page first waits and then shows Premium turning active over its websocket,
without a reload and without asking the API again; cancels with a reason and
sees "will cancel", reactivates, changes the card, finds the payment in the
history (with "Load more"), downloads the invoice PDF, and buys a gift code
that the friend looks up and redeems in their own browser.

Chromium is Debian's (tests/browser.py). Everything the pages load comes from
this machine.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.web_app import web_operations
from models.enums import PaymentStatus
from tests import factories
from tests.browser import browser_marks, launch, playwright_api

pytestmark = browser_marks

WAIT = 20_000  # ms, for anything that crosses the sandbox and the webhooks
PAGE_SIZE = 10  # web/app.js


class Watch:
    """What a page did: requests off this machine, script errors, GraphQL over HTTP and websocket."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.base_url = base_url
        self.offline: list[str] = []
        self.errors: list[str] = []
        self.timeline: list[tuple[str, str]] = []  # ("http", operationName) | ("ws", frame) | ("mark", …)
        page.on("request", self._request)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, frame: str) -> None:
        self.timeline.append(("ws", frame))

    def _request(self, request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
            self.offline.append(request.url)
        if request.url == f"{self.base_url}/graphql" and request.method == "POST":
            self.timeline.append(("http", json.loads(request.post_data)["operationName"]))

    def _console(self, message: Any) -> None:
        if message.type == "error" and (message.location or {}).get("url", "").startswith(self.base_url):
            self.errors.append(message.text)

    def mark(self, what: str) -> None:
        self.timeline.append(("mark", what))

    def since(self, what: str) -> list[tuple[str, str]]:
        return self.timeline[self.timeline.index(("mark", what)) :]


async def sign_in(page: Any, base_url: str, token: str) -> None:
    await page.goto(f"{base_url}/")
    await page.fill("#token", token)  # serve's page holds no token: the sign-in form shows
    await page.click("#token-form button[type=submit]")
    await page.wait_for_selector("#premium[data-active=false]", timeout=WAIT)


async def pay_on_checkout_page(page: Any) -> None:
    """The sandbox's Checkout page, as the banner tells a newcomer: the card that succeeds."""
    await page.wait_for_selector("#pay", timeout=WAIT)
    await page.check("input[name=method][value=card]")
    await page.click("#pay")


async def test_buy_cancel_reactivate_history_invoice_and_a_gift_in_the_reference_client(
    e2e: Any,
) -> None:
    gateway, base = e2e.gateway, e2e.gateway.base_url
    buyer, friend = "web-buyer", "web-friend"
    for days in range(PAGE_SIZE):  # older abandoned checkouts: the history has more than a page
        await factories.payment(
            buyer, status=PaymentStatus.EXPIRED, created_at=factories.NOW - timedelta(days=30 + days)
        )

    async with playwright_api.async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await (await browser.new_context(accept_downloads=True)).new_page()
            watch = Watch(page, base)
            await sign_in(page, base, gateway.token(buyer))

            # The browser cuts operations.graphql exactly where graphql-core does (manifests agree).
            split = await page.evaluate(
                """async () => {
                    const { splitOperations } = await import('/web/graphql.js');
                    const text = await (await fetch('/web/operations.graphql')).text();
                    return Object.fromEntries(splitOperations(text));
                }"""
            )
            assert split == web_operations()

            # 1. Subscribe monthly in euros; Stripe's news is late, so the buyer is back first.
            await page.select_option("#currency", "EUR")
            await page.wait_for_selector(".price[data-lookup-key=premium_monthly_eur]", timeout=WAIT)
            await e2e.world.control("/_sandbox/webhooks/hold", {"hold": True})
            try:
                await page.click("button[data-product=PREMIUM_MONTHLY][data-gift=false]")
                await pay_on_checkout_page(page)
                await page.wait_for_url(f"{base}/success?session_id=cs_*", timeout=WAIT)
                await page.wait_for_selector("#notice[data-state=waiting]", timeout=WAIT)
                await page.wait_for_selector("#live-status[data-status=live]", timeout=WAIT)
                assert await page.get_attribute("#premium", "data-active") == "false"
                await page.evaluate("window.sameDocument = true")
                watch.mark("released")
            finally:
                await e2e.world.control("/_sandbox/webhooks/hold", {"hold": False})
            await page.wait_for_selector("#notice[data-state=premium-active]", timeout=WAIT)
            assert "Premium is active" in await page.inner_text("#notice")
            assert await page.evaluate("window.sameDocument") is True, "the page was reloaded"
            # It came over the websocket: no read of premium over HTTP before the frame that said so.
            after = watch.since("released")
            first_active = next(
                i for i, (kind, data) in enumerate(after) if kind == "ws" and '"active":true' in data
            )
            assert ("http", "Account") not in after[:first_active], after
            assert "premiumChanged" in after[first_active][1]

            # 2. Cancel with a reason and feedback: "will cancel"; then reactivate.
            await page.select_option("#cancel-reason", "TOO_EXPENSIVE")
            await page.fill("#cancel-feedback", "Trying the free plan for a while.")
            await page.click("#cancel-form button[type=submit]")
            await page.wait_for_selector("#premium[data-will-cancel=true]", timeout=WAIT)
            assert "will cancel" in await page.inner_text("#premium")
            view = await gateway.graphql(
                "{ subscription { cancelAtPeriodEnd cancellationReason cancellationFeedback } }", user=buyer
            )
            assert view["data"]["subscription"] == {
                "cancelAtPeriodEnd": True,
                "cancellationReason": "TOO_EXPENSIVE",
                "cancellationFeedback": "Trying the free plan for a while.",
            }
            await page.click("#reactivate")
            await page.wait_for_selector("#premium[data-will-cancel=false]", timeout=WAIT)
            assert "renews on" in await page.inner_text("#premium")

            # 3. The payment in the history, the older ones behind "Load more".
            first = page.locator("#payments tr").first
            assert await first.get_attribute("data-status") == "COMPLETED"
            assert "€4.99" in await first.inner_text() and "Premium monthly" in await first.inner_text()
            assert await page.locator("#payments tr").count() == PAGE_SIZE
            await page.click("#payments-more")
            await page.wait_for_selector(f"#payments tr:nth-child({PAGE_SIZE + 1})", timeout=WAIT)
            assert await page.locator("#payments tr").count() == PAGE_SIZE + 1
            assert await page.is_hidden("#payments-more")

            # 4. The invoice's PDF downloads, and it is a PDF.
            await page.wait_for_selector("#invoices tr[data-status=PAID] button", timeout=WAIT)
            async with page.expect_download(timeout=WAIT) as download_info:
                await page.click("#invoices tr[data-status=PAID] button")
            download = await download_info.value
            pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
            assert pdf.startswith(b"%PDF-"), pdf[:40]
            assert download.suggested_filename.endswith(".pdf")

            # 5. Change the card: Stripe's page, saved, and back to the client.
            await page.click("#change-card")
            await pay_on_checkout_page(page)
            await page.wait_for_url(f"{base}/", timeout=WAIT)
            await page.wait_for_selector("#notice:not([hidden])", timeout=WAIT)
            assert "card" in await page.inner_text("#notice")

            # 6. A 12-month gift: back on the success page, its code appears.
            await page.click("button[data-product=PREMIUM_YEARLY][data-gift=true]")
            await pay_on_checkout_page(page)
            await page.wait_for_url(f"{base}/success?session_id=cs_*", timeout=WAIT)
            await page.wait_for_selector("#notice[data-state=gift-ready]", timeout=WAIT)
            code = (await page.inner_text("#bought-gift-code")).strip()
            assert watch.offline == [] and watch.errors == [], (watch.offline, watch.errors)

            # 7. The friend, in their own browser: looks the code up, redeems it, has Premium.
            friend_page = await (await browser.new_context()).new_page()
            friend_watch = Watch(friend_page, base)
            await sign_in(friend_page, base, gateway.token(friend))
            await friend_page.fill("#gift-code", code)
            await friend_page.click("#gift-lookup")
            await friend_page.wait_for_selector("#gift-result [data-result=AVAILABLE]", timeout=WAIT)
            assert "12 months of Premium yearly" in await friend_page.inner_text("#gift-result")
            await friend_page.click("#gift-redeem")
            await friend_page.wait_for_selector("#gift-result [data-result=redeemed]", timeout=WAIT)
            await friend_page.wait_for_selector("#premium[data-active=true][data-source=GIFT]", timeout=WAIT)
            assert friend_watch.offline == [] and friend_watch.errors == []
        finally:
            await browser.close()

    await e2e.flush()
    gift = await gateway.graphql("{ premium { active source } }", user=friend)
    assert gift["data"]["premium"] == {"active": True, "source": "GIFT"}
