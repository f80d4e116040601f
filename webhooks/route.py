"""`POST /webhooks/stripe`: verify, record, process, acknowledge.

Status codes are what Stripe acts on, so each one is chosen for its effect:
- 400: the delivery is not verifiable (signature) or not an event; nothing is
  stored. Stripe retries it, which only helps after a secret is fixed.
- 413: body larger than the configured limit (read no further than the limit).
- 503: the event could not be stored, or processing broke down outside the
  handler (the database went away); Stripe delivers it again later.
- 200: the event is durably recorded and processed, ignored (unknown type),
  already finished (duplicate), in flight elsewhere, or failed and queued for
  the gateway's own retry. `{"received": true, "status": …}`.

Answering fast: the handler runs inline, but if it has not finished within
`respond_within` seconds the route answers 200 (`"in_progress": true`) and the
handler carries on in the background under its claim (bounded by
`handler_timeout`, inside the lease). Stripe times out slow endpoints (the
sandbox after 5 s) and would only redeliver what is already recorded.

The body is never logged; the event id and type are.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from billing.services import Services
from webhooks import inbox
from webhooks.signature import DEFAULT_TOLERANCE_SECONDS, SignatureError, verify

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/stripe"
DEFAULT_RESPOND_WITHIN = 4.0  # seconds; under the sandbox's 5 s delivery timeout

# Handlers still running after their response was sent: kept referenced until done.
_background: set[asyncio.Task[inbox.ProcessResult]] = set()

Secrets = Sequence[str] | Callable[[], Sequence[str]]


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (early, by Content-Length when given) anything over `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def make_webhook_route(
    get_services: Callable[[], Services],
    secrets: Secrets,
    max_body_bytes: int,
    *,
    path: str = WEBHOOK_PATH,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    lease: timedelta = inbox.DEFAULT_LEASE,
    handler_timeout: float = inbox.DEFAULT_HANDLER_TIMEOUT,
    grace: timedelta = inbox.DEFAULT_GRACE,
    respond_within: float = DEFAULT_RESPOND_WITHIN,
    refresh_clock: bool = True,
) -> Route:
    """The Starlette route for Stripe's deliveries.

    `secrets` is the list of `whsec_…` signing secrets (several while rotating),
    or a callable returning it, for set-ups that learn the secret after the app
    is built (`dev` registers its endpoint with the sandbox at start-up).
    `get_services` is called per request, so the app can build them lazily.
    `refresh_clock=False` when a middleware already refreshes the clock per request.
    """

    def current_secrets() -> Sequence[str]:
        return secrets() if callable(secrets) else secrets

    async def stripe_webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        try:
            body = await read_body(request, max_body_bytes)
        except BodyTooLarge:
            log.warning("webhook refused: body over %d bytes", max_body_bytes)
            return _error(413, "request body too large")
        except ClientDisconnect:
            return _error(400, "client disconnected")

        try:
            verify(body, request.headers.get("stripe-signature"), current_secrets(), tolerance=tolerance)
        except SignatureError as exc:
            log.warning("webhook refused: %s", exc, extra={"reason": exc.reason.value})
            return _error(400, exc.reason.value)

        services = get_services()
        try:
            row, created = await inbox.record(
                body, now=services.clock.now(), grace=grace, max_bytes=max_body_bytes
            )
        except inbox.InvalidEvent as exc:
            log.warning("webhook refused: signed body is not a usable event: %s", exc)
            return _error(400, f"invalid event: {exc}")
        except Exception:
            log.exception("webhook not stored: inbox unavailable")
            return _error(503, "inbox unavailable, retry later")

        ids = {"event_id": row.stripe_event_id, "event_type": row.type}
        if refresh_clock:
            await _refresh(services)
        try:
            task = asyncio.create_task(
                inbox.process(row, services, lease=lease, handler_timeout=handler_timeout)
            )
            _background.add(task)  # referenced until done, even if this request is cancelled
            task.add_done_callback(_background.discard)
            try:
                result = await asyncio.wait_for(asyncio.shield(task), timeout=respond_within)
            except TimeoutError:
                task.add_done_callback(functools.partial(_log_late_failure, ids))
                result = inbox.ProcessResult(inbox.Outcome.IN_PROGRESS, row.status)
        except Exception:
            # Recorded but not processed: the retry loop will pick it up after the lease/grace,
            # and a 5xx makes Stripe deliver it again too.
            log.exception("webhook recorded but processing broke down", extra=ids)
            return _error(503, "event recorded, processing interrupted; retry later")

        log.info(
            "webhook %s %s: %s",
            row.type,
            row.stripe_event_id,
            result.outcome.value,
            extra={
                **ids,
                "duplicate": not created,
                "outcome": result.outcome.value,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        payload: dict[str, object] = {"received": True, "status": result.status.value}
        if not created:
            payload["duplicate"] = True
        if result.outcome is inbox.Outcome.IN_PROGRESS:
            payload["in_progress"] = True
        return JSONResponse(payload)

    return Route(path, stripe_webhook, methods=["POST"], name="stripe_webhook")


async def _refresh(services: Services) -> None:
    """Re-read the clock source; on failure keep the previous reading (as the app's middleware does).

    Refusing the delivery would not help: the event is already recorded, and a
    handler that needs Stripe fails (and is retried) by itself if Stripe is down.
    """
    try:
        await services.clock.refresh()
    except Exception:
        log.warning("clock refresh failed; using the previous reading", exc_info=True)


def _log_late_failure(ids: dict[str, str], task: asyncio.Task[inbox.ProcessResult]) -> None:
    """A handler that outlived its response: nobody awaits it, so report a breakdown here."""
    if not task.cancelled() and task.exception() is not None:
        log.error(
            "webhook processing broke down after the response; the retry loop takes it over",
            exc_info=task.exception(),
            extra=ids,
        )
