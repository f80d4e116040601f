"""The Starlette application: `/graphql` (+ GraphiQL), `/healthz`, `/readyz`.

`create_app` wires settings into the schema, auth and database; the routes of
other parts of the gateway (the Stripe webhook, invoice PDFs, metrics) are
added through `extra_routes` below, or passed in as `routes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import jwt
import orjson
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

from billing.clock import Clock
from billing.deps import Viewer
from billing.services import Services
from gateway.auth import Authenticator, AuthError
from gateway.clock import make_clock
from gateway.db import tortoise_config
from gateway.graphiql import graphiql_html, vendor_mount
from gateway.graphql_metrics import instrument_schema, record_operation
from gateway.invoice_pdf import close_invoice_pdf, make_invoice_pdf_route
from gateway.logging import configure_logging
from gateway.metrics import CountWebsockets, install_telemetry, metrics_endpoint
from gateway.outbox_worker import outbox_delivery
from gateway.pubsub import LiveHub
from gateway.request_id import RequestIdMiddleware
from gateway.services import billing_config, build_services
from gateway.settings import Settings
from schema.fast_path import DATETIME_JSON_OPTION, FastPath, Unsupported, run_plan
from schema.root import GatewaySchema, SchemaOptions, build_schema
from schema.types.context import GatewayContext
from webhooks.dispatch import Dispatcher
from webhooks.retry import run_retry_loop
from webhooks.route import make_webhook_route

log = logging.getLogger("gateway.app")

READY_TIMEOUT_SECONDS = 2.0
# Probes and scrapes must not touch the clock source (the sandbox clock is an HTTP call).
_NO_CLOCK_REFRESH = frozenset({"/healthz", "/readyz", "/metrics"})


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# --- configuration derived from settings ------------------------------------------------------


def link_signing_key(settings: Settings) -> bytes:
    """Key for invoice download links, derived from a configured secret so replicas agree.

    Falls back to a per-process random key when no secret is configured (dev
    and tests only: `serve` requires AUTH_JWT_SECRET or the Stripe secrets).
    """
    for secret in (
        settings.auth_jwt_secret,
        settings.stripe_webhook_secret[0] if settings.stripe_webhook_secret else None,
        settings.stripe_api_key,
    ):
        if secret is not None:
            return hmac.new(
                secret.get_secret_value().encode(), b"invoice-download-links", hashlib.sha256
            ).digest()
    return secrets.token_bytes(32)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def schema_options(settings: Settings) -> SchemaOptions:
    return SchemaOptions(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        introspection=settings.graphql_introspection,
    )


# --- GraphQL view -----------------------------------------------------------------------------


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends graphql-transport-ws messages as text frames.

    Strawberry sends binary frames when `encode_json` returns bytes (ours does:
    orjson); browsers hand binary frames to the page as a Blob, which the
    graphql-ws client cannot parse, and it closes the socket (4400).
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            encoded = self.view.encode_json(message)
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GatewayGraphQL(GraphQL):
    """Strawberry's ASGI view with our context, orjson, and auth resolved once per request."""

    websocket_adapter_class = TextFrameWebSocketAdapter
    answered_before_view = 0  # known queries answered from their plan (per process; tests, benchmarks)

    def __init__(
        self,
        schema: GatewaySchema,
        *,
        settings: Settings,
        clock: Clock,
        services: Services | None,
        link_key: bytes,
        live: LiveHub | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=tuple(settings.cors_allowed_origins or ()),
        )
        self._live = live
        self._authenticator = Authenticator.from_settings(settings)
        self._clock = clock
        self._config = billing_config(settings)
        self._link_key = link_key
        self._services = services
        # Answering known queries before the view (see __call__) assumes what the view does
        # with them: no HTTP streaming transports (their Accept headers change the answer).
        self._known_ok = not self._stream_transport_map

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of a known read query is answered here, before Strawberry's view; all else goes on.

        "Known": its text and operationName were parsed and validated by the
        real schema (token, depth and alias limits included) on an earlier
        request and `FastPath` could plan it (`FastPath.known`). Such a request
        is answered from the plan: same auth and permission checks, same
        resolvers, same serialisation, same metrics, and the same bytes and
        headers the view would send (tests/bench/test_fast_path_differential.py).
        Whenever anything is unusual (another content type, an unknown text,
        request `extensions`, a denied permission, a resolver error, a null
        where the schema forbids one), the request goes to the view with its
        body intact, which answers it as always. The app's middlewares (request
        id, CORS, body limit, clock) run around both alike.
        """
        if scope["type"] == "http" and scope["method"] == "POST" and self._known_ok:
            body = await self._read_body(receive)
            if body is None or not await self._answer_known(scope, body, send):
                await super().__call__(scope, _replay_body(body, receive), send)
            return
        await super().__call__(scope, receive, send)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        """The whole request body, or None if the client went away first (the view then sees that)."""
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _answer_known(self, scope: Scope, body: bytes, send: Send) -> bool:
        """True when the request was answered; False: nothing was sent, the view must answer."""
        content_type = authorization = None
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"authorization" and authorization is None:
                authorization = value
        if content_type is None or content_type.partition(b";")[0].strip().lower() != b"application/json":
            return False
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(data, dict) or data.get("extensions") is not None:
            return False
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            return False
        plan = FastPath.known.get(query, name)
        if plan is None:
            return False
        started = time.perf_counter()
        viewer, auth_error = self._authenticate(
            authorization.decode("latin-1") if authorization is not None else None
        )
        if viewer is None:  # the executor reports UNAUTHENTICATED (and the view logs why)
            return False
        # response=None: a resolver that would set headers fails here and runs in the view
        context = self._context(Request(scope), None, viewer, auth_error)
        try:
            result = await run_plan(plan, self.schema._schema, context, variables)  # type: ignore[attr-defined]
        except Unsupported:
            return False
        except Exception:  # never worse than the view: it answers (and reports) whatever this was
            log.debug("fast path gave way to the executor", exc_info=True)
            return False
        content = orjson.dumps({"data": result}, option=DATETIME_JSON_OPTION)
        record_operation(plan.name, "query", result, time.perf_counter() - started)
        type(self).answered_before_view += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(content)).encode("latin-1")),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
        return True

    async def get_context(self, request: Request, response: Response) -> GatewayContext:  # type: ignore[override]
        viewer, auth_error = self._authenticate(request.headers.get("authorization"))
        return self._context(request, response, viewer, auth_error)

    def _context(
        self, request: Request, response: Response | None, viewer: Viewer | None, auth_error: str | None
    ) -> GatewayContext:
        """One request's context, alike for the view and for known queries answered before it."""
        return GatewayContext(
            request=request,
            response=response,
            viewer=viewer,
            clock=self._clock,
            config=self._config,
            auth_error=auth_error,
            link_key=self._link_key,
            services=self._services,
            live=self._live,
        )

    def _authenticate(self, header: object) -> tuple[Viewer | None, str | None]:
        """The viewer of an Authorization value, or why it was refused (for logs)."""
        if header is None:
            return None, None
        if self._authenticator is None:
            return None, "no AUTH_JWT_SECRET / AUTH_JWT_PUBLIC_KEY configured"
        if not isinstance(header, str):
            return None, "Authorization is not a string"
        try:
            return self._authenticator.authenticate(header), None
        except AuthError as exc:
            return None, str(exc)

    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """graphql-transport-ws: a bearer token in connection_init's payload wins over the header.

        Browsers cannot set headers on a websocket, so clients send
        ``{"Authorization": "Bearer …"}`` in the payload. A token that is
        present but invalid closes the socket (4403); none at all leaves an
        anonymous connection whose subscriptions answer UNAUTHENTICATED.
        """
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if header is not None:
            context.viewer, context.auth_error = self._authenticate(header)
        else:
            header = context.request.headers.get("authorization")
        if context.auth_error is not None:
            log.info("websocket refused: %s", context.auth_error)
            raise ConnectionRejectionError()
        if context.viewer is not None and isinstance(header, str):
            _close_at_expiry(context.request, header)
        return UNSET

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_html()

    def encode_json(self, data: object) -> bytes:
        # The option matters only for answers of the fast path in the view (schema.fast_path):
        # the executor's answers hold no datetime objects, the scalar wrote them as text.
        return orjson.dumps(data, option=DATETIME_JSON_OPTION)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


