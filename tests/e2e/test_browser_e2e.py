"""The whole path in a real browser: GraphiQL runs a query; the checkout page is paid by clicking;
the user lands back on success_url; premium is active.

GraphiQL's assets are served by the gateway itself, so this works with no internet.
"""

from __future__ import annotations

from tests.browser import browser_marks, launch, playwright_api

pytestmark = browser_marks

CHECKOUT = """
mutation($input: CreateCheckoutInput!) {
  createCheckout(input: $input) { checkoutUrl sessionId userErrors { code message } }
}"""


async def test_graphiql_then_checkout_by_clicking_then_premium(e2e) -> None:
    gateway = e2e.gateway
    async with playwright_api.async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await browser.new_page()
            offline_requests: list[str] = []
            page.on(
                "request",
                lambda r: (
                    offline_requests.append(r.url)
                    if not r.url.startswith(("http://127.0.0.1", "data:"))
                    else None
                ),
            )
            # 1. GraphiQL loads (from the gateway alone) and runs a public query.
            query = "{ prices(currency: EUR) { lookupKey money { formatted } } }"
            await page.goto(f"{gateway.base_url}/graphql")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20_000)
            await page.evaluate(
                "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
                query,
            )
            await page.click(".graphiql-execute-button")
            await page.wait_for_function(
                "() => document.querySelector('.result-window')?.innerText.includes('premium_monthly_eur')",
                timeout=20_000,
            )
            assert "€4.99" in await page.inner_text(".result-window")
            assert offline_requests == [], "GraphiQL must not need the internet"

            # 2. A checkout made through the API, paid by clicking on Stripe's (the sandbox's) page.
            success = f"{gateway.base_url}/healthz?checkout=done"
            answer = await gateway.graphql(
                CHECKOUT,
                {
                    "input": {
                        "productType": "PREMIUM_MONTHLY",
                        "currency": "EUR",
                        "successUrl": success,
                        "cancelUrl": f"{gateway.base_url}/healthz?checkout=cancel",
                    }
                },
                user="browser-user",
            )
            payload = answer["data"]["createCheckout"]
            assert payload["userErrors"] == []
            await page.goto(payload["checkoutUrl"])
            await page.check("input[name=method][value=card]")
            await page.select_option("select[name=country]", "DE")
            await page.click("#pay")
            await page.wait_for_url("**/healthz?checkout=done", timeout=20_000)
        finally:
            await browser.close()

    # 3. The webhooks land and premium is active.
    await e2e.flush()
    view = await gateway.graphql("{ premium { active source } subscription { status } }", user="browser-user")
    assert view["data"]["premium"] == {"active": True, "source": "SUBSCRIPTION"}
    assert view["data"]["subscription"]["status"] == "ACTIVE"
