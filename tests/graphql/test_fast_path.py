"""Known queries run the executor's permission checks and every schema extension, or the app refuses.

A known query is answered without graphql-core's executor (schema/fast_path),
before Strawberry's view once it is known. These tests hold it to the
executor: the permission classes see the same calls and a denial gives the
same answer; a schema extension the fast path does not replicate stops the app
at start, runs on every query once the fast path is turned off, and is never
skipped when it is added to a running app's schema.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from gql_helpers import ALICE, BOB, bearer, codes, make_settings
from starlette.applications import Starlette
from strawberry.extensions import SchemaExtension

import gateway.app
from billing.clock import FixedClock
from gateway.app import create_app
from gateway.graphql_view import GatewayGraphQL
from schema.fast_path import FastPath, FastPathRefused
from schema.types.permissions import IsAuthenticated
from tests import factories

PAYMENTS = "query P($first: Int) { payments(first: $first) { edges { node { id amount status } } } }"
APP_START = "query AppStart { premium { active until source } subscription { status } }"


class Audit(SchemaExtension):
    """An extension the fast path knows nothing of: counts operations and resolved fields."""

    operations = 0
    fields = 0

    def on_execute(self) -> Iterator[None]:
        type(self).operations += 1
        yield

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        type(self).fields += 1
        return _next(root, info, *args, **kwargs)


@pytest.fixture(autouse=True)
def fresh() -> None:
    Audit.operations = Audit.fields = 0
    FastPath.known.entries.clear()


def with_audit(build: Callable[..., Any]) -> Callable[..., Any]:
    def build_with_audit(*args: Any, **kwargs: Any) -> Any:
        schema = build(*args, **kwargs)
        schema.extensions = [*schema.extensions, Audit]
        return schema

    return build_with_audit


def client_of(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def post(http: httpx.AsyncClient, query: str, user: str | None, **variables: Any) -> tuple[int, bytes]:
    headers = bearer(user) if user else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code, response.content


async def by_executor(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, query: str, user: str | None, **variables: Any
) -> tuple[int, bytes]:
    """The answer with both fast paths switched off: Strawberry's view and graphql-core's executor."""

    async def not_known(*args: Any) -> bool:
        return False

    async def executor_only(self: FastPath) -> None:
        return None

    with monkeypatch.context() as m:
        m.setattr(GatewayGraphQL, "_answer_known", not_known)
        m.setattr(FastPath, "_answer", executor_only)
        FastPath.known.entries.clear()
        return await post(http, query, user, **variables)


async def before_the_view(
    http: httpx.AsyncClient, query: str, user: str | None, **variables: Any
) -> tuple[int, bytes]:
    """The answer to `user` once the query is known (ALICE's request first makes it known)."""
    await post(http, query, ALICE, **variables)
    return await post(http, query, user, **variables)


# --- schema extensions ----------------------------------------------------------------------


def test_the_app_refuses_to_start_with_an_extension_the_fast_path_does_not_replicate(
    db: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gateway.app, "build_schema", with_audit(gateway.app.build_schema))
    with pytest.raises(FastPathRefused, match=r"test_fast_path\.Audit") as refused:
        create_app(make_settings(), clock=clock, manage_db=False)
    assert "SchemaOptions(fast_path=False)" in str(refused.value)


async def test_without_the_fast_path_an_added_extension_runs_on_every_query(
    db: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = gateway.app.schema_options
    monkeypatch.setattr(
        gateway.app, "schema_options", lambda s: dataclasses.replace(options(s), fast_path=False)
    )
    monkeypatch.setattr(gateway.app, "build_schema", with_audit(gateway.app.build_schema))
    await factories.payment(ALICE)
    served, before_view = FastPath.served, GatewayGraphQL.answered_before_view
    async with client_of(create_app(make_settings(), clock=clock, manage_db=False)) as http:
        for _ in range(3):
            status, body = await post(http, PAYMENTS, ALICE, first=5)
            assert status == 200 and b'"errors"' not in body, body
    assert Audit.operations == 3
    assert Audit.fields > 3  # every field of every answer went through its resolve hook
    assert (FastPath.served, GatewayGraphQL.answered_before_view) == (served, before_view)


async def test_an_extension_added_to_a_running_app_is_not_skipped_on_known_queries(
    app_factory: Callable[..., Starlette],
) -> None:
    await factories.payment(ALICE)
    app = app_factory()
    async with client_of(app) as http:
        known = await before_the_view(http, APP_START, ALICE)
        before_view = GatewayGraphQL.answered_before_view
        served = FastPath.served
        app.state.schema.extensions = [*app.state.schema.extensions, Audit]
        assert await post(http, APP_START, ALICE) == known
    assert Audit.operations == 1 and Audit.fields > 0
    assert (FastPath.served, GatewayGraphQL.answered_before_view) == (served, before_view)


# --- permissions ----------------------------------------------------------------------------


def record_permission_calls(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[Any, ...]]) -> None:
    checked = IsAuthenticated.has_permission

    def has_permission(self: IsAuthenticated, source: Any, info: Any, **kwargs: Any) -> bool:
        calls.append(
            (
                source,
                type(info).__qualname__,
                info.field_name,
                info.python_name,
                info.path.as_list(),
                info.operation.name.value,
                info.variable_values,
                info.return_type,
                type(info.context).__qualname__,
                info.context.viewer.user_id if info.context.viewer else None,
                kwargs,
            )
        )
        return checked(self, source, info, **kwargs)

    monkeypatch.setattr(IsAuthenticated, "has_permission", has_permission)


async def test_known_queries_run_the_permission_checks_of_the_executor(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.payment(ALICE)
    calls: list[tuple[Any, ...]] = []
    record_permission_calls(monkeypatch, calls)
    expected = await by_executor(client, monkeypatch, PAYMENTS, ALICE, first=3)
    before_view = GatewayGraphQL.answered_before_view
    assert await before_the_view(client, PAYMENTS, ALICE, first=3) == expected
    assert GatewayGraphQL.answered_before_view == before_view + 1
    executor, in_view, known = calls  # one check per request: executor, in the view, before it
    assert executor == in_view == known
    # The resolver's arguments as the executor passes them (the fast path used to pass none).
    assert executor[-1] == {"first": 3, "after": None, "status": None}
    assert executor[1] == "Info" and executor[4] == ["payments"]


def deny(monkeypatch: pytest.MonkeyPatch, user: str, answer: Any) -> None:
    checked = IsAuthenticated.has_permission

    def has_permission(self: IsAuthenticated, source: Any, info: Any, **kwargs: Any) -> Any:
        viewer = info.context.viewer
        return (
            answer if viewer is not None and viewer.user_id == user else checked(self, source, info, **kwargs)
        )

    monkeypatch.setattr(IsAuthenticated, "has_permission", has_permission)


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (False, "UNAUTHENTICATED"),  # denied: the permission's own error
        (1, None),  # not a bool: Strawberry refuses it (a server fault, masked); never a grant
    ],
)
async def test_a_denial_on_a_known_query_is_the_executors_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, answer: Any, code: str | None
) -> None:
    await factories.payment(ALICE)
    await factories.payment(BOB)
    deny(monkeypatch, BOB, answer)
    expected = await by_executor(client, monkeypatch, PAYMENTS, BOB, first=3)
    errors = json.loads(expected[1])
    assert errors["data"] is None and codes(errors) == [code], errors
    before_view = GatewayGraphQL.answered_before_view
    assert await before_the_view(client, PAYMENTS, BOB, first=3) == expected
    assert FastPath.known.get(PAYMENTS, "P") is not None  # known (ALICE's request), yet BOB's was refused
    assert GatewayGraphQL.answered_before_view == before_view
