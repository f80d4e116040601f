"""Custom scalars. `DateTime` is ISO-8601 in UTC with an explicit offset.

Types annotate plain `datetime`; `SCALAR_MAP` (passed to StrawberryConfig by
schema.root) maps it to this definition, so every `datetime` field in the API,
whoever writes it, serialises the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry


def serialize_datetime(value: datetime) -> str:
    """``2026-11-25T18:00:00+00:00``: always UTC, always the offset, whole seconds.

    Naive datetimes would be ambiguous, so they are refused rather than guessed.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the API")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string with an offset")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("DateTime must carry a UTC offset")
    return parsed.astimezone(UTC)


DATETIME = strawberry.scalar(
    name="DateTime",
    description='ISO-8601, UTC, with offset: "2026-11-25T18:00:00+00:00"',
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

SCALAR_MAP = {datetime: DATETIME}
