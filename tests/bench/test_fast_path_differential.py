"""The fast path answers byte-for-byte what graphql-core's executor answers, over random data.

Each case posts the same request three times through the real app
(middlewares, HTTP view, auth, extensions) and compares status, every
response header and the body bytes, and what the request added to the
GraphQL metrics:

- executor: both fast paths switched off (Strawberry's view, graphql-core);
- in the view: the `FastPath` schema extension (after parsing and validation);
- before the view: `GatewayGraphQL` answering a known query from its plan.

Any difference fails the test. Random users get random payments (statuses,
currencies, gifts with codes in every state, nulls where columns allow them),
subscriptions and gift time; queries cover every shape the frontends read
(aliases, `__typename`, operation names, paging with cursors, defaults,
variables), and what must fall back (fragments, filters by enum, directives,
anonymous and badly authenticated callers, bad arguments and variables).
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from billing.clock import FixedClock
from gateway.app import create_app
from gateway.auth import mint_token
from gateway.graphql_view import GatewayGraphQL
from gateway.settings import load_settings
from schema.fast_path import FastPath
from tests.bench.random_data import random_user
from tests.factories import NOW

SECRET = "fast-path-differential-secret-0123456789"
SCALARS = (
    "id userId checkoutSessionId stripeCustomerId stripePaymentIntentId stripeSubscriptionId "
    "stripeInvoiceId stripePriceId productType amount currency status isGift createdAt completedAt version"
)
PAYMENTS = (
    "query P($first: Int, $after: String) { payments(first: $first, after: $after) { "
    f"edges {{ cursor node {{ {SCALARS} giftCode {{ code redeemed }} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)
APP_START = "query { premium { active until source } subscription { status currentPeriodEnd } }"
APP_START_NAMED = (
    "query AppStart { premium { active until source } subscription { status currentPeriodEnd } }"
)
SERVED_QUERIES = [
    PAYMENTS,
    APP_START,
    APP_START_NAMED,
    "{ subscription { status } premium { willCancel since } }",
    "{ payments { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
    "{ mine: payments(first: 3) { __typename edges { node { __typename id money { amount currency decimal "
    "formatted } giftCode { id code productType durationMonths status redeemed redeemedBy redeemedAt "
    "expiresAt createdAt } } } } }",
    "{ premium { active source productType billingCycle since until willCancel } "
    "sub: subscription { id stripeSubscriptionId productType billingCycle status price { amount formatted } "
    "currentPeriodStart currentPeriodEnd cancelAtPeriodEnd canceledAt cancellationReason "
    "cancellationFeedback createdAt version } }",
    "{ invoices(first: 4) { edges { cursor node { id number status total { amount } taxBreakdown "
    "{ amount { amount currency } ratePercent jurisdiction inclusive } periodStart paidAt } } } }",
    "{ giftCodes(first: 5, redeemed: true) { edges { node { code status redeemed redeemedBy } } } }",
    "{ giftCodes { edges { cursor node { id code productType durationMonths status redeemed redeemedAt "
    "expiresAt createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
]
ORIGIN = "http://localhost:3000"
FALLBACK_QUERIES = [
    "{ payments(status: [COMPLETED, REFUNDED]) { edges { node { id status } } } }",
    "{ payments { edges { node { ...F } } } } fragment F on Payment { id amount }",
    "query($s: Boolean!) { payments { edges { node { id @include(if: $s) } } } }",
    "{ payments(first: 0) { edges { cursor } } }",
    '{ payments(after: "not-a-cursor") { edges { cursor } } }',
    "{ payments { edges { cursor } edges { node { id } } } }",
    "{ premium { active } prices { lookupKey } }",
]


@pytest.fixture
async def http(db: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(_env_file=None, auth_jwt_secret=SECRET, cors_allowed_origins=[ORIGIN])
    app = create_app(settings, clock=FixedClock(NOW), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def operations_counted() -> dict[tuple[str, ...], float]:
    """billing_graphql_operations_total and the duration histogram's count, by labels."""
    counted: dict[tuple[str, ...], float] = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name in (
                "billing_graphql_operations_total",
                "billing_graphql_operation_duration_seconds_count",
            ):
                counted[(sample.name, *sorted(sample.labels.items()))] = sample.value  # type: ignore[arg-type]
    return counted


def counted_by(before: dict[tuple[str, ...], float]) -> dict[tuple[str, ...], float]:
    after = operations_counted()
    return {
        key: value - before.get(key, 0.0) for key, value in after.items() if value != before.get(key, 0.0)
    }


Answer = tuple[int, list[tuple[str, str]], bytes, dict[tuple[str, ...], float]]


async def ask(http: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]) -> Answer:
    before = operations_counted()
    response = await http.post("/graphql", json=body, headers=headers)
    return response.status_code, response.headers.multi_items(), response.content, counted_by(before)


async def three_ways(
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, Any],
    user: str | None,
    *,
    token: str | None = None,
) -> tuple[Answer, Answer, Answer, str]:
    """(executor, in the view, before the view, which fast path served the last request)."""
    headers = {"X-Request-ID": "differential-1", "Origin": ORIGIN}
    if user or token:
        headers["Authorization"] = f"Bearer {token or mint_token(SECRET, user)}"  # type: ignore[arg-type]

    async def not_known(*args: Any) -> bool:
        return False

    async def executor_only(self: FastPath) -> None:
        return None

    with monkeypatch.context() as m:
        m.setattr(GatewayGraphQL, "_answer_known", not_known)
        m.setattr(FastPath, "_answer", executor_only)
        FastPath.known.entries.clear()
        executor = await ask(http, body, headers)
    with monkeypatch.context() as m:
        m.setattr(GatewayGraphQL, "_answer_known", not_known)
        in_view = await ask(http, body, headers)  # also makes the query known (if it can be)
    served, before_view = FastPath.served, GatewayGraphQL.answered_before_view
    known = await ask(http, body, headers)
    if GatewayGraphQL.answered_before_view > before_view:
        which = "before the view"
    elif FastPath.served > served:
        which = "in the view"
    else:
        which = "executor"
    return executor, in_view, known, which