def _close_at_expiry(websocket: Any, header: str) -> None:
    """A websocket lives no longer than the (already verified) token it was opened with: 4401 at `exp`.

    Without the HTTP API's clock-skew leeway: the leeway forgives an issuer's clock,
    not a socket that would otherwise outlive its credentials by that much.
    """
    try:
        claims = jwt.decode(header.partition(" ")[2].strip(), options={"verify_signature": False})
        delay = max(0.0, float(claims["exp"]) - time.time())
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return

    async def close() -> None:
        with contextlib.suppress(Exception):  # already gone
            if websocket.application_state == WebSocketState.CONNECTED:
                await websocket.close(code=4401, reason="Token expired")

    def start() -> None:
        task = asyncio.get_running_loop().create_task(close())
        _background.add(task)
        task.add_done_callback(_background.discard)

    asyncio.get_running_loop().call_later(delay, start)


# Tasks started from timers stay referenced until done.
_background: set[asyncio.Task[None]] = set()


# --- middleware -------------------------------------------------------------------------------


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


def _replay_body(body: bytes | None, then: Receive) -> Receive:
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
        if scope["type"] == "http" and scope["path"] not in _NO_CLOCK_REFRESH:
            try:
                await self.clock.refresh()
            except Exception:  # the previous offset stays in force; never fail a request on it
                log.warning("clock refresh failed", exc_info=True)
        await self.app(scope, receive, send)


