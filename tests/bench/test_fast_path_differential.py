"""The fast path answers byte-for-byte what graphql-core's executor answers, over random data.

Each case posts the same query twice through the real app (HTTP view, auth,
extensions): once as served (fast path where it applies), once with the fast
path switched off, and compares status and body bytes. Random users get
random payments (statuses, currencies, gifts with codes in every state, nulls
where columns allow them), subscriptions and gift time; queries cover the
frontends' reads, aliases, `__typename`, paging with cursors, defaults,
variables, and what must fall back (fragments, filters by enum, directives,
anonymous callers, bad arguments).
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from billing.clock import FixedClock
from gateway.app import create_app
from gateway.auth import mint_token
from gateway.settings import load_settings
from models.enums import (
    Currency,
    GiftCodeStatus,
    PaymentKind,
    PaymentStatus,
    ProductType,
    SubscriptionStatus,
)
from schema.fast_path import FastPath
from tests import factories
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
SERVED_QUERIES = [
    PAYMENTS,
    APP_START,
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
]
FALLBACK_QUERIES = [
    "{ payments(status: [COMPLETED, REFUNDED]) { edges { node { id status } } } }",
    "{ payments { edges { node { ...F } } } } fragment F on Payment { id amount }",
    "query($s: Boolean!) { payments { edges { node { id @include(if: $s) } } } }",
    "{ payments(first: 0) { edges { cursor } } }",
    '{ payments(after: "not-a-cursor") { edges { cursor } } }',
    "{ payments { edges { cursor } edges { node { id } } } }",
    "{ premium { active } prices { lookupKey } }",
]


async def random_user(rng: random.Random, user_id: str) -> None:
    if rng.random() < 0.8:
        await factories.customer(
            user_id,
            gift_until=NOW + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.5 else None,
            access_since=NOW - timedelta(days=rng.randint(1, 90)) if rng.random() < 0.5 else None,
            access_until=NOW + timedelta(days=rng.randint(-5, 60)) if rng.random() < 0.5 else None,
        )
    for _ in range(rng.randint(0, 2)):
        start = NOW - timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86400))
        await factories.subscription(
            user_id,
            status=rng.choice(list(SubscriptionStatus)),
            current_period_start=start,
            cancel_at_period_end=rng.random() < 0.3,
            canceled_at=start if rng.random() < 0.2 else None,
            cancellation_feedback=rng.choice([None, "too pricey", 'ünïcode ✓ "quoted"']),
        )
    for _ in range(rng.randint(0, 40)):
        created = NOW - timedelta(days=rng.randint(0, 500), seconds=rng.randint(0, 86400))
        if rng.random() < 0.3:  # some exact ties: the cursor's id settles them
            created = NOW - timedelta(days=1)
        kw: dict[str, Any] = {
            "created_at": created,
            "status": rng.choice(list(PaymentStatus)),
            "currency": rng.choice(list(Currency)),
            "amount": rng.choice([0, 1, 499, 780, 4999, 2**31 - 1]),
            "product_type": rng.choice(list(ProductType)),
            "kind": rng.choice(list(PaymentKind)),
            "checkout_session_id": None if rng.random() < 0.3 else f"cs_{rng.getrandbits(40)}",
            "stripe_payment_intent_id": None if rng.random() < 0.3 else f"pi_{rng.getrandbits(40)}",
            "stripe_subscription_id": None if rng.random() < 0.5 else f"sub_{rng.getrandbits(20)}",
            "stripe_invoice_id": None if rng.random() < 0.5 else f"in_{rng.getrandbits(60)}",
            "completed_at": None if rng.random() < 0.3 else created + timedelta(seconds=rng.randint(1, 999)),
            "version": rng.randint(1, 5),
        }
        if rng.random() < 0.25:
            status = rng.choice(list(GiftCodeStatus))
            code_kw: dict[str, Any] = {"status": status}
            if status is GiftCodeStatus.REDEEMED:
                code_kw |= {
                    "redeemed_by_user_id": rng.choice([user_id, "someone-else"]),
                    "redeemed_at": created,
                }
            code_kw["expires_at"] = NOW + timedelta(days=rng.randint(-10, 300))
            await factories.gift_purchase(user_id, code_kw=code_kw, **kw)
        else:
            await factories.payment(user_id, **kw)
    for _ in range(rng.randint(0, 5)):
        await factories.invoice(user_id, created_at=NOW - timedelta(days=rng.randint(0, 300)))


@pytest.fixture
async def http(db: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(_env_file=None, auth_jwt_secret=SECRET)
    app = create_app(settings, clock=FixedClock(NOW), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def both_ways(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any], user: str | None
) -> tuple[httpx.Response, httpx.Response, bool]:
    headers = {"Authorization": f"Bearer {mint_token(SECRET, user)}"} if user else {}
    served_before = FastPath.served
    fast = await http.post("/graphql", json=body, headers=headers)
    served = FastPath.served > served_before
    with monkeypatch.context() as m:

        async def executor_only(self: FastPath) -> None:
            return None

        m.setattr(FastPath, "_answer", executor_only)
        slow = await http.post("/graphql", json=body, headers=headers)
    return fast, slow, served


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_fast_path_answers_exactly_what_the_executor_answers(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    users = [f"user-{seed}-{i}" for i in range(6)]
    for user in users:
        await random_user(rng, user)

    served = 0
    for user in [*users, "user-without-rows"]:
        for query in SERVED_QUERIES:
            fast, slow, was_served = await both_ways(http, monkeypatch, {"query": query}, user)
            assert (fast.status_code, fast.content) == (slow.status_code, slow.content), query
            assert "errors" not in fast.json(), fast.text
            served += was_served
        # Walk every page of the user's payments with random page sizes: cursors included.
        after = None
        while True:
            variables = {"first": rng.randint(1, 100), "after": after}
            fast, slow, was_served = await both_ways(
                http, monkeypatch, {"query": PAYMENTS, "variables": variables}, user
            )
            assert fast.content == slow.content
            assert was_served
            page = json.loads(fast.content)["data"]["payments"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    assert served == len(SERVED_QUERIES) * (len(users) + 1)


async def test_everything_else_falls_back_to_the_executor_with_its_own_answer(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await random_user(random.Random(9), "user-f")
    cases: list[tuple[dict[str, Any], str | None]] = [({"query": q}, "user-f") for q in FALLBACK_QUERIES]
    cases += [
        ({"query": PAYMENTS}, None),  # anonymous: UNAUTHENTICATED from the executor
        ({"query": APP_START}, None),
        ({"query": PAYMENTS, "variables": {"first": "many"}}, "user-f"),  # variable coercion error
        ({"query": PAYMENTS, "variables": {"first": 101}}, "user-f"),  # BAD_USER_INPUT from the resolver
        (
            {"query": "query($s: Boolean!) { payments { edges { cursor } } }", "variables": {"s": True}},
            "user-f",
        ),
    ]
    for body, user in cases:
        fast, slow, was_served = await both_ways(http, monkeypatch, body, user)
        assert (fast.status_code, fast.content) == (slow.status_code, slow.content), body
        if "variables" not in body or body["variables"].get("s") is None:
            assert not was_served, body
