"""The gateway's cheaper middlewares behave exactly like what they replaced."""

from __future__ import annotations

import itertools
from typing import Any

from starlette.middleware.cors import CORSMiddleware

from gateway.middleware import GatewayCORSMiddleware

ORIGINS = ["http://localhost:3000"]


def _app(response_headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(response_headers)})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _sent(
    middleware: Any, request_headers: list[tuple[bytes, bytes]], method: str = "POST"
) -> list[Any]:
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/graphql", "headers": request_headers}
    await middleware(scope, receive, send)
    return sent


async def test_cors_without_an_origin_adds_vary_exactly_as_starlette_does() -> None:
    response_headers = [
        [],
        [(b"content-type", b"application/json")],
        [(b"vary", b"Accept-Encoding")],
        [(b"vary", b"Accept"), (b"content-length", b"2"), (b"vary", b"Cookie")],
        [(b"Vary", b"Accept")],  # not a lower-case name: neither treats it as Vary
    ]
    request_headers = [
        [(b"content-type", b"application/json")],
        [(b"origin", b"http://localhost:3000")],
        [(b"origin", b"https://evil.example")],
        [(b"origin", b"http://localhost:3000"), (b"access-control-request-method", b"POST")],
    ]
    for response, request, method in itertools.product(
        response_headers, request_headers, ["POST", "OPTIONS"]
    ):
        options = {
            "allow_origins": ORIGINS,
            "allow_methods": ["GET", "POST"],
            "expose_headers": ["X-Request-ID"],
        }
        ours = await _sent(GatewayCORSMiddleware(_app(response), **options), request, method)
        theirs = await _sent(CORSMiddleware(_app(response), **options), request, method)
        assert ours == theirs, (response, request, method)
