"""Persisted operations: Apollo's automatic persisted queries, shared by replicas, and the allow-list.

Two apps over one database stand for two replicas: each has its own cache of
registered hashes, so what one learns the other can only find in the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from gql_helpers import bearer, codes
from graphql import parse, validate
from starlette.applications import Starlette

from gateway.graphql_view import GatewayGraphQL
from gateway.persisted_queries import MANIFEST_DIR, MANIFEST_SOURCES, build_manifest, load_manifests
from models import PersistedQuery
from schema.persisted import operation_hash
from schema.root import build_schema
from tests import factories

ACCOUNT = "query Mine { premium { active } payments(first: 2) { edges { node { id status } } } }"


def apq(sha: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


@asynccontextmanager
async def replica(app_factory: Callable[..., Starlette], **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_factory(**settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def post(
    http: httpx.AsyncClient, body: dict[str, Any], user: str | None = "user-alice"
) -> httpx.Response:
    return await http.post("/graphql", json=body, headers=bearer(user) if user else {})


async def test_apq_hash_first_then_text_then_hash_on_another_replica_and_by_get(
    app_factory: Callable[..., Starlette],
) -> None:
    await factories.payment("user-alice")
    sha = operation_hash(ACCOUNT)
    async with replica(app_factory) as one, replica(app_factory) as two:
        # 1. The hash alone, never seen: Apollo's not-found answer, so the client sends the text.
        first = await post(one, {"extensions": apq(sha)})
        assert first.status_code == 200
        assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        assert codes(first.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        # 2. Text and hash: it runs, and is registered.
        plain = (await post(one, {"query": ACCOUNT})).json()
        with_text = await post(one, {"query": ACCOUNT, "extensions": apq(sha)})
        assert with_text.status_code == 200 and with_text.json() == plain
        assert plain["data"]["payments"]["edges"][0]["node"]["status"]
        assert await PersistedQuery.filter(sha256=sha).count() == 1
        # 3. The hash alone on the other replica: found in the shared database; then from its cache
        #    on the fast path, like any known query.
        again = await post(two, {"extensions": apq(sha)})
        assert again.json() == plain
        before = GatewayGraphQL.answered_before_view
        assert (await post(two, {"extensions": apq(sha)})).json() == plain
        assert GatewayGraphQL.answered_before_view == before + 1
        # 4. GET with the hash only (a CDN can cache this URL).
        params = {"extensions": json.dumps(apq(sha))}
        got = await two.get("/graphql", params=params, headers=bearer("user-alice"))
        assert got.status_code == 200 and got.json() == plain
        unknown = await two.get("/graphql", params={"extensions": json.dumps(apq("0" * 64))})
        assert codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        # Someone else's hash-only request runs as them: the text is shared, never the answer.
        bobs = (await post(two, {"extensions": apq(sha)}, user="user-bob")).json()
        assert bobs["data"]["payments"]["edges"] == []


async def test_apq_refuses_a_wrong_hash_a_bad_marker_and_stores_nothing(
    app_factory: Callable[..., Starlette],
) -> None:
    async with replica(app_factory) as http:
        wrong = await post(http, {"query": ACCOUNT, "extensions": apq(operation_hash(ACCOUNT + " "))})
        assert wrong.status_code == 400 and codes(wrong.json()) == ["BAD_USER_INPUT"]
        assert "does not match" in wrong.json()["errors"][0]["message"]
        version = await post(http, {"query": ACCOUNT, "extensions": apq(operation_hash(ACCOUNT), version=2)})
        assert version.status_code == 400 and "version" in version.json()["errors"][0]["message"]
        not_hex = await post(http, {"extensions": apq("XYZ")})
        assert not_hex.status_code == 400 and "64 lowercase hex" in not_hex.json()["errors"][0]["message"]
        garbage = "this is { not graphql"
        broken = await post(http, {"query": garbage, "extensions": apq(operation_hash(garbage))})
        assert broken.json()["errors"][0]["message"].startswith("Syntax Error")  # the view's answer
    assert await PersistedQuery.all().count() == 0


async def test_manifest_operations_are_known_by_hash_without_registration(
    app_factory: Callable[..., Starlette],
) -> None:
    manifest = json.loads((MANIFEST_DIR / "web.json").read_text())
    prices = next(op for op in manifest["operations"] if op["name"] == "Prices")
    async with replica(app_factory) as http:
        by_hash = await post(
            http, {"extensions": apq(prices["id"]), "variables": {"currency": "EUR"}}, user=None
        )
        by_text = await post(http, {"query": prices["body"], "variables": {"currency": "EUR"}}, user=None)
    assert by_hash.status_code == 200 and "errors" not in by_hash.json()
    assert by_hash.json() == by_text.json()
    assert await PersistedQuery.all().count() == 0


async def test_persisted_only_runs_the_manifests_and_refuses_anything_else(
    app_factory: Callable[..., Starlette],
) -> None:
    await factories.payment("user-alice")
    web = {op["name"]: op for op in json.loads((MANIFEST_DIR / "web.json").read_text())["operations"]}
    payments = web["Payments"]
    async with replica(app_factory, graphql_persisted_only=True) as http:
        listed = (await post(http, {"query": payments["body"], "variables": {"first": 5}})).json()
        assert "errors" not in listed and len(listed["data"]["payments"]["edges"]) == 1
        by_hash = (await post(http, {"extensions": apq(payments["id"]), "variables": {"first": 5}})).json()
        assert by_hash == listed
        # Repeated (a known query on the fast path), still allowed; an unlisted one never is.
        assert (await post(http, {"query": payments["body"], "variables": {"first": 5}})).json() == listed
        for body in (
            {"query": ACCOUNT},
            {"query": ACCOUNT, "extensions": apq(operation_hash(ACCOUNT))},
            {"extensions": apq(operation_hash(ACCOUNT))},
            {"query": payments["body"] + "\n", "variables": {"first": 5}},  # not the exact text
        ):
            refused = await post(http, body)
            assert refused.status_code == 200
            assert codes(refused.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"], body
            assert "data" not in refused.json() or refused.json()["data"] is None
        got = await http.get("/graphql", params={"query": ACCOUNT}, headers=bearer("user-alice"))
        assert codes(got.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert await PersistedQuery.all().count() == 0
    # The same text the allow-list refused runs on a gateway without it (the refusal is the mode's).
    async with replica(app_factory) as http:
        assert "errors" not in (await post(http, {"query": ACCOUNT})).json()


class AsgiWebSocket:
    """A graphql-transport-ws client driving the app in this event loop (no thread, no server):
    Starlette's TestClient would run the app in another loop, away from the test's database."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> AsgiWebSocket:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self.from_app.put))
        await self.to_app.put({"type": "websocket.connect"})
        assert (await self._next())["type"] == "websocket.accept"
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 5)

    async def _next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.from_app.get(), 5)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive_json(self) -> dict[str, Any]:
        message = await self._next()
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])


