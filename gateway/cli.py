"""`billing-gateway …`: the command line (DESIGN.md "Command line").

Every command reads settings through `load_settings`, so a wrong variable is
reported by name with exit code 2 instead of a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from gateway.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from billing.services import Services

app = typer.Typer(
    help="GraphQL billing gateway: sells Premium through Stripe.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalog_app = typer.Typer(help="The product catalog in Stripe.", no_args_is_help=True)
webhooks_app = typer.Typer(help="The webhook inbox.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(webhooks_app, name="webhooks")

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        fail(str(exc))


@app.command()
def migrate() -> None:
    """Apply the database migrations to DATABASE_URL."""
    from gateway.db import apply_migrations

    settings = settings_or_exit()
    try:
        applied = asyncio.run(apply_migrations(settings.database_url))
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database at DATABASE_URL: {exc}", code=1)
    typer.echo(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))


@app.command()
def token(
    user_id: Annotated[str, typer.Argument(help="The user id, the token's `sub`.")],
    admin: Annotated[bool, typer.Option("--admin", help="Grant the admin role.")] = False,
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="Lifetime in seconds.")] = 3600,
) -> None:
    """Mint a bearer token signed with AUTH_JWT_SECRET."""
    from gateway.auth import mint_token

    settings = settings_or_exit()
    if not user_id.strip() or len(user_id) > 128:
        fail("USER_ID must be 1 to 128 characters")
    if settings.auth_jwt_secret is None:
        fail("AUTH_JWT_SECRET is not set")
    typer.echo(
        mint_token(
            settings.auth_jwt_secret.get_secret_value(),
            user_id,
            admin=admin,
            ttl=timedelta(seconds=ttl),
            audience=settings.auth_jwt_audience,
            issuer=settings.auth_jwt_issuer,
        )
    )


@app.command()
def schema() -> None:
    """Print the GraphQL SDL (with its explicit `schema { … }` block)."""
    from schema.root import print_sdl

    typer.echo(print_sdl(), nl=False)


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Services]:
    """Database and billing services for one command (what `serve` has per process)."""
    from tortoise import Tortoise

    from gateway.db import tortoise_config
    from gateway.services import build_services

    if settings.stripe_api_key is None:
        fail("STRIPE_API_KEY is not set")
    services = build_services(settings)
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_max=4))
    try:
        await services.clock.refresh()
        yield services
    finally:
        await Tortoise.close_connections()


@catalog_app.command("sync")
def catalog_sync(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Make Stripe's products and prices match the catalog (idempotent)."""
    from billing.catalog_sync import sync_catalog

    async def run() -> list[str]:
        async with runtime(settings_or_exit()) as services:
            return [str(change) for change in await sync_catalog(services, dry_run=dry_run)]

    changes = asyncio.run(run())
    for line in changes:
        typer.echo(line)
    typer.echo(f"{len(changes)} change(s)" if changes else "catalog already in sync: nothing changed")


@app.command()
def reconcile(
    since: Annotated[
        str | None,
        typer.Option(help="Events created since: an ISO time or a duration (90m, 12h, 7d). Default 30d."),
    ] = None,
    every: Annotated[int, typer.Option(min=1, help="Print progress every N items.")] = 50,
) -> None:
    """Fetch Stripe's events, subscriptions and invoices and repair anything the webhooks missed."""
    from billing.reconcile import parse_since
    from webhooks.reconcile import ReconcileReport
    from webhooks.reconcile import reconcile as run_reconcile

    async def run() -> ReconcileReport:
        async with runtime(settings_or_exit()) as services:
            try:
                start = parse_since(since, services.clock.now())
            except ValueError as exc:
                fail(str(exc))
            return await run_reconcile(services, start, progress=typer.echo, every=every)

    report = asyncio.run(run())
    for line in report.lines():
        typer.echo(line)
    if report.failed:
        fail(f"{report.failed} item(s) failed; see the lines above and the log", code=1)
    typer.echo("reconcile finished: no failures")


