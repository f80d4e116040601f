"""`POST /webhooks/stripe`: verify, record, acknowledge, then process in the background.

Status codes are what Stripe acts on, so each one is chosen for its effect:
- 400: the delivery is not verifiable (signature) or not an event; nothing is
  stored. Stripe retries it, which only helps after a secret is fixed.
- 413: body larger than the configured limit (read no further than the limit).
- 503: the event could not be stored (the inbox is unavailable); Stripe
  delivers it again later.
- 200: the event is durably recorded. `{"received": true, "status": …}` with
  the inbox status as this request found it; `"queued": true` when its handler
  was handed to the background (a new event, or a redelivery of one that is not
  finished); `"duplicate": true` for a redelivery. A redelivery of a PROCESSED
  or IGNORED event changes nothing.

Answering fast: Stripe times out slow endpoints and advises answering 2xx as
soon as the event is recorded and processing it asynchronously. The answer
goes out right after the one INSERT; the handler runs afterwards under the
inbox's claim (`webhooks.dispatch`, bounded concurrency). If the process dies
first, the row is still RECEIVED and the retry loop runs it after the grace
period, so a recorded event is never lost and never handled twice at once.

The body is never logged; the event id and type are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from billing.services import Services
from billing.telemetry import telemetry
from models.enums import InboxStatus
from webhooks import inbox
from webhooks.dispatch import Dispatcher
from webhooks.signature import DEFAULT_TOLERANCE_SECONDS, SignatureError, verify

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/stripe"
_FINISHED = (InboxStatus.PROCESSED, InboxStatus.IGNORED)  # a redelivery of these changes nothing

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
    grace: timedelta = inbox.DEFAULT_GRACE,
    refresh_clock: bool = True,
    dispatcher: Dispatcher | None = None,
) -> Route:
    """The Starlette route for Stripe's deliveries.

    `secrets` is the list of `whsec_…` signing secrets (several while rotating),
    or a callable returning it, for set-ups that learn the secret after the app
    is built (`dev` registers its endpoint with the sandbox at start-up).
    `get_services` is called per request, so the app can build them lazily.
    `refresh_clock=False` when a middleware already refreshes the clock per request.
    `dispatcher` runs the handlers (its concurrency, lease and handler timeout);
    one with the defaults is made per route unless given.
    """
    dispatcher = dispatcher or Dispatcher()

    def current_secrets() -> Sequence[str]:
        return secrets() if callable(secrets) else secrets

    async def stripe_webhook(request: Request) -> JSONResponse:
        with dispatcher.answering():  # handlers yield to answers (see webhooks.dispatch)
            return await _answer(request, time.perf_counter(), time.monotonic())

    async def _answer(request: Request, started: float, arrived: float) -> JSONResponse:
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
            # A new event is inserted claimed by this worker, which runs it next (one UPDATE fewer);
            # past the backlog bound it is left unclaimed, to the retry loop.
            lease = dispatcher.lease if dispatcher.has_room() else None
            row, created = await inbox.record(
                body, now=services.clock.now(), grace=grace, max_bytes=max_body_bytes, lease=lease
            )
        except inbox.InvalidEvent as exc:
            log.warning("webhook refused: signed body is not a usable event: %s", exc)
            return _error(400, f"invalid event: {exc}")
        except Exception:
            log.exception("webhook not stored: inbox unavailable")
            return _error(503, "inbox unavailable, retry later")

        if row.status in _FINISHED:  # a redelivery: counted like the run it does not need
            telemetry().webhook_event(
                row.type, inbox.Outcome.ALREADY_DONE.value.lower(), time.perf_counter() - started
            )
            queued = False
        else:
            if refresh_clock:
                await _refresh(services)  # for the handler, which runs on this reading
            held = row.claimed_until if created and lease is not None else None
            queued = dispatcher.submit(row, services, arrived=arrived, held=held)
            if not queued and held is not None:  # the backlog filled up meanwhile
                await inbox.release(row.pk, held)
        log.info(
            "webhook %s %s: %s",
            row.type,
            row.stripe_event_id,
            "queued" if queued else row.status.value,
            extra={
                "event_id": row.stripe_event_id,
                "event_type": row.type,
                "duplicate": not created,
                "status": row.status.value,
                "queued": queued,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        payload: dict[str, object] = {"received": True, "status": row.status.value}
        if not created:
            payload["duplicate"] = True
        if queued:
            payload["queued"] = True
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