async def test_persisted_only_refuses_an_unlisted_subscription_over_websockets(
    app_factory: Callable[..., Starlette],
) -> None:
    web = {op["name"]: op for op in json.loads((MANIFEST_DIR / "web.json").read_text())["operations"]}
    unlisted = "subscription Other { premiumChanged { active } }"
    async with AsgiWebSocket(app_factory(graphql_persisted_only=True)) as ws:
        await ws.send_json({"type": "connection_init", "payload": bearer("user-alice")})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": unlisted}})
        answer = await ws.receive_json()
        assert answer["type"] == "error" and answer["id"] == "1"
        assert answer["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        # A listed subscription is accepted: no error before the pong that follows it.
        await ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": web["PremiumLive"]["body"]}})
        await ws.send_json({"type": "ping"})
        assert (await ws.receive_json())["type"] == "pong"
        await ws.send_json({"id": "2", "type": "complete"})


def test_checked_in_manifests_are_current_and_valid() -> None:
    schema = build_schema()._schema
    for name, source in MANIFEST_SOURCES.items():
        checked_in = json.loads((MANIFEST_DIR / name).read_text())
        assert checked_in == build_manifest(source), f"{name} is stale: run `billing-gateway manifests`"
        for op in checked_in["operations"]:
            assert validate(schema, parse(op["body"])) == [], (name, op["name"])
    assert len(load_manifests()) == sum(
        len(json.loads((MANIFEST_DIR / name).read_text())["operations"]) for name in MANIFEST_SOURCES
    )


@pytest.mark.parametrize("bad", ["not json", '{"format": "other", "version": 1}'])
def test_a_broken_manifest_is_a_clear_error(tmp_path: Any, bad: str) -> None:
    (tmp_path / "x.json").write_text(bad)
    with pytest.raises(ValueError):
        load_manifests(tmp_path)
    tampered = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "0" * 64, "name": "Q", "type": "query", "body": "{ premium { active } }"}],
    }
    (tmp_path / "x.json").write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match="'Q'"):
        load_manifests(tmp_path)
