"""Support's audit trail: one row per admin action or automatic money decision, never changed."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import insert_if_absent
from models.enums import AuditAction


class AppendOnlyError(RuntimeError):
    """An audit row was about to be changed or deleted."""


class AuditEntry(Model):
    """When, who (an admin's user id, or ``system``), what, on which user and object, why.

    Append-only: there is no `version` (nothing is ever updated), `save` refuses
    an existing row and `delete` refuses always; on PostgreSQL a trigger refuses
    UPDATE and DELETE as well, whoever sends them. `created_at` is the moment
    (the contract's `at`), so the keyset pagination every list uses applies.
    `dedupe_key` makes an automatic decision recorded once however often its
    webhook is delivered or retried; admin actions leave it empty (each click
    is its own row).
    """

    id = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField()
    actor_id = fields.CharField(max_length=128)
    action = fields.CharEnumField(AuditAction, max_length=40)
    user_id = fields.CharField(max_length=128, null=True)
    subject = fields.CharField(max_length=255, null=True)
    reason = fields.CharField(max_length=1000, null=True)
    dedupe_key = fields.CharField(max_length=255, unique=True, null=True)

    class Meta:
        table = "audit_entries"
        indexes = (("user_id", "created_at", "id"),)

    @classmethod
    async def create_if_absent(cls, **values: Any) -> AuditEntry | None:
        """Append a row unless its `dedupe_key` is taken (one statement, safe across replicas)."""
        return await insert_if_absent(cls, **values)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AppendOnlyError("audit entries are never changed")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError("audit entries are never deleted")
