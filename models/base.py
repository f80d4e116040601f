"""Shared column conventions.

Every mutable row carries `version`; writers update with
`WHERE id = ? AND version = ?` (see `VersionedModel.save_versioned`), so a
concurrent writer is detected instead of silently overwritten.
"""

from __future__ import annotations

from typing import Any, Self

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model


class StaleVersionError(Exception):
    """The row changed since it was read; re-read and try again."""


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
        attempts: int = 8,
    ) -> tuple[Self, bool]:
        """Make the row found by `lookup` carry `values`; create it (with `on_create`) if absent.

        Race-safe on both sides: a concurrent insert surfaces as IntegrityError on the
        unique lookup and the loop re-reads; a concurrent update as StaleVersionError.
        Returns the row and whether anything was written.
        """
        for _ in range(attempts):
            row = await cls.get_or_none(**lookup)
            if row is None:
                try:
                    return await cls.create(**lookup, **values, **(on_create or {})), True
                except IntegrityError:
                    continue
            changes = {k: v for k, v in values.items() if getattr(row, k) != v}
            if not changes:
                return row, False
            try:
                await row.save_versioned(**changes)
                return row, True
            except StaleVersionError:
                continue
        raise StaleVersionError(f"{cls.__name__} {lookup} kept changing")
