"""What `billing-gateway webhooks list|retry|replay` does, as plain functions returning dicts.

- `list_events`: FAILED first (they need attention), then the newest.
- `retry`: run a FAILED or unfinished event now, ignoring its backoff and the
  automatic attempt limit; refuses finished ones (that is `replay`).
- `replay`: run the handler again even for a PROCESSED or IGNORED event, e.g.
  after a fix, or once a handler exists for a previously ignored type.
  Safe because handlers are idempotent and converge on Stripe's state.
All of them go through `inbox.claim`, so they never race a running handler.
Every retry and replay is an admin action in the audit trail
(WEBHOOK_RETRIED / WEBHOOK_REPLAYED, by `actor`, on the user the event concerns).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from billing import audit
from billing.services import Services
from models import Customer
from models.enums import AuditAction, InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox

DEFAULT_LIST_LIMIT = 50
_TABLE_COLUMNS = ("id", "type", "status", "attempts", "received_at", "next_attempt_at", "last_error")
_MAX_CELL = 60


class EventNotFound(LookupError):
    def __init__(self, event_id: str) -> None:
        super().__init__(f"no webhook event {event_id} in the inbox")
        self.event_id = event_id


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def describe(row: WebhookEvent) -> dict[str, Any]:
    """A printable summary of an inbox row (no payload: it can be large and personal)."""
    return {
        "id": row.stripe_event_id,
        "type": row.type,
        "status": row.status.value,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created": row.stripe_created,
        "received_at": _iso(row.received_at),
        "processed_at": _iso(row.processed_at),
        "next_attempt_at": _iso(row.next_attempt_at),
        "claimed_until": _iso(row.claimed_until),
    }


async def list_events(
    status: InboxStatus | str | None = None, limit: int = DEFAULT_LIST_LIMIT
) -> list[dict[str, Any]]:
    """Up to `limit` events, FAILED first, then newest received first; optionally of one status."""
    if limit < 1:
        return []
    if status is not None:
        wanted = InboxStatus(status.upper() if isinstance(status, str) else status)
        rows = await WebhookEvent.filter(status=wanted).order_by("-received_at", "-id").limit(limit)
        return [describe(row) for row in rows]
    failed = await WebhookEvent.filter(status=InboxStatus.FAILED).order_by("-received_at", "-id").limit(limit)
    rest: list[WebhookEvent] = []
    if len(failed) < limit:
        rest = (
            await WebhookEvent.exclude(status=InboxStatus.FAILED)
            .order_by("-received_at", "-id")
            .limit(limit - len(failed))
        )
    return [describe(row) for row in [*failed, *rest]]


async def _get(event_id: str) -> WebhookEvent:
    row = await WebhookEvent.get_or_none(stripe_event_id=event_id)
    if row is None:
        raise EventNotFound(event_id)
    return row


def _result(row: WebhookEvent, result: inbox.ProcessResult) -> dict[str, Any]:
    return {
        "id": row.stripe_event_id,
        "type": row.type,
        "outcome": result.outcome.value,
        "status": result.status.value,
        "error": result.error,
    }


async def user_of_event(row: WebhookEvent) -> str | None:
    """The user an event concerns, as far as its payload tells: metadata, else the customer's row."""
    try:
        obj = orjson.loads(row.payload)["data"]["object"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not isinstance(obj, dict):
        return None
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    for metadata in (obj.get("metadata"), details.get("metadata")):
        if isinstance(metadata, dict) and metadata.get("user_id"):
            return str(metadata["user_id"])
    customer = obj.get("customer")
    customer_id = customer.get("id") if isinstance(customer, dict) else customer
    if isinstance(customer_id, str) and customer_id:
        return await Customer.filter(stripe_customer_id=customer_id).first().values_list("user_id", flat=True)
    return None


async def _audit(
    services: Services, action: AuditAction, actor: str, row: WebhookEvent, result: dict[str, Any]
) -> None:
    await audit.record(
        action,
        actor=actor,
        now=services.clock.now(),
        user_id=await user_of_event(row),
        subject=row.stripe_event_id,
        reason=f"{row.type}: {result['outcome']} ({result['status']})",
    )


async def retry(
    services: Services, event_id: str | None = None, *, all_failed: bool = False, actor: str
) -> list[dict[str, Any]]:
    """Run one unfinished event, or every FAILED one, now; one result dict per event."""
    if (event_id is None) == (not all_failed):
        raise ValueError("give an event id or all_failed=True, not both")
    await services.clock.refresh()
    if event_id is not None:
        rows = [await _get(event_id)]
    else:
        rows = await WebhookEvent.filter(status=InboxStatus.FAILED).order_by("next_attempt_at", "id")
    results = []
    for row in rows:
        if row.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED):
            result = {
                "id": row.stripe_event_id,
                "type": row.type,
                "outcome": inbox.Outcome.ALREADY_DONE.value,
                "status": row.status.value,
                "error": "already finished; use replay to run it again",
            }
        else:
            result = _result(row, await inbox.process(row, services))
        # Asked for, even when there was nothing to run: the trail shows what support did.
        await _audit(services, AuditAction.WEBHOOK_RETRIED, actor, row, result)
        results.append(result)
    return results


async def replay(services: Services, event_id: str, *, actor: str) -> dict[str, Any]:
    """Run the event's handler again whatever its status (not while another worker holds it)."""
    await services.clock.refresh()
    row = await _get(event_id)
    result = _result(row, await inbox.process(row, services, force=True))
    await _audit(services, AuditAction.WEBHOOK_REPLAYED, actor, row, result)
    return result


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str] = _TABLE_COLUMNS) -> str:
    """A plain-text table of `list_events`/`retry` results for the terminal (long cells cut short)."""
    if not rows:
        return "(no webhook events)"
    shown = [c for c in columns if any(c in row for row in rows)]

    def cell(value: Any) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"

    cells = [[cell(row.get(c)) for c in shown] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(shown)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(shown, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines)
