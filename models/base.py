"""Shared column conventions.

Every mutable row carries `version`; writers update with
`WHERE id = ? AND version = ?` (see `VersionedModel.save_versioned`), so a
concurrent writer is detected instead of silently overwritten.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, Self, TypeVar

from tortoise import fields
from tortoise.models import Model


class StaleVersionError(Exception):
    """The row changed since it was read; re-read and try again."""


#: How many times a writer re-reads and decides again before giving up. A conflict means only
#: that someone else wrote first; eight rounds outlast every contention the concurrency tests
#: produce (ten writers on one row), and a bound turns a livelock into an error: a webhook
#: event is then retried later, a mutation answers the masked internal error.
CONFLICT_ATTEMPTS = 8

_T = TypeVar("_T")


async def retry_on_conflict(
    what: str,
    attempt: Callable[[], Awaitable[_T]],
    *,
    reread: Callable[[], Awaitable[object]] | None = None,
) -> _T:
    """`attempt()` until it meets no concurrent writer: the one optimistic-concurrency loop.

    `attempt` reads what it needs (or uses what `reread` refreshed), decides, and writes with
    `save_versioned` (or an insert that raises `StaleVersionError` when a unique key was taken
    meanwhile). On `StaleVersionError`, `reread()` runs and `attempt` runs again, at most
    `CONFLICT_ATTEMPTS` times; then `StaleVersionError("<what> kept changing")`.
    """
    for _ in range(CONFLICT_ATTEMPTS):
        try:
            return await attempt()
        except StaleVersionError:
            if reread is not None:
                await reread()
    raise StaleVersionError(f"{what} kept changing")


class VersionedModel(Model):
    version = fields.IntField(default=1)

    class Meta:
        abstract = True

    async def save_versioned(self, **changes: Any) -> None:
        """Apply `changes` if nobody else changed the row since it was read.

        A single conditional UPDATE: on success the in-memory object gets the
        new values and version; on conflict nothing is written and
        `StaleVersionError` is raised for the caller's retry loop.
        """
        cls = type(self)
        updated = await cls.filter(pk=self.pk, version=self.version).update(
            **changes, version=self.version + 1
        )
        if updated != 1:
            raise StaleVersionError(f"{cls.__name__} {self.pk} changed concurrently")
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1

    @classmethod
    async def upsert_versioned(
        cls,
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        on_create: dict[str, Any] | None = None,
        keep_if: Callable[[Self], bool] | None = None,
        with_changes: dict[str, Any] | None = None,
    ) -> tuple[Self, bool]:
        """Make the row found by `lookup` carry `values`; create it (with `on_create`) if absent.
        A row for which `keep_if(row)` holds is left as it is (e.g. it already holds newer state).
        `with_changes` is written along with a change of `values` (or on create), never alone: a
        bookkeeping stamp that is not worth an UPDATE when the data is the same.

        Race-safe on both sides: a concurrent insert makes `create_if_absent` find the
        unique lookup taken and the loop re-reads; a concurrent update raises
        StaleVersionError and the loop re-reads. Usable inside a transaction.
        Returns the row and whether anything was written.
        """

        async def attempt() -> tuple[Self, bool]:
            row = await cls.get_or_none(**lookup)
            if row is None:
                created = await cls.create_if_absent(
                    **lookup, **values, **(with_changes or {}), **(on_create or {})
                )
                if created is None:
                    raise StaleVersionError(f"{cls.__name__} {lookup} created meanwhile")
                return created, True
            if keep_if is not None and keep_if(row):
                return row, False
            changes = {k: v for k, v in values.items() if getattr(row, k) != v}
            if not changes:
                return row, False
            await row.save_versioned(**changes, **(with_changes or {}))
            return row, True

        return await retry_on_conflict(f"{cls.__name__} {lookup}", attempt)

    @classmethod
    async def create_if_absent(cls, **values: Any) -> Self | None:
        """Insert a row unless a unique column already holds its value (see `insert_if_absent`)."""
        return await insert_if_absent(cls, **values)


M = TypeVar("M", bound=Model)


async def insert_if_absent(model: type[M], **values: Any) -> M | None:
    """Insert a row unless a unique column already holds its value: the new row, or None.

    One statement, `INSERT … ON CONFLICT DO NOTHING RETURNING id`: cheaper than
    looking up first where the row is usually new, and, unlike a failed plain
    INSERT, a conflict does not abort an enclosing PostgreSQL transaction.
    """
    row = model(**values)
    meta = model._meta
    db = meta.db  # the current transaction's connection, if any
    sql, columns = _insert_if_absent_sql(model, db.capabilities.dialect == "postgres")
    inserted = await db.execute_query_dict(
        sql, [meta.fields_map[name].to_db_value(getattr(row, name), row) for name in columns]
    )
    if not inserted:
        return None
    row.pk = next(iter(inserted[0].values()))
    row._saved_in_db = True  # as `Model.save` leaves it: a later save() updates this row
    return row


@cache
def _insert_if_absent_sql(model: type[Model], postgres: bool) -> tuple[str, list[str]]:
    """`create_if_absent`'s statement for `model` and the fields it binds, in order (built once)."""
    meta = model._meta
    columns = [name for name in meta.fields_db_projection if not meta.fields_map[name].generated]
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(columns) + 1))
    names = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in columns)
    table, pk = meta.db_table, meta.fields_db_projection[meta.pk_attr]
    # Names come from the model, every value is bound.
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING "{pk}"'  # noqa: S608
    return sql, columns
