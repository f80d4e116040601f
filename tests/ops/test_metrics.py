"""Metrics counted in-process: GraphQL outcomes, gift redemptions, rate-limit hits, Stripe calls.

Each test reads the process's Prometheus registry before and after real
requests (the app over ASGI on the test database; Stripe is the sandbox over
HTTP through the SDK), and also checks that `/metrics` exposes the same.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import stripe
from ops_serve import free_port, sample
from prometheus_client import REGISTRY

from billing import read_queries
from billing.clock import SystemClock
from gateway.app import create_app
from gateway.auth import mint_token
from gateway.metrics import OTHER, BoundedLabel
from gateway.settings import load_settings
from gateway.stripe_client import make_stripe_client
from gateway.stripe_metrics import operation_of
from stripe_sandbox.testing import SandboxServer

SECRET = "ops-metrics-secret-0123456789abcdef-xyz"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Sample values now, to compare with later."""

    def __init__(self, *keys: tuple[str, dict[str, str]]) -> None:
        self.keys = keys
        self.before = [value(name, **labels) for name, labels in keys]

    def after(self) -> list[float]:
        return [value(name, **labels) - b for (name, labels), b in zip(self.keys, self.before, strict=True)]


def op(name: str, kind: str, outcome: str) -> tuple[str, dict[str, str]]:
    return "billing_graphql_operations_total", {"operation": name, "type": kind, "outcome": outcome}


@pytest.fixture
def settings_for(sandbox: SandboxServer) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "_env_file": None,
            "auth_jwt_secret": SECRET,
            "stripe_api_key": sandbox.api_key,
            "stripe_api_base": sandbox.base_url,
            "redeem_rate_limit": "2/600s",
        }
        values.update(overrides)
        return load_settings(**values)

    return make


@pytest.fixture
async def http(db: str, settings_for: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(), clock=SystemClock(), manage_db=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(SECRET, user, ttl=timedelta(minutes=5))}


async def post(http: httpx.AsyncClient, query: str, user: str | None = None, **body: Any) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, **body}, headers=bearer(user) if user else {}
    )
    assert response.status_code == 200, response.text
    return response.json()


REDEEM = "mutation Redeem($code: String!) { redeemGift(input: {code: $code}) { userErrors { code } } }"


