"""giftCode look-ups: failures count toward REDEEM_RATE_LIMIT per user, in the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gql_helpers import ALICE, BOB, codes

from billing import rate_limit
from billing.deps import RateLimitRule
from tests import factories as f
from tests.factories import NOW

LOOKUP = "query($c: String!) { giftCode(code: $c) { code } }"


async def test_failed_lookups_are_limited_per_user(gql, db, clock):
    _, real = await f.gift_purchase(BOB)
    # The test app allows 3 failures per 600 s.
    for i in range(3):
        assert await gql(LOOKUP, {"c": f"WRONG{i}"}) == {"data": {"giftCode": None}}
    # Allowance spent: now even a real code is refused, so codes cannot be probed.
    limited = await gql(LOOKUP, {"c": real.code})
    assert codes(limited) == ["RATE_LIMITED"] and limited["data"] == {"giftCode": None}
    # Someone else is not affected.
    assert (await gql(LOOKUP, {"c": real.code}, user="user-carol"))["data"]["giftCode"]["code"] == real.code
    # A new window starts after the old one runs out.
    clock.set(NOW + timedelta(seconds=601))
    assert (await gql(LOOKUP, {"c": real.code}))["data"]["giftCode"]["code"] == real.code


async def test_successful_lookups_do_not_count(gql, db):
    _, real = await f.gift_purchase(BOB)
    for _ in range(6):
        assert (await gql(LOOKUP, {"c": real.code}))["data"]["giftCode"]["code"] == real.code


async def test_counter_is_one_atomic_statement_per_event(db):
    rule = RateLimitRule(5, timedelta(seconds=60))
    counts = await asyncio.gather(*(rate_limit.record("k", rule, NOW) for _ in range(8)))
    assert sorted(counts) == list(range(1, 9))  # every concurrent hit counted exactly once
    assert await rate_limit.is_exceeded("k", rule, NOW) is True
    assert await rate_limit.is_exceeded("k", rule, NOW + timedelta(seconds=61)) is False
    assert await rate_limit.record("k", rule, NOW + timedelta(seconds=61)) == 1  # window restarted
    assert await rate_limit.is_exceeded(rate_limit.redeem_key(ALICE), rule, NOW) is False
