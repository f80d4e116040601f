"""Transport and protective behaviour: limits, masking, GET rules, GraphiQL, health, body size, CORS."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from gql_helpers import GQL, SqlLog, bearer

from billing import read_queries
from schema.root import build_schema


@pytest.fixture
def client_with(app_factory):
    clients: list[httpx.AsyncClient] = []

    def make(**settings) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app_factory(**settings)), base_url="http://testserver"
        )
        clients.append(http)
        return http

    yield make


async def test_depth_limit(client_with):
    gql = GQL(client_with(graphql_max_depth=3))
    deep = await gql("{ payments { edges { node { giftCode { code } } } } }")
    assert deep["data"] is None and "exceeds maximum operation depth" in deep["errors"][0]["message"]
    shallow = await gql("{ premium { active } }")
    assert "errors" not in shallow


async def test_alias_limit(client_with):
    gql = GQL(client_with(graphql_max_aliases=3))
    query = "{ " + " ".join(f"a{i}: premium {{ active }}" for i in range(4)) + " }"
    result = await gql(query)
    assert result["data"] is None and "aliases" in result["errors"][0]["message"]
    ok = await gql("{ " + " ".join(f"a{i}: premium {{ active }}" for i in range(3)) + " }")
    assert "errors" not in ok


async def test_token_limit(client_with):
    gql = GQL(client_with(graphql_max_tokens=50))
    query = "{ premium { " + " ".join(["active"] * 60) + " } }"
    result = await gql(query)
    assert result["data"] is None and "more than 50 tokens" in result["errors"][0]["message"]


async def test_introspection_can_be_switched_off(client_with):
    on = await GQL(client_with())("{ __schema { queryType { name } } }", user=None)
    assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    off = await GQL(client_with(graphql_introspection=False))(
        "{ __schema { queryType { name } } }", user=None
    )
    assert off["data"] is None and "introspection" in off["errors"][0]["message"].lower()


async def test_query_cost_is_counted_before_execution(client_with, db):
    """30 aliases of payments(first: 100): 3,000 items asked for, refused before anything runs."""
    gql = GQL(client_with())
    fields = "edges { node { id status money { formatted } giftCode { code } } } pageInfo { endCursor }"
    heavy = "{ " + " ".join(f"p{i}: payments(first: 100) {{ {fields} }}" for i in range(30)) + " }"
    with SqlLog() as sql:
        refused = await gql(heavy)
    assert "data" not in refused or refused["data"] is None
    (error,) = refused["errors"]
    assert error["extensions"]["cost"] == 3000 and "3000 items" in error["message"]
    assert "GRAPHQL_MAX_NODES" in error["message"] and sql.statements == []
    # Nesting multiplies; a variable page counts as the largest page; ten pages of 100 are allowed.
    nested = '{ userBilling(userId: "u") { payments(first: 50) { edges { node { id } } } } }'
    assert "errors" not in await GQL(client_with())(nested, user="user-admin", admin=True)
    ten = "{ " + " ".join(f"p{i}: payments(first: 100) {{ {fields} }}" for i in range(10)) + " }"
    assert "errors" not in await gql(ten)
    eleven = (
        "query($n: Int) { " + " ".join(f"p{i}: payments(first: $n) {{ {fields} }}" for i in range(11)) + " }"
    )
    assert (await gql(eleven, {"n": 1}))["errors"][0]["extensions"]["cost"] == 1100
    small = GQL(client_with(graphql_max_nodes=100))
    assert (await small("{ payments(first: 101) { edges { node { id } } } }"))["errors"][0]["extensions"][
        "limit"
    ] == 100


def schema_member_names() -> set[str]:
    """Every field, input field, argument and enum value name of the schema (not type names)."""
    names: set[str] = set()
    for name, type_ in build_schema()._schema.type_map.items():
        if name.startswith("__"):
            continue
        names.update(getattr(type_, "values", None) or ())
        for field_name, field in (getattr(type_, "fields", None) or {}).items():
            names.add(field_name)
            names.update(getattr(field, "args", None) or ())
    return names


NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


async def test_no_field_names_suggested_when_introspection_is_off(client_with, db):
    """A mistyped or missing name gets "Did you mean …?" or the names it lacks only while the schema
    is public anyway; with introspection off no message names a field, argument or enum value the
    query did not (validation and variable coercion alike, a suggestion in mid-message too)."""
    checkout = "mutation($i: CreateCheckoutInput!) { createCheckout(input: $i) { checkoutUrl } }"
    mistakes = [
        ("{ userBillin { userId } }", None),  # a root field
        ("{ premium { activ } }", None),  # a field of a type
        ("query($c: Currency) { prices(currency: $c) { lookupKey } }", {"c": "USDD"}),  # an enum value
        ("{ payments(frist: 2) { edges { node { id } } } }", None),  # an argument
        ("{ giftCode { status } }", None),  # a required argument left out
        ("mutation { createCheckout(input: {}) { checkoutUrl } }", None),  # required input fields
        ("mutation { createCheckout(input: {productTyp: PREMIUM_MONTHLY}) { checkoutUrl } }", None),
        (checkout, {"i": {"productTyp": "PREMIUM_MONTHLY"}}),  # "Did you mean …? Found: …"
    ]
    members = schema_member_names()
    open_ = GQL(client_with(graphql_introspection=True))
    closed = GQL(client_with(graphql_introspection=False))
    for query, variables in mistakes:
        shown = " ".join(e["message"] for e in (await open_(query, variables))["errors"])
        hidden = " ".join(e["message"] for e in (await closed(query, variables))["errors"])
        said = set(NAME.findall(query + json.dumps(variables)))
        named = {n for quoted in re.findall(r"'([^']*)'", shown) for n in NAME.findall(quoted)}
        assert named & members - said, (query, shown)  # the open schema does name some
        leaked = {n for quoted in re.findall(r"'([^']*)'", hidden) for n in NAME.findall(quoted)}
        assert not leaked & members - said, (query, hidden)
        assert "Did you mean" not in hidden, (query, hidden)
        assert hidden  # the mistake itself is still reported


async def test_unexpected_errors_are_masked_and_logged(gql, db, monkeypatch, caplog):
    async def broken(user_id: str) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(read_queries, "current_subscription", broken)
    with caplog.at_level(logging.ERROR, logger="gateway.graphql"):
        result = await gql("{ subscription { id } premium { active } }")
    assert result["errors"] == [
        {"message": "Unexpected error.", "locations": [{"line": 1, "column": 3}], "path": ["subscription"]}
    ]
    assert result["data"] == {"subscription": None, "premium": {"active": False}}
    assert "hunter2" not in str(result)
    logged = [r for r in caplog.records if r.name == "gateway.graphql"]
    assert logged and "subscription" in logged[0].getMessage() and "user-alice" in logged[0].getMessage()
    assert "hunter2" in str(logged[0].exc_info[1])


async def test_queries_over_get_mutations_refused(client, db):
    ok = await client.get("/graphql", params={"query": "{ premium { active } }"}, headers=bearer())
    assert ok.status_code == 200 and ok.json() == {"data": {"premium": {"active": False}}}
    refused = await client.get(
        "/graphql",
        params={"query": "mutation { reactivateSubscription { userErrors { code } } }"},
        headers=bearer(),
    )
    assert refused.status_code == 400


async def test_graphiql_served_for_browsers(client, client_with, db):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    off = await client_with(graphiql=False).get("/graphql", headers={"Accept": "text/html"})
    assert off.status_code == 404


async def test_batching_is_off(client, db):
    response = await client.post(
        "/graphql", json=[{"query": "{ prices { lookupKey } }"}, {"query": "{ prices { lookupKey } }"}]
    )
    assert response.status_code == 400


async def test_health_and_readiness(client, db):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_readiness_reports_an_unreachable_database_and_recovers(client, db, monkeypatch):
    from tortoise import connections

    conn_cls = type(connections.get("default"))
    original = conn_cls.execute_query

    async def down(self, query, values=None):
        raise ConnectionRefusedError("db down")

    monkeypatch.setattr(conn_cls, "execute_query", down)
    assert (await client.get("/readyz")).status_code == 503
    monkeypatch.setattr(conn_cls, "execute_query", original)
    assert (await client.get("/readyz")).status_code == 200


async def test_request_body_limit(client_with, db):
    http = client_with(max_request_bytes=2048)
    big = {"query": "{ prices { lookupKey } }", "variables": {"pad": "x" * 4096}}
    assert (await http.post("/graphql", json=big)).status_code == 413

    async def chunks():
        yield b'{"query": "{ prices { lookupKey } }", "variables": {"pad": "'
        for _ in range(10):
            yield b"x" * 512
        yield b'"}}'

    streamed = await http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413

    async def small():
        yield b'{"query": "{ prices { lookupKey } }"}'

    ok = await http.post("/graphql", content=small(), headers={"Content-Type": "application/json"})
    assert ok.status_code == 200 and len(ok.json()["data"]["prices"]) == 24


async def test_cors(client, db):
    preflight = await client.options(
        "/graphql",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    evil = await client.options(
        "/graphql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in evil.headers


async def test_validation_cache_hits_across_requests(gql, db, monkeypatch):
    """The limiter rules are built once, so the validation cache keys stay stable across requests.

    (A query the fast path knows is not validated again at all, see gateway.graphql_view.GatewayGraphQL;
    `prices` is always answered by Strawberry's view.)
    """
    from strawberry.extensions import validation_cache

    cached = validation_cache._get_validate_cache(256)
    before = cached.cache_info()
    for _ in range(3):
        await gql("{ prices { lookupKey } }")
    after = cached.cache_info()
    assert after.hits - before.hits >= 2


async def test_services_built_from_settings_share_the_app_clock(app_factory, clock):
    assert app_factory().state.services is None  # no Stripe key: read side only
    app = app_factory(stripe_api_key="sk_test_123")
    assert app.state.services is not None and app.state.services.clock is clock
    assert app.state.services.config.redeem_rate_limit.count == 3


def test_lifespan_opens_and_closes_the_database(tmp_path):
    """manage_db=True: the app initialises Tortoise itself, as under `serve`.

    In a subprocess: the test session's global Tortoise must not be re-initialised.
    """
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    script = textwrap.dedent(
        f"""
        import asyncio, httpx
        from gateway.app import create_app
        from gateway.db import apply_migrations
        from gateway.settings import load_settings

        async def main():
            url = "sqlite://{tmp_path / "own.sqlite3"}"
            await apply_migrations(url)
            app = create_app(load_settings(_env_file=None, database_url=url, auth_jwt_secret="s" * 40))
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    assert (await http.get("/readyz")).status_code == 200
                    r = await http.post("/graphql", json={{"query": "{{ prices {{ lookupKey }} }}"}})
                    assert len(r.json()["data"]["prices"]) == 24, r.text
            print("ok")

        asyncio.run(main())
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


async def test_unrepresentable_output_is_masked_too(gql, db, monkeypatch):
    """graphql-core's own execution errors (here: an Int beyond 32 bits) are bugs, not client errors."""
    import dataclasses

    from billing.catalog import entries as catalog

    async def too_big(currency=None):
        return [(dataclasses.replace(catalog.entries()[0], amount=2**40), None)]

    monkeypatch.setattr(catalog, "list_prices", too_big)
    result = await gql("{ prices { lookupKey money { amount } } }", user=None)
    assert result["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 30}],
            "path": ["prices", 0, "money", "amount"],
        }
    ]
