"""A request id on every HTTP request: on every log line it causes, and in its response.

The id comes from the caller's ``X-Request-ID`` when that is a sane token (a
load balancer or frontend that already tagged the request keeps its id), else
it is generated. It is bound in structlog's context variables for the
request's task, so every log line of the request carries ``request_id``,
including lines of work the request started in the background (tasks copy
the context when created). The response carries it back in ``X-Request-ID``,
so a user's bug report can quote it.

A websocket connection gets an id the same way, bound for as long as it is open.

One line per finished request (method, path, status, milliseconds) goes to the
``gateway.http`` logger: INFO, or DEBUG for health probes and scrapes.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, bound_contextvars, reset_contextvars

HEADER = "x-request-id"
# Letters, digits and a few separators that ids of common proxies use (UUIDs, AWS `Root=1-…`); no spaces,
# quotes or control characters, so a client cannot forge log structure with it.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=/+-]{0,127}")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

log = logging.getLogger("gateway.http")


def request_id_from(header: bytes | None) -> str:
    """The caller's id when it is a sane token, else a fresh one."""
    if header is not None:
        try:
            text = header.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if _SANE.fullmatch(text):
            return text
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: binds ``request_id`` for the request and returns it as ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
                break
        rid = request_id_from(request_id)
        if scope["type"] == "websocket":  # one id for the connection's lifetime; no response headers
            with bound_contextvars(request_id=rid):
                await self.app(scope, receive, send)
            return
        header = (b"x-request-id", rid.encode("ascii"))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *(h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"),
                    header,
                ]
            await send(message)

        # bind/reset rather than bound_contextvars(): the same binding for this request's task
        # without copying the whole context twice per request.
        tokens = bind_contextvars(request_id=rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope["path"]
            level = logging.DEBUG if path in _QUIET_PATHS else logging.INFO
            if log.isEnabledFor(level):
                log.log(
                    level,
                    "%s %s %d",
                    scope["method"],
                    path,
                    status,
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            reset_contextvars(**tokens)
