"""What every command of `gateway.cli` shares: failing with an exit code, settings, the runtime.

Its own module so the command modules (`gateway.cli`, `gateway.cli_operations`) import it
and not each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from gateway.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from billing.services import Services

EXIT_FAILED = 1
EXIT_USAGE = 2

BY_HELP = "Who does this, for the audit trail: your admin user id (default cli:<login name>)."


def actor_of(by: str | None) -> str:
    """The audit trail's `who` for a support action run from the command line."""
    if by is not None:
        if not by.strip() or len(by) > 128:
            fail("--by must be 1 to 128 characters")
        return by.strip()
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cli"


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        fail(str(exc))


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """The database alone, for commands that only read the gateway's own rows."""
    from tortoise import Tortoise

    from gateway.db import tortoise_config

    await Tortoise.init(config=tortoise_config(settings.database_url, pool_max=4))
    try:
        yield
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Services]:
    """Database and billing services for one command (what `serve` has per process)."""
    from gateway.services import build_services

    if settings.stripe_api_key is None:
        fail("STRIPE_API_KEY is not set")
    services = build_services(settings)
    async with database(settings):
        await services.clock.refresh()
        yield services
