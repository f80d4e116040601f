"""Support's audit trail: every admin action and every automatic money decision, appended once.

DESIGN.md "Support's audit trail": when, who (the admin's user id, or
`system`), what, on which user and object, why. Rows are only ever added
(`models.AuditEntry` refuses changes; PostgreSQL refuses them by trigger too).

Admin actions append a row each time they happen. Automatic decisions are
taken by webhook handlers that may run more than once for one event
(redelivery, retry, reconcile), so they pass a `key` naming the decision
(e.g. ``efw-refund:issfr_…``): the first run appends, every later one finds
the key taken and appends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing.pagination import NEWEST_FIRST, Cursor, Page, PageRequest, before, page_of_rows
from models import AuditEntry
from models.enums import AuditAction

log = logging.getLogger("billing.audit")

SYSTEM = "system"
MAX_REASON = 1000
MAX_SUBJECT = 255
AUDIT_FIELDS = ("id", "created_at", "actor_id", "action", "user_id", "subject", "reason")


async def record(
    action: AuditAction,
    *,
    actor: str,
    now: datetime,
    user_id: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
    key: str | None = None,
) -> bool:
    """Append one row; with `key`, only if no row was appended under that key before.

    Returns whether a row was appended. One statement either way
    (`INSERT … ON CONFLICT DO NOTHING`), so racing replicas append once.
    """
    row = await AuditEntry.create_if_absent(
        created_at=now,
        actor_id=actor[:128],
        action=action,
        user_id=user_id,
        subject=(subject or None) and subject[:MAX_SUBJECT],
        reason=(reason or None) and reason[:MAX_REASON],
        dedupe_key=key,
    )
    if row is not None:
        log.info(
            "audit: %s by %s",
            action.value,
            actor,
            extra={"audit_action": action.value, "actor": actor, "user_id": user_id, "subject": subject},
        )
    return row is not None


async def page_for_user(user_id: str, request: PageRequest) -> Page[dict[str, Any]]:
    """One keyset page of a user's audit rows, newest first."""
    rows = (
        await AuditEntry.filter(before(request.after), user_id=user_id)
        .order_by(*NEWEST_FIRST)
        .limit(request.first + 1)
        .values(*AUDIT_FIELDS)
    )
    return page_of_rows(rows, request)


def cursor_of(row: dict[str, Any]) -> Cursor:
    """Where the page after `row` starts (for the CLI's paging)."""
    return Cursor(row["created_at"], row["id"])


def render(rows: list[dict[str, Any]]) -> str:
    """A plain-text table for the terminal: when, who, what, subject, why (never cut short)."""
    if not rows:
        return "(no audit entries)"
    lines = []
    for row in rows:
        at = row["created_at"].isoformat(timespec="seconds")
        subject, reason = row["subject"] or "-", row["reason"] or ""
        lines.append(f"{at}  {row['actor_id']}  {row['action']}  {subject}  {reason}".rstrip())
    return "\n".join(["AT  ACTOR  ACTION  SUBJECT  REASON", *lines])
