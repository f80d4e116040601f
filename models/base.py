"""Shared column conventions.

Every mutable row carries `version`; writers update with
`WHERE id = ? AND version = ?` (see `VersionedModel.save_versioned`), so a
concurrent writer is detected instead of silently overwritten.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
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
