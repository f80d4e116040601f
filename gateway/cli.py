"""`billing-gateway …`: the command line (DESIGN.md "Command line").

Every command reads settings through `load_settings`, so a wrong variable is
reported by name with exit code 2 instead of a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from gateway.settings import Settings, SettingsError, load_settings

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

    typer.echo(print_sdl())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the production server (uvicorn)."""
    import uvicorn

    settings = settings_or_exit()
    try:
        settings.require_for_serve()
    except SettingsError as exc:
        fail(str(exc))
    uvicorn.run(
        "gateway.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
    )


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
