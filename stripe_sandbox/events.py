"""Events: the ``event`` objects Stripe records and sends to webhook endpoints.

Why: the gateway learns what happened only from events, so each one carries
a snapshot of its object at emission time (``data.object``), the
``previous_attributes`` of an update, the sandbox time as ``created`` and the
originating API request (``request.id``/``idempotency_key``) or ``null`` for
automatic ones (renewals, retries).  Emission also queues one delivery per
enabled webhook endpoint subscribed to the type.
"""

from __future__ import annotations

import contextvars
import copy
from typing import TYPE_CHECKING, Any

from . import conformance
from .store import sortable_id

if TYPE_CHECKING:
    from .core import Sandbox

API_VERSION = "2026-10-28.endive"

#: The API request being served, if any: ``{"id": "req_…", "idempotency_key": …}``.
current_request: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "current_request", default=None
)


def emit(
    sb: Sandbox,
    event_type: str,
    obj: dict[str, Any],
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record an event about ``obj`` and queue its webhook deliveries."""
    request = current_request.get() or {"id": None, "idempotency_key": None}
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous_attributes:
        data["previous_attributes"] = copy.deepcopy(previous_attributes)
    seq = sb.next_seq()
    event = {
        "id": sortable_id("evt", seq),
        "object": "event",
        "api_version": API_VERSION,
        "created": sb.clock.now(),
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": dict(request),
        "type": event_type,
    }
    sb.store.add(event)
    conformance.record_event(event)
    sb.store.meta_of(event["id"])["seq"] = seq
    for endpoint in sb.store.all("webhook_endpoint"):
        if endpoint["status"] != "enabled":
            continue
        enabled = endpoint["enabled_events"]
        if "*" in enabled or event_type in enabled:
            sb.webhooks.queue(event, endpoint)
    return event


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``previous_attributes``: the old values of top-level keys that changed."""
    return {k: before.get(k) for k in after if before.get(k) != after.get(k)}
