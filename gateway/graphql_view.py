"""The `/graphql` view: Strawberry's ASGI view with our context, orjson, auth once per request,
known read queries answered before the view, and websockets that end with their token."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from billing.clock import Clock
from billing.deps import Viewer
from billing.services import Services
from gateway.auth import Authenticator, AuthError
from gateway.graphiql import graphiql_html
from gateway.graphql_metrics import GraphQLMetrics, record_operation
from gateway.middleware import replay_body
from gateway.persisted_queries import PersistedQueries, Refusal
from gateway.pubsub import LiveHub
from gateway.responses import ORJSONResponse
from gateway.services import billing_config
from gateway.settings import Settings
from schema.fast_path import (
    DATETIME_JSON_OPTION,
    FastPath,
    Unsupported,
    replicates,
    require_replicated,
    run_plan,
    serves,
)
from schema.root import GatewaySchema
from schema.strawberry_adapter import graphql_schema, http_streaming
from schema.types.context import GatewayContext

log = logging.getLogger(__name__)

replicates(GraphQLMetrics, "a known query answered before the view is counted by record_operation")


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
        # The fast path must account for every extension of the schema (else: FastPathRefused,
        # and the app does not start); a schema built without it answers everything in the view.
        fast_path = any(isinstance(extension, FastPath) for extension in schema.get_extensions())
        if fast_path:
            require_replicated(schema)
        self._graphql_schema = graphql_schema(schema)
        # Answering known queries before the view (see __call__) assumes what the view does
        # with them: no HTTP streaming transports (their Accept headers change the answer),
        # and no root value (Strawberry's get_root_value gives None).
        self._known_ok = (
            fast_path and not http_streaming(self) and type(self).get_root_value is GraphQL.get_root_value
        )
        self._persisted = PersistedQueries(only=settings.graphql_persisted_only)
        self._public_base_url = settings.public_base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of a known read query is answered here, before Strawberry's view; all else goes on.

        "Known": its text and operationName were parsed and validated by the
        real schema (token, depth and alias limits included) on an earlier
        request and `FastPath` could plan it (`FastPath.known`). Such a request
        is answered from the plan: same auth, same resolvers run through the
        fields' own permission checks and field extensions, same serialisation,
        same metrics, and the same bytes and headers the view would send
        (tests/bench/test_fast_path_differential.py). Schema extensions: the view
        refused at start a schema with one the fast path does not replicate.
        Whenever anything is unusual (another content type, an unknown text,
        request `extensions`, a denied permission, a resolver error, a null
        where the schema forbids one), the request goes to the view with its
        body intact, which answers it as always. The app's middlewares (request
        id, CORS, body limit, clock) run around both alike.
        """
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await super().__call__(scope, receive, send)
            return
        if scope["method"] == "GET":
            resolved_scope = await self._resolve_get(scope, receive, send)
            if resolved_scope is not None:
                await super().__call__(resolved_scope, receive, send)
            return
        body = await self._read_body(receive)
        data = _json_request(scope, body)
        if data is not None and isinstance(data.get("extensions"), dict):
            resolved = await self._persisted.resolve(data, self._clock.now())
            if isinstance(resolved, Refusal):
                await _refuse(resolved, scope, receive, send)
                return
            if resolved is not data:  # continue as if the client had sent the text
                data, body = resolved, orjson.dumps(resolved)
                scope = _with_content_length(scope, len(body))
        if data is not None and self._known_ok and await self._answer_known(scope, data, send):
            return
        await super().__call__(scope, replay_body(body, receive), send)

    async def _resolve_get(self, scope: Scope, receive: Receive, send: Send) -> Scope | None:
        """A GET naming its operation by hash, with the text filled into its query string (so a
        CDN can cache the short URL); None once a refusal was sent."""
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        raw = params.get("extensions")
        if not raw:
            return scope
        try:
            extensions = orjson.loads(raw[0])
        except orjson.JSONDecodeError:
            return scope  # the view answers the malformed parameter
        request = {"query": params["query"][0] if "query" in params else None, "extensions": extensions}
        if not isinstance(extensions, dict):
            return scope
        resolved = await self._persisted.resolve(request, self._clock.now())
        if isinstance(resolved, Refusal):
            await _refuse(resolved, scope, receive, send)
            return None
        if resolved is request:
            return scope
        params["query"] = [resolved["query"]]
        if resolved["extensions"] is None:
            params.pop("extensions")
        else:
            params["extensions"] = [orjson.dumps(resolved["extensions"]).decode()]
        return {**scope, "query_string": urlencode(params, doseq=True).encode("latin-1")}

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

    async def _answer_known(self, scope: Scope, data: dict[str, Any], send: Send) -> bool:
        """True when the request was answered; False: nothing was sent, the view must answer."""
        if data.get("extensions") is not None:
            return False
        authorization = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            return False
        plan = FastPath.known.get(query, name)
        if plan is None or not self._persisted.allowed(query):  # the view refuses what is not allowed
            return False
        if not serves(self.schema):  # an extension added since start: the view runs it
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
            result = await run_plan(plan, self._graphql_schema, context, variables)
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
            public_base_url=self._public_base_url,
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


def _json_request(scope: Scope, body: bytes | None) -> dict[str, Any] | None:
    """The body as a JSON object when the request says it is JSON; None for anything else."""
    if body is None:
        return None
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), None)
    if content_type is None or content_type.partition(b";")[0].strip().lower() != b"application/json":
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _with_content_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode("latin-1"))]}


async def _refuse(refusal: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
    await ORJSONResponse(refusal.body(), status_code=refusal.status)(scope, receive, send)


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
