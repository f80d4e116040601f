"""Billing period arithmetic anchored like Stripe's ``billing_cycle_anchor``.

Why: a subscription bought on the 31st renews on the last day of shorter
months and back on the 31st after them; computing each period end from the
anchor (not from the previous end) keeps that drift-free.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta


def add_interval(anchor: int, interval: str, count: int) -> int:
    """``anchor`` plus ``count`` intervals (``day``/``week``/``month``/``year``)."""
    start = datetime.fromtimestamp(anchor, UTC)
    if interval == "day":
        return int((start + timedelta(days=count)).timestamp())
    if interval == "week":
        return int((start + timedelta(weeks=count)).timestamp())
    months = count * (12 if interval == "year" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def next_period_end(anchor: int, current_end: int, interval: str, count: int) -> int:
    """The first anchored boundary strictly after ``current_end``."""
    if current_end < anchor:
        return anchor
    n = 1
    while True:
        candidate = add_interval(anchor, interval, count * n)
        if candidate > current_end:
            return candidate
        n += 1
