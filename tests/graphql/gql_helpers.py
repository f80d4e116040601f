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
