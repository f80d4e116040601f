"""`/healthz` (the process answers) and `/readyz` (the database answers, within a bound)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections

from gateway.responses import ORJSONResponse

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> Response:
    return ORJSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the database answers ``SELECT 1`` within 2 s; recovers by itself when it comes back.

    The check runs as its own task and is not awaited past the deadline: on a
    network partition, cancelling an asyncpg query waits for the connection's
    (shielded) release, which waits on the dead network, so `wait_for` would
    hang the probe itself. A check still pending is reused by the next probe
    instead of starting another, so probes cannot pile up during an outage.
    """
    probe: asyncio.Task[Any] | None = getattr(request.app.state, "ready_probe", None)
    if probe is None or probe.done():
        probe = asyncio.create_task(connections.get("default").execute_query("SELECT 1"))
        probe.add_done_callback(_consume_probe_result)
        request.app.state.ready_probe = probe
    done, _ = await asyncio.wait({probe}, timeout=READY_TIMEOUT_SECONDS)
    failure: object = f"no answer within {READY_TIMEOUT_SECONDS:g} s" if not done else None
    if done:
        failure = "check cancelled" if probe.cancelled() else probe.exception()
    if failure is not None:
        log.warning("readiness check failed: %s", failure)
        return ORJSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return ORJSONResponse({"status": "ok", "database": "ok"})


def _consume_probe_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not report it as never retrieved
