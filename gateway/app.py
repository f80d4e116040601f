"""The Starlette application: `/graphql` (+ GraphiQL), `/healthz`, `/readyz`.

`create_app` wires settings into the schema, auth and database; the routes of
other parts of the gateway (the Stripe webhook, invoice PDFs, metrics) are
added through `extra_routes` below, or passed in as `routes`.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp
from tortoise.contrib.starlette import RegisterTortoise

from billing.clock import Clock
from billing.services import Services
from gateway.clock import make_clock
from gateway.db import tortoise_config
from gateway.graphiql import WithPage, dev_graphiql_html, vendor_mount
from gateway.graphql_metrics import instrument_schema
from gateway.graphql_view import GatewayGraphQL
from gateway.health import healthz, readyz
from gateway.invoice_pdf import close_invoice_pdf, make_invoice_pdf_route
from gateway.logging import configure_logging
from gateway.metrics import CountWebsockets, install_telemetry, metrics_endpoint
from gateway.middleware import BodyLimitMiddleware, ClockRefreshMiddleware, GatewayCORSMiddleware
from gateway.outbox_worker import outbox_delivery
from gateway.persisted_queries import load_manifests
from gateway.pubsub import LiveHub
from gateway.request_id import RequestIdMiddleware
from gateway.services import build_services
from gateway.settings import Settings
from gateway.web_app import DemoSession, web_routes
from schema.root import SchemaOptions, build_schema
from webhooks.dispatch import Dispatcher
from webhooks.retry import run_retry_loop
from webhooks.route import make_webhook_route

log = logging.getLogger("gateway.app")


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
        max_nodes=settings.graphql_max_nodes,
        introspection=settings.graphql_introspection,
        persisted_only=frozenset(load_manifests()) if settings.graphql_persisted_only else None,
    )


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
    demo: DemoSession | None = None,
) -> Starlette:
    """The gateway app. `manage_db=False` when the caller already initialised Tortoise (tests).

    `services` (clock, Stripe client, policy) is built from the settings when a
    Stripe key is configured; without one (read-only tests) mutations that need
    Stripe find `context.services` None. `demo` is dev's alone (`serve` builds the
    app from settings only): the web client and GraphiQL then open as the demo user.
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
    dispatcher = Dispatcher.for_pool(settings.db_pool_max)  # runs acknowledged events' handlers here
    graphql = GatewayGraphQL(
        schema, settings=settings, clock=clock, services=services, link_key=link_key, live=hub
    )
    graphql_http: ASGIApp = graphql
    if demo is not None and settings.graphiql:  # dev: GraphiQL opens with the demo token and examples
        graphql_http = WithPage(graphql, dev_graphiql_html(demo), graphql.should_render_graphql_ide)

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
                        # What start-up built (schema, plans, models, pools) lives as long as the
                        # process: moved out of the cyclic GC's reach, a full collection no longer
                        # walks it (about 30 ms of pause per collection, on every request in flight).
                        gc.freeze()
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
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", CountWebsockets(graphql)),  # live updates (graphql-transport-ws)
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *([vendor_mount()] if settings.graphiql else []),
            *(web_routes(demo) if settings.web_app else []),
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
