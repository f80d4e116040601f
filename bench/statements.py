"""SQL statements per request: one instrumented in-process run of each read scenario.

asyncpg's public query methods are wrapped with a counter (every statement the
ORM or the ceiling sends goes through `fetch`, `fetchrow`, `fetchval`,
`execute` or `executemany`, including BEGIN/COMMIT), then the gateway app and
the ceiling app each answer the same requests through an in-process ASGI
transport. The pool's reset on release (asyncpg sends `RESET ALL; …` whenever
a connection goes back to the pool) is counted apart: it is a round trip the
application did not ask for, and Tortoise pays it once per query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
import httpx

COUNTED = ("fetch", "fetchrow", "fetchval", "execute", "executemany")


class StatementCounter:
    """Counts statements the application sends; the pool's reset-on-release separately."""

    def __init__(self) -> None:
        self.count = 0
        self.resets = 0

    @contextmanager
    def installed(self) -> Iterator[StatementCounter]:
        originals = {name: getattr(asyncpg.Connection, name) for name in COUNTED}

        def wrap(original: Any) -> Any:
            async def counted(conn: Any, *args: Any, **kwargs: Any) -> Any:
                if args and args[0] == conn.get_reset_query():
                    self.resets += 1
                else:
                    self.count += 1
                return await original(conn, *args, **kwargs)

            return counted

        for name, original in originals.items():
            setattr(asyncpg.Connection, name, wrap(original))
        try:
            yield self
        finally:
            for name, original in originals.items():
                setattr(asyncpg.Connection, name, original)


@asynccontextmanager
async def gateway_client(database_url: str, jwt_secret: str):
    """The gateway app in process (same factory as `serve`), Tortoise on the bench database."""
    from tortoise import Tortoise

    from gateway.app import create_app
    from gateway.db import tortoise_config
    from gateway.settings import load_settings

    settings = load_settings(
        database_url=database_url, auth_jwt_secret=jwt_secret, clock="system", log_level="WARNING"
    )
    await Tortoise.init(config=tortoise_config(database_url, pool_max=2))
    try:
        app = create_app(settings, manage_db=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            yield client
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def ceiling_client(database_url: str, jwt_secret: str):
    import os

    os.environ["BENCH_DATABASE_URL"] = database_url
    from bench import ceiling

    ceiling._secret = jwt_secret
    async with ceiling.lifespan(ceiling.app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=ceiling.app), base_url="http://ceiling"
        ) as client:
            yield client


async def per_request(
    client: httpx.AsyncClient, path: str, requests: list[tuple[str, str]], counter: StatementCounter
) -> tuple[float, float]:
    """Average (statements, pool resets) per request over (token, body) pairs; every answer must be 200."""
    before, resets_before = counter.count, counter.resets
    for token, body in requests:
        response = await client.post(
            path,
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        if response.status_code != 200 or b'"errors"' in response.content:
            raise RuntimeError(f"instrumented request failed: {response.status_code} {response.text[:300]}")
    n = len(requests)
    return (counter.count - before) / n, (counter.resets - resets_before) / n
