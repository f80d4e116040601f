"""Helpers shared by the GraphQL tests: tokens, settings, a query client.

A plain module (not conftest) so test modules can import it by name; the
folder has no __init__.py on purpose: as a package named `graphql` it would
shadow graphql-core for the whole test session.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.factories`, whatever pytest's import mode put on sys.path
    sys.path.insert(0, str(ROOT))

from gateway.auth import mint_token  # noqa: E402
from gateway.settings import Settings, load_settings  # noqa: E402

SECRET = "test-secret-for-graphql-tests-0123456789"
ALICE = "user-alice"
BOB = "user-bob"
ADMIN = "user-admin"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "auth_jwt_secret": SECRET,
        "graphiql": True,
        "graphql_introspection": True,
        "redeem_rate_limit": "3/600s",
        "cors_allowed_origins": "http://localhost:3000",
    }
    values.update(overrides)
    return load_settings(**values)


def token(user_id: str = ALICE, *, admin: bool = False, ttl: timedelta = timedelta(hours=1)) -> str:
    # Real wall-clock for `exp` (PyJWT checks it against time.time()).
    return mint_token(SECRET, user_id, admin=admin, ttl=ttl)


def bearer(user_id: str = ALICE, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, admin=admin)}"}


class GQL:
    """Posts a query as a user (or anonymously) and returns the decoded response."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: str | None = ALICE,
        admin: bool = False,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        sent = dict(headers or {})
        if user is not None and "Authorization" not in sent:
            sent.update(bearer(user, admin=admin))
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=sent
        )
        assert response.status_code == 200, response.text
        return response.json()


def codes(result: dict[str, Any]) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


class SqlLog:
    """Every SQL statement sent through Tortoise's default connection while active.

    Counts at the client class (execute_query/_dict, execute_insert, execute_many,
    execute_script), which every ORM query and raw statement passes through on
    both SQLite and PostgreSQL, so the count is the number of round trips.
    """

    METHODS = (
        "execute_query",
        "execute_query_dict",
        "execute_insert",
        "execute_many",
        "execute_script",
    )

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[Any] | None]] = []
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> SqlLog:
        from tortoise import connections

        cls = type(connections.get("default"))
        for name in self.METHODS:
            original = getattr(cls, name)
            self._saved.append((cls, name, original))
            setattr(cls, name, self._wrap(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, name, original in reversed(self._saved):
            setattr(cls, name, original)

    def _wrap(self, original: Any) -> Any:
        log = self.statements

        async def wrapper(client: Any, query: str, values: Any = None, *args: Any, **kw: Any) -> Any:
            log.append((query, values))
            if values is None:
                return await original(client, query, *args, **kw)
            return await original(client, query, values, *args, **kw)

        return wrapper

    @property
    def sql(self) -> list[str]:
        return [q for q, _ in self.statements]

    def __len__(self) -> int:
        return len(self.statements)