def assert_same(executor: Answer, in_view: Answer, known: Answer, context: object) -> None:
    assert in_view == executor, context
    assert known == executor, context


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_fast_path_answers_exactly_what_the_executor_answers(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    users = [f"user-{seed}-{i}" for i in range(6)]
    for user in users:
        await random_user(rng, user)

    for user in [*users, "user-without-rows"]:
        for query in SERVED_QUERIES:
            executor, in_view, known, which = await three_ways(http, monkeypatch, {"query": query}, user)
            assert_same(executor, in_view, known, query)
            assert b'"errors"' not in executor[2], executor[2]
            assert which == "before the view", query
        # Walk every page of the user's payments with random page sizes: cursors included.
        after = None
        while True:
            variables = {"first": rng.randint(1, 100), "after": after}
            body = {"query": PAYMENTS, "variables": variables, "operationName": "P"}
            executor, in_view, known, which = await three_ways(http, monkeypatch, body, user)
            assert_same(executor, in_view, known, variables)
            assert which == "before the view"
            page = json.loads(executor[2])["data"]["payments"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]


async def test_everything_else_falls_back_to_the_executor_with_its_own_answer(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await random_user(random.Random(9), "user-f")
    cases: list[tuple[dict[str, Any], str | None, str | None]] = [
        ({"query": q}, "user-f", None) for q in FALLBACK_QUERIES
    ]
    cases += [
        ({"query": PAYMENTS}, None, None),  # anonymous: UNAUTHENTICATED from the executor
        ({"query": APP_START}, None, None),
        ({"query": APP_START}, None, "not-a-token"),  # bad token: UNAUTHENTICATED
        ({"query": APP_START}, None, mint_token(SECRET, "user-f", ttl=timedelta(minutes=-5))),  # expired
        ({"query": PAYMENTS, "variables": {"first": "many"}}, "user-f", None),  # variable coercion error
        (
            {"query": PAYMENTS, "variables": {"first": 101}},
            "user-f",
            None,
        ),  # BAD_USER_INPUT from the resolver
        ({"query": PAYMENTS, "operationName": "Other"}, "user-f", None),  # no such operation
        ({"query": APP_START, "extensions": {"clientLibrary": {"name": "x"}}}, "user-f", None),
        ({"query": APP_START, "variables": [1]}, "user-f", None),  # not an object: 400 from the view
    ]
    for body, user, token in cases:
        executor, in_view, known, which = await three_ways(http, monkeypatch, body, user, token=token)
        assert_same(executor, in_view, known, body)
        # (Request `extensions` do not matter to the plan in the view; before it, they send it on.)
        assert which == ("in the view" if "extensions" in body else "executor"), body
    # Served without arguments; a variable of the wrong shape or a bad cursor falls back.
    for variables in ({"first": 0}, {"after": "not-a-cursor"}, {"first": None, "after": None}):
        body = {"query": PAYMENTS, "variables": variables}
        executor, in_view, known, which = await three_ways(http, monkeypatch, body, "user-f")
        assert_same(executor, in_view, known, variables)
        assert which == (
            "before the view" if "first" in variables and variables["first"] is None else "executor"
        ), variables


async def test_a_known_query_is_answered_from_its_plan_only_as_sent(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another content type, another operation name or other text: the view answers (and validates).

    Strawberry runs the document's first operation when the request names none, so the
    plan is known under both keys: no name, and the name of that operation.
    """
    await random_user(random.Random(4), "user-k")
    headers = {"Authorization": f"Bearer {mint_token(SECRET, 'user-k')}"}
    await http.post("/graphql", json={"query": APP_START_NAMED}, headers=headers)
    assert FastPath.known.get(APP_START_NAMED, None) is not None
    assert FastPath.known.get(APP_START_NAMED, "AppStart") is FastPath.known.get(APP_START_NAMED, None)
    before = GatewayGraphQL.answered_before_view
    for body, content_type in (
        ({"query": APP_START_NAMED}, "application/json; charset=utf-8"),
        ({"query": APP_START_NAMED}, "Application/JSON"),
        ({"query": APP_START_NAMED, "operationName": "AppStart"}, "application/json"),
    ):
        ok = await http.post(
            "/graphql", content=json.dumps(body), headers={**headers, "Content-Type": content_type}
        )
        assert "errors" not in ok.json()
    assert GatewayGraphQL.answered_before_view == before + 3
    for body, content_type in (
        ({"query": APP_START_NAMED, "operationName": "Other"}, "application/json"),  # another key
        ({"query": APP_START_NAMED + " "}, "application/json"),
        ({"query": APP_START_NAMED}, "text/plain"),
    ):
        answer = await http.post(
            "/graphql", content=json.dumps(body), headers={**headers, "Content-Type": content_type}
        )
        assert answer.status_code in (200, 400)
    assert GatewayGraphQL.answered_before_view == before + 3