# --- routes -----------------------------------------------------------------------------------


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


def extra_routes(
    settings: Settings, services: Services | None, dispatcher: Dispatcher | None = None
) -> list[BaseRoute]:
    """Routes beside GraphQL: Stripe's webhook (when Stripe is configured), invoice PDFs, metrics.

    They can reach the settings, clock and services through ``request.app.state``.
    """
    routes: list[BaseRoute] = []
    if services is not None:
        secrets = [secret.get_secret_value() for secret in settings.stripe_webhook_secret]
        # The app-wide middleware already refreshed the clock for this request.
        routes.append(
            make_webhook_route(
                lambda: services,
                secrets,
                settings.max_request_bytes,
                refresh_clock=False,
                dispatcher=dispatcher,
            )
        )
    routes.append(make_invoice_pdf_route(settings))
    return routes


@asynccontextmanager
async def background_jobs(
    services: Services | None, dispatcher: Dispatcher | None = None
) -> AsyncIterator[None]:
    """The gateway's own retry of failed webhook events, for as long as the app runs.

    On the way out it also lets the webhook handlers already running finish
    (for at most `SHUTDOWN_DRAIN_SECONDS`), while the database is still open:
    an acknowledged event then takes effect now rather than after its claim
    runs out and the retry loop of another process picks it up.
    """
    if services is None:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_retry_loop(services, stop_event=stop), name="webhook-retry-loop")
    try:
        yield
    finally:
        stop.set()
        await task
        if dispatcher is not None:
            try:
                await asyncio.wait_for(dispatcher.drain(), SHUTDOWN_DRAIN_SECONDS)
            except TimeoutError:
                log.warning("webhook handlers still running at shutdown; their claims run out and retry")


SHUTDOWN_DRAIN_SECONDS = 10.0


# --- the factory ------------------------------------------------------------------------------


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    manage_db: bool = True,
    routes: Sequence[BaseRoute] = (),
    services: Services | None = None,
) -> Starlette:
    """The gateway app. `manage_db=False` when the caller already initialised Tortoise (tests).

    `services` (clock, Stripe client, policy) is built from the settings when a
    Stripe key is configured; without one (read-only tests) mutations that need
    Stripe find `context.services` None.
    """
    owns_clock = clock is None and services is None
    clock = clock or (services.clock if services else make_clock(settings.clock, settings.stripe_api_base))
    if services is None and settings.stripe_api_key is not None:
        services = build_services(settings, clock=clock)
    configure_logging(settings.log_level, settings.log_json)  # once per process; later calls are no-ops
    install_telemetry()
    schema = instrument_schema(build_schema(schema_options(settings)))
    link_key = link_signing_key(settings)
    hub = LiveHub(settings.database_url)
    dispatcher = Dispatcher()  # runs acknowledged webhook events' handlers in this process
    graphql = GatewayGraphQL(
        schema, settings=settings, clock=clock, services=services, link_key=link_key, live=hub
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with hub.running():
                if manage_db:
                    config = tortoise_config(settings.database_url, pool_max=settings.db_pool_max)
                    async with (
                        RegisterTortoise(app, config=config),
                        background_jobs(services, dispatcher),
                        outbox_delivery(
                            url=settings.outbound_webhook_url,
                            secret=_secret(settings.outbound_webhook_secret),
                            clock=clock,
                            hub=hub,
                            retention=timedelta(days=settings.outbox_retention_days),
                        ),
                    ):
                        yield
                else:
                    yield
        finally:
            await close_invoice_pdf(app)  # its pooled HTTP client to Stripe
            aclose = getattr(clock, "aclose", None)  # the sandbox clock holds an HTTP client
            if owns_clock and aclose is not None:
                await aclose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", CountWebsockets(graphql)),  # live updates (graphql-transport-ws)
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *([vendor_mount()] if settings.graphiql else []),
            *extra_routes(settings, services, dispatcher),
            *routes,
        ],
        middleware=[
            Middleware(RequestIdMiddleware),  # outermost: every response and log line gets the id
            Middleware(
                GatewayCORSMiddleware,
                allow_origins=list(settings.cors_allowed_origins or ()),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                expose_headers=["X-Request-ID"],
                max_age=600,
            ),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
            Middleware(ClockRefreshMiddleware, clock=clock),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.schema = schema
    app.state.services = services
    app.state.live = hub
    app.state.link_key = link_key  # the invoice-PDF route verifies download links with it
    return app
