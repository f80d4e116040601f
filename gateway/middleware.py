"""The app-wide ASGI middleware: CORS made cheap for calls without a browser, body size
limits, and one clock read per request."""

from __future__ import annotations

import logging

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing.clock import Clock
from gateway.responses import ORJSONResponse

log = logging.getLogger(__name__)

# Probes and scrapes must not touch the clock source (the sandbox clock is an HTTP call).
NO_CLOCK_REFRESH = frozenset({"/healthz", "/readyz", "/metrics"})


class GatewayCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with the request that carries no ``Origin`` (no browser) made cheap.

    For such a request all `CORSMiddleware` does is add ``Origin`` to the
    response's ``Vary`` header (joined onto any ``Vary`` already there, the
    first ``Vary`` line replaced, later ones dropped, as `MutableHeaders` sets
    it); that is done here directly, without parsing the request's headers
    into a `Headers` object and the response's into `MutableHeaders`. A request
    with an ``Origin`` goes through Starlette's code unchanged.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", ()))
                found = [i for i, (name, _) in enumerate(headers) if name == b"vary"]
                value = b", ".join([*(headers[i][1] for i in found), b"Origin"])
                if not found:
                    headers.append((b"vary", value))
                else:
                    headers[found[0]] = (b"vary", value)
                    for i in reversed(found[1:]):
                        del headers[i]
            await send(message)

        await self.app(scope, receive, send_with_vary)


class BodyLimitMiddleware:
    """413 for bodies over `max_bytes`, declared (Content-Length) or streamed (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:  # the last one, as dict(headers) would keep
            if name == b"content-length":
                declared = value
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await _too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked, or no body at all): buffer up to the limit, then replay.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away before finishing
                await self.app(scope, _replay([message], receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await _too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([buffered], receive), send)


def replay_body(body: bytes | None, then: Receive) -> Receive:
    """`receive` for a request whose body was already read (None: the client left while it was read)."""
    if body is None:
        return then
    return _replay([{"type": "http.request", "body": body, "more_body": False}], then)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """Hand out `messages`, then defer to the real `receive` (so disconnects are still seen)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return await then()

    return receive


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = ORJSONResponse({"error": "request body too large"}, status_code=413)
    await response(scope, receive, send)


class ClockRefreshMiddleware:
    """`clock.refresh()` once per request, so every decision in it sees the same source of "now"."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in NO_CLOCK_REFRESH:
            try:
                await self.clock.refresh()
            except Exception:  # the previous offset stays in force; never fail a request on it
                log.warning("clock refresh failed", exc_info=True)
        await self.app(scope, receive, send)
