"""Keyset (cursor) pagination, newest first by ``(created_at, id)``.

A cursor is the opaque encoding of the last row's ``(created_at, id)``; the
next page is ``WHERE (created_at, id) < cursor ORDER BY created_at DESC, id
DESC LIMIT first + 1``, which the ``(user_id, created_at, id)`` indexes answer
directly. Never OFFSET: page 1000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q

MIN_FIRST = 1
MAX_FIRST = 100
DEFAULT_FIRST = 25
_CURSOR_PREFIX = "k1:"

T = TypeVar("T")


class PaginationError(ValueError):
    """A bad `first` or a malformed `after`; the API reports it as BAD_USER_INPUT."""


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    id: int


def encode_cursor(created_at: datetime, pk: int) -> str:
    if created_at.tzinfo is None:
        raise ValueError("cursor timestamps must be aware")
    # Microsecond precision: both databases keep microseconds, so ties are exact.
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    raw = f"{_CURSOR_PREFIX}{stamp}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> Cursor:
    """The position a cursor names; PaginationError for anything we did not issue."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 128:
        raise PaginationError("Malformed cursor.")
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(raw)
        stamp, pk_text = raw[len(_CURSOR_PREFIX) :].split("|")
        created_at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
        if not pk_text.isascii() or not pk_text.isdigit():
            raise ValueError(pk_text)
        pk = int(pk_text)
        if not 0 < pk < 2**63:
            raise ValueError(pk_text)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise PaginationError("Malformed cursor.") from exc
    return Cursor(created_at, pk)


def validate_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_FIRST
    if not MIN_FIRST <= first <= MAX_FIRST:
        raise PaginationError(f"`first` must be between {MIN_FIRST} and {MAX_FIRST}.")
    return first


def before(cursor: Cursor | None) -> Q:
    """Rows strictly after `cursor` in newest-first order (i.e. older), as a filter.

    ``created_at <= c AND (created_at < c OR (created_at = c AND id < i))``: the
    redundant first term is what lets PostgreSQL and SQLite bound the index
    range scan at the cursor (the OR alone is only a filter, and a deep page
    would re-read every newer row). Equal timestamps are settled by `id`.
    """
    if cursor is None:
        return Q()
    return Q(created_at__lte=cursor.created_at) & (
        Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
    )


NEWEST_FIRST = ("-created_at", "-id")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows plus what the connection's PageInfo needs."""

    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: Cursor | None

    @classmethod
    def parse(cls, first: int | None, after: str | None) -> PageRequest:
        """Validate the GraphQL arguments; PaginationError when they are bad."""
        return cls(validate_first(first), decode_cursor(after) if after is not None else None)


def page_of_rows(rows: Sequence[dict[str, Any]], request: PageRequest) -> Page[dict[str, Any]]:
    """Cut a ``LIMIT first + 1`` result into a page: the extra row only tells "there is more"."""
    has_next = len(rows) > request.first
    items = rows[: request.first]
    return Page(
        items=items,
        cursors=[encode_cursor(row["created_at"], row["id"]) for row in items],
        has_next_page=has_next,
        has_previous_page=request.after is not None,
    )
