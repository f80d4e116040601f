"""The raw ceiling: what this stack can do for the same reads with no framework in between.

A minimal Starlette app (run by uvicorn with 2 workers, like the gateway): it
authenticates the same HS256 JWT with pyjwt, runs the same SQL statements as
the gateway with asyncpg and returns the same JSON with orjson. The bench
checks that its answers are byte-identical to the gateway's for a sample, so
the ratio gateway/ceiling compares equal work.

The SQL is the gateway's own statements (`billing.read_queries`,
`billing.premium.rule.RULE_ROWS`: the same texts, sent with asyncpg), and the pool
hands connections back the way the gateway's does (`gateway.db`: no
``RESET ALL`` round trip), so both do the same database work. The JSON is
built from the project's own pure helpers (cursor and ID encoding, the premium
rule, the DateTime format), so the two cannot drift apart by re-implementation.

    uvicorn bench.ceiling:app --workers 2   (env: BENCH_DATABASE_URL, AUTH_JWT_SECRET)
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing import ids, read_queries
from billing.pagination import PageRequest, encode_cursor
from billing.premium.rule import RULE_ROWS, group_rule_rows, state_from_rows
from gateway.db import release_without_session_reset
from schema.types.scalars import serialize_datetime

# A page of payments joined with their gift codes: $1 user, $2 limit; $3, $4 the cursor's created_at and id.
PAYMENTS_FIRST_PAGE = read_queries.PAYMENTS_WITH_GIFT_CODES_FIRST_PAGE.postgres
PAYMENTS_AFTER = read_queries.PAYMENTS_WITH_GIFT_CODES_AFTER.postgres
PREMIUM_RULE_ROWS = RULE_ROWS.postgres  # $1 user ids
CURRENT_SUBSCRIPTION = read_queries.CURRENT_SUBSCRIPTION.postgres  # $1 user

_pool: asyncpg.Pool | None = None
_secret = os.environ.get("AUTH_JWT_SECRET", "")


def _dt(value: datetime | None) -> str | None:
    return serialize_datetime(value) if value is not None else None


def _viewer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = jwt.decode(token.strip(), _secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) and sub else None


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


UNAUTHENTICATED = {"data": None, "errors": [{"message": "unauthenticated"}]}


async def payments(request: Request) -> Response:
    user_id = _viewer(request)
    if user_id is None:
        return _json(UNAUTHENTICATED)
    variables = orjson.loads(await request.body()).get("variables") or {}
    page = PageRequest.parse(variables.get("first", 25), variables.get("after"))
    assert _pool is not None
    async with _pool.acquire() as conn:
        if page.after is None:
            rows = await conn.fetch(PAYMENTS_FIRST_PAGE, user_id, page.first + 1)
        else:
            rows = await conn.fetch(
                PAYMENTS_AFTER, user_id, page.first + 1, page.after.created_at, page.after.id
            )
    edges = []
    for r in rows[: page.first]:
        has_code = r["is_gift"] and r["gift_id"] is not None
        edges.append(
            {
                "cursor": encode_cursor(r["created_at"], r["id"]),
                "node": {
                    "id": ids.encode("Payment", r["id"]),
                    "userId": r["user_id"],
                    "checkoutSessionId": r["checkout_session_id"],
                    "stripeCustomerId": r["stripe_customer_id"],
                    "stripePaymentIntentId": r["stripe_payment_intent_id"],
                    "stripeSubscriptionId": r["stripe_subscription_id"],
                    "stripeInvoiceId": r["stripe_invoice_id"],
                    "stripePriceId": r["stripe_price_id"],
                    "productType": r["product_type"],
                    "amount": r["amount"],
                    "currency": r["currency"],
                    "status": r["status"],
                    "isGift": r["is_gift"],
                    "createdAt": _dt(r["created_at"]),
                    "completedAt": _dt(r["completed_at"]),
                    "version": r["version"],
                    "giftCode": {"code": r["gift_code"], "redeemed": r["gift_status"] == "REDEEMED"}
                    if has_code
                    else None,
                },
            }
        )
    return _json(
        {
            "data": {
                "payments": {
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": len(rows) > page.first,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                }
            }
        }
    )


async def app_start(request: Request) -> Response:
    user_id = _viewer(request)
    if user_id is None:
        return _json(UNAUTHENTICATED)
    now = datetime.now(UTC)
    assert _pool is not None
    async with _pool.acquire() as conn:
        rule_rows = await conn.fetch(PREMIUM_RULE_ROWS, [user_id])
        current = await conn.fetchrow(CURRENT_SUBSCRIPTION, user_id)
    state = state_from_rows(group_rule_rows([dict(r) for r in rule_rows], [user_id])[user_id], now)
    return _json(
        {
            "data": {
                "premium": {"active": state.active, "until": _dt(state.until), "source": str(state.source)},
                "subscription": {
                    "status": current["status"],
                    "currentPeriodEnd": _dt(current["current_period_end"]),
                }
                if current
                else None,
            }
        }
    )


@asynccontextmanager
async def lifespan(app: Starlette):
    global _pool
    dsn = os.environ["BENCH_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    _pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10, reset=release_without_session_reset)
    try:
        yield
    finally:
        await _pool.close()


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


app = Starlette(
    routes=[
        Route("/s1", payments, methods=["POST"]),
        Route("/s3", app_start, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ],
    lifespan=lifespan,
)
