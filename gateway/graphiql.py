"""GraphiQL served entirely from this gateway, so the explorer works with no internet.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from a
CDN. The exact same files (their `integrity` hashes still match) are vendored
under `gateway/static/vendor/`, taken from the npm registry, and the page is
rewritten to load them from `/static/vendor/`.

In `dev` the page also opens ready to use: the demo user's token in every tab's
headers, and the README's example operations (`EXAMPLES`, texts from the web
client's `web/operations.graphql`) in tabs. GraphiQL 3.8 takes these as its
`defaultTabs` and `defaultHeaders` props; it uses them when the browser has no
tabs stored from an earlier visit (it keeps tabs in localStorage), and a small
script swaps an earlier run's demo token for the current one in those stored
tabs. `serve` never builds this page: only `dev` has a token to put in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

from gateway.web_app import DemoSession, json_for_html, web_operations

CDN = "https://unpkg.com/"
VENDOR_PATH = "/static/vendor/"
VENDOR_DIR = Path(__file__).with_name("static") / "vendor"

# The README's "Example operations", in order: (operation in web/operations.graphql, variables).
# `{origin}` stands for the gateway's own origin (dev's web client is there).
EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Account", {}),
    ("Prices", {"currency": "EUR"}),
    (
        "BuyPremium",
        {
            "input": {
                "productType": "PREMIUM_MONTHLY",
                "currency": "EUR",
                "successUrl": "{origin}/success?session_id={CHECKOUT_SESSION_ID}",
                "cancelUrl": "{origin}/?checkout=cancelled",
            }
        },
    ),
    ("PremiumLive", {}),
    ("Payments", {"first": 10}),
    ("Invoices", {"first": 10}),
    ("CancelSubscription", {"input": {"reason": "TOO_EXPENSIVE", "feedback": "Trying the free plan."}}),
    ("ReactivateSubscription", {}),
    ("GiftCodeLookup", {"code": "ABCD-EFGH-JKLM-NPQR"}),
    ("RedeemGift", {"input": {"code": "ABCD-EFGH-JKLM-NPQR"}}),
)


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    return html.replace(CDN, VENDOR_PATH)


def example_variables(variables: dict[str, Any], origin: str) -> str | None:
    """The variables of an example as GraphiQL shows them (None when there are none)."""
    if not variables:
        return None
    return json.dumps(variables, indent=2).replace("{origin}", origin)


def example_tabs(origin: str, token: str) -> list[dict[str, str | None]]:
    operations = web_operations()
    headers = json.dumps({"Authorization": f"Bearer {token}"}, indent=2)
    return [
        {"query": operations[name], "variables": example_variables(variables, origin), "headers": headers}
        for name, variables in EXAMPLES
    ]


# Where the preset goes in Strawberry's page; each must match exactly once (else start-up fails,
# e.g. after a Strawberry upgrade changed its page: see tests/ops/test_web_app.py).
_EDITS = (
    # No hard-coded welcome query: GraphiQL then opens the first of `defaultTabs`.
    ("parameters.q || EXAMPLE_QUERY", "parameters.q || null"),
    (
        "plugins: [explorerPlugin],",
        "plugins: [explorerPlugin],\n"
        "          defaultTabs: BILLING_GATEWAY_DEV.tabs,\n"
        "          defaultHeaders: BILLING_GATEWAY_DEV.tabs[0].headers,",
    ),
    ("</head>", "__PRESETS__\n  </head>"),
)

_PRESET_SCRIPT = """<script type="application/json" id="billing-gateway-dev">__JSON__</script>
    <script>
      // dev only: GraphiQL's tabs as the README shows them, signed in as the demo user.
      var BILLING_GATEWAY_DEV = JSON.parse(document.getElementById("billing-gateway-dev").textContent);
      try {
        // Tabs stored by an earlier run of dev carry that run's token: give them this one.
        var previous = localStorage.getItem("billing-gateway:demo-token");
        var token = BILLING_GATEWAY_DEV.token;
        if (previous && previous !== token) {
          ["graphiql:tabState", "graphiql:headers"].forEach(function (key) {
            var value = localStorage.getItem(key);
            if (value) localStorage.setItem(key, value.split(previous).join(token));
          });
        }
        localStorage.setItem("billing-gateway:demo-token", token);
      } catch (e) {}
    </script>"""


def dev_graphiql_html(demo: DemoSession) -> str:
    """GraphiQL's page with dev's demo token in its headers and the README's examples in tabs."""
    html = graphiql_html()
    for old, new in _EDITS:
        if html.count(old) != 1:
            raise RuntimeError(f"Strawberry's GraphiQL page changed: {old!r} not found exactly once")
        html = html.replace(old, new)
    presets = json_for_html({"token": demo.token, "tabs": example_tabs(demo.origin, demo.token)})
    return html.replace("__PRESETS__", _PRESET_SCRIPT.replace("__JSON__", presets))


class WithPage:
    """`view`, except that GraphiQL's page request (by Strawberry's own test) gets `html`.

    A class, not a function: Starlette treats a plain function as a request handler.
    """

    def __init__(self, view: ASGIApp, html: str, renders_ide: Callable[[Request], bool]) -> None:
        self.view = view
        self.html = html
        self.renders_ide = renders_ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.renders_ide(Request(scope)):
            response = HTMLResponse(self.html, headers={"Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        await self.view(scope, receive, send)


def vendor_mount() -> Mount:
    return Mount(VENDOR_PATH.rstrip("/"), app=StaticFiles(directory=VENDOR_DIR), name="vendor")
