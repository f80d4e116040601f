"""The reference web client and dev's ready-made GraphiQL, as the gateway serves them (in process).

What a browser gets: the client only with WEB_APP=true; a page holding a token
only when dev built the app (never from settings alone, so never from `serve`);
GraphiQL's page with the demo token and the README's examples in dev only. And
what the client sends: every operation in web/operations.graphql is valid
against the live schema, app.js runs exactly those operations, and the README
shows the examples GraphiQL opens with.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql_helpers import make_settings, token
from graphql import parse, validate
from starlette.applications import Starlette

from billing.clock import FixedClock
from gateway import web_app
from gateway.app import create_app
from gateway.graphiql import EXAMPLES, example_variables
from gateway.settings import SettingsError
from gateway.web_app import FILES, DemoSession, web_operations
from schema.root import build_schema
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[2]
DEMO = DemoSession(user_id="demo-user", token=token("demo-user"), origin="http://127.0.0.1:8000")
HTML = {"Accept": "text/html"}


def make_app(demo: DemoSession | None = None, **overrides: Any) -> Starlette:
    return create_app(make_settings(**overrides), clock=FixedClock(NOW), manage_db=False, demo=demo)


async def get(app: Starlette, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path, headers=headers or {})


def demo_session_of(page: str) -> dict[str, Any] | None:
    found = re.search(r'<script type="application/json" id="demo-session">(.*?)</script>', page)
    return json.loads(found[1]) if found else None


async def test_the_web_client_is_off_unless_web_app_is_set() -> None:
    app = make_app()
    for path in ("/", "/success", "/web/app.js", "/web/operations.graphql"):
        assert (await get(app, path)).status_code == 404, path


async def test_with_web_app_the_page_and_its_files_are_served_without_a_token(db: str) -> None:
    app = make_app(web_app=True)
    page = await get(app, "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/web/app.js">' in page.text
    assert demo_session_of(page.text) is None and "demo-session" not in page.text
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "connect-src 'self' ws://testserver wss://testserver;" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    # Checkout's way back lands on the same page (the client shows its success view there).
    assert (await get(app, "/success?session_id=cs_test_1")).text == page.text

    types = {".js": "javascript", ".css": "text/css", ".graphql": "text/", ".html": "text/html"}
    for name in FILES:
        asset = await get(app, f"/web/{name}")
        assert asset.status_code == 200, name
        assert types[Path(name).suffix] in asset.headers["content-type"], (name, asset.headers)
    # GraphiQL is there, but as Strawberry serves it: no token, no presets.
    graphiql = await get(app, "/graphql", HTML)
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    assert "Bearer" not in graphiql.text and "billing-gateway-dev" not in graphiql.text


async def test_dev_pages_open_as_the_demo_user_with_the_readme_examples(db: str) -> None:
    app = make_app(demo=DEMO, web_app=True)
    page = await get(app, "/")
    assert demo_session_of(page.text) == {"userId": "demo-user", "token": DEMO.token}
    assert page.headers["cache-control"] == "no-store"

    graphiql = await get(app, "/graphql", HTML)
    assert graphiql.status_code == 200 and graphiql.headers["cache-control"] == "no-store"
    preset = r'<script type="application/json" id="billing-gateway-dev">(.*?)</script>'
    found = re.search(preset, graphiql.text)
    presets = json.loads(found[1])
    operations = web_operations()
    assert [tab["query"] for tab in presets["tabs"]] == [operations[name] for name, _ in EXAMPLES]
    for tab, (_, variables) in zip(presets["tabs"], EXAMPLES, strict=True):
        assert json.loads(tab["headers"]) == {"Authorization": f"Bearer {DEMO.token}"}
        assert tab["variables"] == example_variables(variables, DEMO.origin)
    assert "defaultTabs: BILLING_GATEWAY_DEV.tabs" in graphiql.text
    assert "/static/vendor/graphiql@" in graphiql.text and "unpkg.com" not in graphiql.text

    # Only the page request is GraphiQL's: a query over GET, and POSTs, still reach the API.
    query = "/graphql?query={prices(currency:EUR){lookupKey}}"
    answer = await get(app, query, {"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json()["data"]["prices"], answer.text


async def test_dev_with_graphiql_off_serves_no_page_with_the_token() -> None:
    app = make_app(demo=DEMO, graphiql=False)
    assert (await get(app, "/graphql", HTML)).status_code == 404
    assert (await get(app, "/")).status_code == 404  # WEB_APP is dev's to turn on, not the demo's


def test_web_app_is_a_validated_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEB_APP"):
        make_settings(web_app="sometimes")
    settings = make_settings(
        web_app=True,
        stripe_api_key="sk_test_x",
        stripe_webhook_secret="whsec_x",
        auth_jwt_secret="s" * 40,
        stripe_api_base="http://127.0.0.1:9",
        public_base_url="https://billing.example",
    )
    settings.require_for_serve()  # this checkout carries web/
    monkeypatch.setattr(web_app, "WEB_DIR", tmp_path)
    with pytest.raises(SettingsError, match=r"WEB_APP=true but the web client's files are not installed"):
        settings.require_for_serve()


def test_every_web_operation_is_valid_and_app_js_sends_exactly_them() -> None:
    operations = web_operations()
    schema = build_schema()._schema
    for name, text in operations.items():
        assert validate(schema, parse(text)) == [], name
    app_js = (ROOT / "web" / "app.js").read_text()
    used = set(re.findall(r"""\.(?:run|text)\("([A-Za-z]+)"\)?""", app_js))
    assert used == set(operations), used ^ set(operations)


def test_the_readme_shows_the_examples_graphiql_opens_with() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Example operations", 1)[1].split("\n#", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)\n```", section, re.DOTALL)
    operations = web_operations()
    expected = []
    for name, variables in EXAMPLES:
        expected.append(("graphql", operations[name]))
        shown = example_variables(variables, "http://127.0.0.1:8000")
        if shown is not None:
            expected.append(("json", shown))
    assert blocks == expected
