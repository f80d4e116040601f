"""Fixed-window rate limits kept in the database, so every replica shares one count.

A counter row per key (``redeem:<user_id>``). Recording an event is one atomic
upsert: insert count 1, or increment, or restart the window when it has run
out, and return the new count. No read-modify-write, so two replicas hitting
the same key at once both count.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import connections
from tortoise.expressions import F

from billing.deps import RateLimitRule
from billing.telemetry import telemetry
from models import RateLimitCounter

# One statement on both dialects (SQLite >= 3.35 has upsert with RETURNING). In SET,
# every right-hand side sees the old row, so `count` and `window_start` agree.
_UPSERT = """
INSERT INTO rate_limit_counters (key, window_start, count) VALUES ({p1}, {p2}, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN rate_limit_counters.window_start <= {p3}
               THEN 1 ELSE rate_limit_counters.count + 1 END,
  window_start = CASE WHEN rate_limit_counters.window_start <= {p3}
                      THEN excluded.window_start ELSE rate_limit_counters.window_start END
RETURNING count
"""
_SQL = {
    "postgres": _UPSERT.format(p1="$1", p2="$2", p3="$3"),
    "sqlite": _UPSERT.format(p1="?", p2="?", p3="?"),
}


def redeem_key(user_id: str) -> str:
    """The counter shared by failed `giftCode` lookups and failed `redeemGift` attempts."""
    return f"redeem:{user_id}"


async def record(key: str, rule: RateLimitRule, now: datetime) -> int:
    """Count one event for `key`; returns the count in the current window (1 = first)."""
    conn = connections.get("default")
    # execute_query_dict, not execute_query: asyncpg's execute_query drops RETURNING rows of an INSERT.
    dialect = conn.capabilities.dialect
    expired_before = now - rule.window
    if dialect == "postgres":
        rows = await conn.execute_query_dict(_SQL["postgres"], [key, now, expired_before])
    else:  # `?` placeholders are positional: the window test appears twice
        rows = await conn.execute_query_dict(_SQL["sqlite"], [key, now, expired_before, expired_before])
    return int(rows[0]["count"])


async def reserve(key: str, rule: RateLimitRule, now: datetime) -> bool:
    """Take one attempt from `key`'s allowance *before* looking anything up; False when none is left.

    Checking first and counting after let 30 aliases of one query, or 5 queries at once, all
    pass the check before any of them counted. One atomic increment per attempt cannot be
    walked around that way; an attempt that succeeds gives its unit back (`give_back`), so
    only failures use up the allowance, as before.
    """
    if await record(key, rule, now) > rule.count:
        telemetry().rate_limit_hit(key.split(":", 1)[0])
        return False
    return True


async def give_back(key: str, rule: RateLimitRule, now: datetime) -> None:
    """Return the unit a successful attempt reserved (never below zero, only in the same window)."""
    await RateLimitCounter.filter(key=key, count__gt=0, window_start__gt=now - rule.window).update(
        count=F("count") - 1
    )
