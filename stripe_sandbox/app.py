"""The sandbox ASGI application.

``create_app(state_path)`` builds a Starlette app serving the Stripe API slice
under ``/v1``, the hosted pages and the ``/_sandbox`` control API.  State is
kept in memory, saved to ``state_path`` (JSON) shortly after each change and
at shutdown, and reloaded at start, so a restarted ``dev`` keeps Stripe's side
consistent with the gateway's database.  A background task delivers webhooks
and runs due work (renewals, expiry) as real time passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import (
    catalog,
    checkout,
    control,
    customers,
    discounts,
    endpoints,
    eventlog,
    invoices,
    pages,
    payments,
    portal,
    prorations,
    refunds,
    schedules,
    subscriptions,
    tax_rates,
)
from .api import json_response
from .core import DEFAULT_RETRY_DELAYS, Sandbox
from .errors import StripeError
from .store import Store

log = logging.getLogger("stripe_sandbox")

#: How often (seconds) a dirty state is written to ``state_path``.
SAVE_INTERVAL = 0.5


async def _unknown(request: Request) -> Response:
    error = StripeError(
        f"Unrecognized request URL ({request.method}: {request.url.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )
    return json_response(error.body(), 404)


async def _saver(sb: Sandbox) -> None:
    while True:
        await asyncio.sleep(SAVE_INTERVAL)
        if sb.store.dirty and sb.state_path is not None:
            data = sb.dump()  # on the loop: a consistent snapshot
            try:
                await asyncio.to_thread(Store.write, sb.state_path, data)
            except OSError:
                log.exception("could not save sandbox state")


def create_app(
    state_path: Path | None = None,
    *,
    webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    webhook_max_attempts: int = 8,
) -> Starlette:
    """Build the sandbox app.  ``state_path``: JSON file to load from and save to."""
    sb = Sandbox(
        Path(state_path) if state_path is not None else None,
        webhook_retry_delays=webhook_retry_delays,
        webhook_max_attempts=webhook_max_attempts,
    )
    for module in (invoices, checkout, refunds, discounts):
        module.install(sb)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(sb.webhooks.run_forever(), name="sandbox-webhooks")]
        if sb.state_path is not None:
            tasks.append(asyncio.create_task(_saver(sb), name="sandbox-saver"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await sb.webhooks.aclose()
            sb.save()

    routes = [
        *customers.ROUTES,
        *catalog.ROUTES,
        *checkout.ROUTES,
        *discounts.ROUTES,
        *portal.ROUTES,
        *subscriptions.ROUTES,
        *prorations.ROUTES,
        *schedules.ROUTES,
        *invoices.ROUTES,
        *payments.ROUTES,
        *refunds.ROUTES,
        *tax_rates.ROUTES,
        *eventlog.ROUTES,
        *endpoints.ROUTES,
        *control.ROUTES,
        *pages.ROUTES,
        Route("/v1/{path:path}", _unknown, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sb
    return app
