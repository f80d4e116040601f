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
    assert await rate_limit.reserve("k", rule, NOW) is False
    assert await rate_limit.reserve("k", rule, NOW + timedelta(seconds=61)) is True  # window restarted
    assert await rate_limit.record("k", rule, NOW + timedelta(seconds=61)) == 2
    assert await rate_limit.reserve(rate_limit.redeem_key(ALICE), rule, NOW) is True


async def test_reservations_hold_under_concurrency_and_successes_give_theirs_back(db):
    rule = RateLimitRule(5, timedelta(seconds=60))
    granted = await asyncio.gather(*(rate_limit.reserve("r", rule, NOW) for _ in range(12)))
    assert granted.count(True) == 5  # never more than the allowance, however many race
    await rate_limit.give_back("r", rule, NOW)
    await rate_limit.give_back("r", rule, NOW)
    assert await rate_limit.record("r", rule, NOW) == 11  # 12 taken, 2 given back, this one


async def test_aliased_lookups_and_concurrent_queries_get_at_most_the_allowance(gql, db):
    """30 aliases of giftCode in one query, 5 such queries at once: the test app allows 3 failures,
    so at most 3 lookups are answered; every other alias is RATE_LIMITED."""
    query = "{ " + " ".join(f'g{i}: giftCode(code: "WRONG-{i}") {{ code }}' for i in range(30)) + " }"
    answers = await asyncio.gather(*(gql(query) for _ in range(5)))
    answered = limited = 0
    for answer in answers:
        refused = {
            tuple(e["path"]) for e in answer.get("errors") or [] if e["extensions"]["code"] == "RATE_LIMITED"
        }
        limited += len(refused)
        answered += sum(1 for i in range(30) if (f"g{i}",) not in refused)
    assert answered <= 3 and answered + limited == 150