async def test_graphql_operations_by_name_and_outcome(http: httpx.AsyncClient, monkeypatch) -> None:
    user = "ops-m-" + secrets.token_hex(4)
    delta = Delta(
        op("OpsPrices", "query", "ok"),
        op("OpsPremium", "query", "user_error"),  # no token: UNAUTHENTICATED
        op("Redeem", "mutation", "user_error"),  # payload userErrors
        op("OpsBroken", "query", "error"),  # a server fault, masked for the client
        op("anonymous", "unknown", "user_error"),  # does not even parse
        op("OpsInvalid", "query", "user_error"),  # parses, fails validation
        ("billing_graphql_operation_duration_seconds_count", {"operation": "OpsPrices", "type": "query"}),
    )
    for _ in range(3):
        assert "errors" not in await post(http, "query OpsPrices { prices { lookupKey } }")
    assert (await post(http, "query OpsPremium { premium { active } }"))["errors"]
    redeemed = await post(http, REDEEM, user, variables={"code": "NOPE-NOPE"})
    assert redeemed["data"]["redeemGift"]["userErrors"] == [{"code": "GIFT_CODE_NOT_FOUND"}]

    async def broken(user_id: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(read_queries, "current_subscription", broken)
    assert (await post(http, "query OpsBroken { subscription { id } }", user))["errors"]
    assert (await post(http, "query { prices {"))["errors"]
    assert (await post(http, "query OpsInvalid { noSuchField }"))["errors"]
    assert delta.after() == [3, 1, 1, 1, 1, 1, 3]

    exposed = (await http.get("/metrics")).text
    assert sample(
        exposed, "billing_graphql_operations_total", operation="OpsPrices", type="query", outcome="ok"
    ) == value("billing_graphql_operations_total", operation="OpsPrices", type="query", outcome="ok")


async def test_gift_redemptions_and_rate_limit_hits(http: httpx.AsyncClient) -> None:
    """REDEEM_RATE_LIMIT=2/600s: two wrong codes, then the limit answers, for redeem and look-up alike."""
    user = "ops-g-" + secrets.token_hex(4)
    delta = Delta(
        ("billing_gift_redemptions_total", {"outcome": "gift_code_not_found"}),
        ("billing_gift_redemptions_total", {"outcome": "rate_limited"}),
        ("billing_rate_limit_hits_total", {"limit": "redeem"}),
    )
    for _ in range(2):
        answer = await post(http, REDEEM, user, variables={"code": "WRONG-" + secrets.token_hex(3)})
        assert answer["data"]["redeemGift"]["userErrors"] == [{"code": "GIFT_CODE_NOT_FOUND"}]
    limited = await post(http, REDEEM, user, variables={"code": "WRONG-AGAIN"})
    assert limited["data"]["redeemGift"]["userErrors"] == [{"code": "RATE_LIMITED"}]
    lookup = await post(http, 'query { giftCode(code: "ANY-CODE") { code } }', user)
    assert lookup["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert delta.after() == [2, 1, 2]


async def test_stripe_requests_by_operation_outcome_and_latency(
    sandbox: SandboxServer, settings_for: Callable[..., Any]
) -> None:
    client = make_stripe_client(settings_for())
    delta = Delta(
        (
            "billing_stripe_requests_total",
            {"operation": "POST /v1/customers", "outcome": "ok", "status": "200"},
        ),
        (
            "billing_stripe_requests_total",
            {"operation": "GET /v1/customers/{id}", "outcome": "error", "status": "404"},
        ),
        ("billing_stripe_request_duration_seconds_count", {"operation": "GET /v1/customers/{id}"}),
    )
    created = await client.v1.customers.create_async(params={"email": "ops@example.com"})
    assert created.id.startswith("cus_")
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.customers.retrieve_async("cus_does_not_exist")
    assert delta.after() == [1, 1, 1]


async def test_stripe_unreachable_and_cancelled_requests_are_errors(settings_for: Callable[..., Any]) -> None:
    refused = make_stripe_client(settings_for(stripe_api_base=f"http://127.0.0.1:{free_port()}"))
    label = {"operation": "GET /v1/prices/{id}", "outcome": "error"}
    delta = Delta(
        ("billing_stripe_requests_total", {**label, "status": "connection_error"}),
        ("billing_stripe_requests_total", {**label, "status": "cancelled"}),
    )
    with pytest.raises(stripe.APIConnectionError):
        await refused.v1.prices.retrieve_async("price_x")

    # A Stripe that accepts the connection and never answers: the caller's time limit cancels the call.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        hanging = make_stripe_client(settings_for(stripe_api_base=f"http://127.0.0.1:{port}"))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await hanging.v1.prices.retrieve_async("price_y")
    finally:
        server.close()
    assert delta.after() == [1, 1]


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("post", "https://api.stripe.com/v1/customers", "POST /v1/customers"),
        ("get", "https://api.stripe.com/v1/customers/cus_Q1w2E3?expand[]=x", "GET /v1/customers/{id}"),
        (
            "post",
            "http://sb/v1/checkout/sessions/cs_test_a1/expire",
            "POST /v1/checkout/sessions/{id}/expire",
        ),
        ("post", "http://sb/v1/billing_portal/sessions", "POST /v1/billing_portal/sessions"),
        ("get", "http://sb/v1/prices/search", "GET /v1/prices/search"),
        ("get", "http://sb/v1/products/premium_monthly", "GET /v1/products/{id}"),
        ("get", "http://sb/v1/customers/cus_1/sources/card_2", "GET /v1/customers/{id}/sources/{id}"),
    ],
)
def test_stripe_operation_labels_hide_object_ids(method: str, url: str, expected: str) -> None:
    assert operation_of(method, url) == expected


def test_label_values_from_outside_are_bounded() -> None:
    bounded = BoundedLabel(3)
    assert [bounded(f"Op{i}") for i in range(5)] == ["Op0", "Op1", "Op2", OTHER, OTHER]
    assert bounded("Op1") == "Op1"