@webhooks_app.command("list")
def webhooks_list(
    status: Annotated[
        str | None, typer.Option(help="RECEIVED, PROCESSED, FAILED or IGNORED (default: all, failed first).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Show the webhook inbox, failed events first."""
    from models.enums import InboxStatus
    from webhooks import admin

    if status is not None and status.upper() not in InboxStatus.__members__:
        fail(f"--status must be one of {', '.join(InboxStatus.__members__)}")

    async def run() -> str:
        async with runtime(settings_or_exit()):
            return admin.render(await admin.list_events(status.upper() if status else None, limit))

    typer.echo(asyncio.run(run()))


@webhooks_app.command("retry")
def webhooks_retry(
    event_id: Annotated[str | None, typer.Argument(help="evt_… to run now.")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Run every FAILED event now.")] = False,
) -> None:
    """Run a failed or unfinished event now (or all failed ones)."""
    from webhooks import admin

    if (event_id is None) == (not all_failed):
        fail("give an EVENT_ID or --all-failed (one of the two)")

    async def run() -> str:
        async with runtime(settings_or_exit()) as services:
            try:
                rows = await admin.retry(services, event_id, all_failed=all_failed)
            except admin.EventNotFound as exc:
                fail(str(exc), code=1)
            return admin.render(rows, ("id", "type", "outcome", "status", "error"))

    typer.echo(asyncio.run(run()))


@webhooks_app.command("replay")
def webhooks_replay(event_id: Annotated[str, typer.Argument(help="evt_… to run again.")]) -> None:
    """Run an event's handler again, even if it finished (handlers are idempotent)."""
    from webhooks import admin

    async def run() -> str:
        async with runtime(settings_or_exit()) as services:
            try:
                row = await admin.replay(services, event_id)
            except admin.EventNotFound as exc:
                fail(str(exc), code=1)
            return admin.render([row], ("id", "type", "outcome", "status", "error"))

    typer.echo(asyncio.run(run()))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the production server (uvicorn).

    Refuses to start (exit 2, the variable named, no traceback) on a missing or
    wrong setting. Logs are JSON lines on stderr (LOG_LEVEL, LOG_JSON), uvicorn's
    own included. With ``--workers`` > 1, /metrics sums all workers' counters
    (prometheus_client multiprocess mode, see `gateway.metrics`).
    """
    import uvicorn

    from gateway.logging import configure_logging
    from gateway.metrics import cleanup_multiprocess_dir, prepare_multiprocess_dir

    settings = settings_or_exit()
    try:
        settings.require_for_serve()
    except SettingsError as exc:
        fail(str(exc))
    configure_logging(settings.log_level, settings.log_json)
    samples_dir = prepare_multiprocess_dir(workers)  # before the workers start: they inherit it
    try:
        uvicorn.run(
            "gateway.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=None,  # ours (configure_logging), in this process and in each worker
            access_log=False,  # gateway.request_id logs one line per request, with its id
            proxy_headers=True,
        )
    finally:
        cleanup_multiprocess_dir(samples_dir)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 12111,
    state: Annotated[Path | None, typer.Option(help="File to keep the sandbox's state in.")] = None,
) -> None:
    """Run only the local Stripe sandbox."""
    from stripe_sandbox.server import run

    run(host=host, port=port, state_path=state)


@app.command()
def dev(
    host: Annotated[str, typer.Option(help="Interface for the gateway (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Gateway port.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(min=1, max=65535, help="Stripe sandbox port.")] = 12111,
) -> None:
    """Run the embedded default: SQLite, the Stripe sandbox and the gateway, ready to try."""
    from gateway.dev import run_dev

    settings_or_exit()  # report a bad variable by name before starting anything
    run_dev(host=host, port=port, sandbox_port=sandbox_port)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
