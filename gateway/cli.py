"""`billing-gateway …`: the command line (DESIGN.md "Command line").

What every command shares, so an operator can script any of them:

- Output: the command's result (tables, reports, progress lines) on stdout;
  the structured log (JSON lines, LOG_LEVEL/LOG_JSON, secrets masked: see
  `gateway.logging`) on stderr, configured before the command runs; a failure
  ends with one plain ``error: …`` line on stderr.
- Exit codes: 0 done; 1 the work failed (database or Stripe unreachable,
  an event not found, items that failed); 2 a usage error (bad argument or
  option, a missing or malformed setting, named). Never a traceback: anything
  unexpected is reported in one line by `main`, its traceback logged only at
  LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click import exceptions as click_errors  # typer >= 0.29 vendors click: its own classes
from typer.exceptions import Abort

from gateway import cli_operations
from gateway.cli_common import EXIT_FAILED, fail, settings_or_exit
from gateway.settings import SettingsError, load_settings

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="GraphQL billing gateway: sells Premium through Stripe.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(cli_operations.catalog_app, name="catalog")
app.add_typer(cli_operations.webhooks_app, name="webhooks")

log = logging.getLogger("gateway.cli")


@app.callback()
def _before_any_command() -> None:
    # Logs first, so whatever the command (or a library under it) logs is JSON on stderr with
    # secrets masked. With a bad setting the defaults serve until the command names the variable.
    from gateway.logging import configure_logging

    try:
        settings = load_settings()
    except SettingsError:
        configure_logging()
        return
    configure_logging(settings.log_level, settings.log_json)


@app.command()
def migrate() -> None:
    """Apply the database migrations to DATABASE_URL."""
    from gateway.db import apply_migrations

    settings = settings_or_exit()
    try:
        applied = asyncio.run(apply_migrations(settings.database_url))
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database at DATABASE_URL: {exc}", code=EXIT_FAILED)
    typer.echo(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))


@app.command()
def token(
    user_id: Annotated[str, typer.Argument(metavar="USER_ID", help="The user id, the token's `sub`.")],
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
def schema(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help='Print the introspection result (JSON, `{"__schema": …}`) instead of the SDL.'
        ),
    ] = False,
) -> None:
    """Print the GraphQL SDL (with its explicit `schema { … }` block), or its introspection as JSON."""
    # Both describe the same schema and code generators take either; the JSON is what an
    # introspection query answers, for tools that read only that, without a running gateway.
    if not as_json:
        from schema.root import print_sdl

        typer.echo(print_sdl(), nl=False)
        return
    import json

    from graphql import introspection_from_schema

    from schema.root import build_schema
    from schema.strawberry_adapter import graphql_schema

    introspection = introspection_from_schema(graphql_schema(build_schema()))
    typer.echo(json.dumps(introspection, indent=2, ensure_ascii=False))


@app.command()
def manifests(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if a checked-in manifest differs from its source.")
    ] = False,
) -> None:
    """Rewrite the persisted-operation manifests (persisted_queries/*.json) from the clients' operations.

    web.json comes from web/operations.graphql, mobile.json from persisted_queries/mobile.graphql;
    with GRAPHQL_PERSISTED_ONLY=true only their operations run.
    """
    import json

    from gateway.persisted_queries import MANIFEST_DIR, MANIFEST_SOURCES, build_manifest, write_manifests

    if check:
        stale = [
            name
            for name, source in MANIFEST_SOURCES.items()
            if not (MANIFEST_DIR / name).exists()
            or json.loads((MANIFEST_DIR / name).read_text(encoding="utf-8")) != build_manifest(source)
        ]
        if stale:
            typer.echo(f"stale manifest(s): {', '.join(stale)}; run `billing-gateway manifests`", err=True)
            raise typer.Exit(1)
        typer.echo("manifests are current")
        return
    for path in write_manifests():
        typer.echo(f"wrote {path.relative_to(MANIFEST_DIR.parent)}")


app.command()(cli_operations.reconcile)
app.command()(cli_operations.audit)


def _preload_for_forked_workers() -> None:
    """Build the app once here and fork the workers from this process (gunicorn's "preload").

    uvicorn spawns each worker as a fresh interpreter that imports the whole
    stack again: about 1.5 s of CPU per worker on a 2-core machine, all of it
    before the first answer. Forked from a process that has imported it, a
    worker only runs the app's lifespan (database pool, background jobs); the
    imported code and the schema are shared copy-on-write, frozen out of the
    cyclic GC so that collections do not copy those pages. Nothing here opens a
    connection or a thread (those belong to the lifespan, run in each worker).
    uvicorn has no switch for this; without its `spawn` context (another
    uvicorn version) workers are spawned as before.
    """
    import gc
    import multiprocessing

    import uvicorn._subprocess

    import gateway.asgi  # noqa: F401 - imports and builds the app, as each worker would

    if isinstance(getattr(uvicorn._subprocess, "spawn", None), multiprocessing.context.SpawnContext):
        gc.freeze()
        uvicorn._subprocess.spawn = multiprocessing.get_context("fork")


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
    from gateway.metrics_dir import cleanup_multiprocess_dir, prepare_multiprocess_dir

    settings = settings_or_exit()
    try:
        settings.require_for_serve()
    except SettingsError as exc:
        fail(str(exc))
    configure_logging(settings.log_level, settings.log_json)
    samples_dir = prepare_multiprocess_dir(workers)  # before the app is built: the workers inherit it
    try:
        if workers > 1:
            _preload_for_forked_workers()
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
    from gateway.dev import run_sandbox

    run_sandbox(host=host, port=port, state=state)


@app.command()
def dev(
    host: Annotated[str, typer.Option(help="Interface for the gateway (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Gateway port.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(min=1, max=65535, help="Stripe sandbox port.")] = 12111,
) -> None:
    """Run the embedded default: SQLite, the Stripe sandbox and the gateway, ready to try."""
    from gateway.dev import DevError, run_dev

    if settings_or_exit().dialect != "sqlite":  # report a bad variable by name before starting anything
        fail("dev runs on SQLite (the embedded default): unset DATABASE_URL or use sqlite://PATH")
    try:
        run_dev(host=host, port=port, sandbox_port=sandbox_port)
    except DevError as exc:
        fail(str(exc), code=EXIT_FAILED)


def describe_failure(exc: BaseException) -> str:
    """One line an operator can act on, for an exception no command handled (secrets masked)."""
    import stripe
    from tortoise.exceptions import DBConnectionError, OperationalError

    from billing.errors import PaymentProviderError
    from gateway.logging import redact_text

    text = re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__
    if isinstance(exc, stripe.StripeError | PaymentProviderError):
        line = f"Stripe request failed (STRIPE_API_BASE, STRIPE_API_KEY): {text}"
    elif isinstance(exc, OperationalError) and re.search(r"no such table|does not exist", text):
        line = f"the database has no schema yet, run `billing-gateway migrate` first ({text})"
    elif isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        line = f"a port is already in use, choose another with --port (dev: --sandbox-port too): {text}"
    elif isinstance(exc, DBConnectionError | ConnectionError | TimeoutError | socket.gaierror):
        line = f"cannot reach the database at DATABASE_URL: {type(exc).__name__}: {text}"
    else:
        line = f"unexpected {type(exc).__name__}: {text}"
    return redact_text(line)


def _command_name(args: list[str]) -> str:
    """`reconcile`, `catalog sync`, `webhooks retry`: what the log calls the command (no arguments)."""
    words = [arg for arg in args[:2] if not arg.startswith("-")]
    if words and words[0] in ("catalog", "webhooks"):
        return " ".join(words)
    return words[0] if words else ""


def run_cli(args: list[str]) -> int:
    """Run one command; returns its exit code (see the module docstring), never raises."""
    command = _command_name(args)
    started = time.monotonic()
    code = _run(args)
    if command:  # one line per run, for whoever collects the logs of scheduled commands
        log.info(
            "command finished",
            extra={"command": command, "exit_code": code, "seconds": round(time.monotonic() - started, 3)},
        )
    return code


def _run(args: list[str]) -> int:
    try:
        result = app(args=args, prog_name="billing-gateway", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        exc.show()  # the help text itself
        return exc.exit_code
    except click_errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "billing-gateway"
        typer.echo(f"error: {exc.format_message()} (see `{where} --help`)", err=True)
        return exc.exit_code
    except click_errors.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except (Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        return 130
    except Exception as exc:
        message = describe_failure(exc)
        log.error("command failed: %s", message)
        log.debug("command failed", exc_info=exc)  # the traceback, for LOG_LEVEL=DEBUG
        typer.echo(f"error: {message}", err=True)
        return EXIT_FAILED
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run_cli(sys.argv[1:]))


if __name__ == "__main__":
    main()
