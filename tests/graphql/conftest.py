"""Fixtures for the GraphQL tests: an app over the test database and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from gql_helpers import GQL, make_settings
from starlette.applications import Starlette

from billing.clock import FixedClock
from gateway.app import create_app
from tests.factories import NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app_factory(db: str, clock: FixedClock) -> Callable[..., Starlette]:
    def make(**overrides: Any) -> Starlette:
        return create_app(make_settings(**overrides), clock=clock, manage_db=False)

    return make


@pytest.fixture
async def client(app_factory: Callable[..., Starlette]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_factory())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GQL:
    return GQL(client)
