"""`billing-gateway` commands that work on the gateway's data: the catalog in Stripe,
reconcile, the audit trail and the webhook inbox (registered on the app by `gateway.cli`).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from gateway.cli_common import (
    BY_HELP,
    EXIT_FAILED,
    actor_of,
    database,
    fail,
    runtime,
    settings_or_exit,
)

catalog_app = typer.Typer(help="The product catalog in Stripe.", no_args_is_help=True)
webhooks_app = typer.Typer(help="The webhook inbox.", no_args_is_help=True)


@catalog_app.command("sync")
def catalog_sync(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Make Stripe's products and prices match the catalog (idempotent)."""
    from billing.catalog import sync_catalog

    async def run() -> list[str]:
        async with runtime(settings_or_exit()) as services:
            return [str(change) for change in await sync_catalog(services, dry_run=dry_run)]

    changes = asyncio.run(run())
    for line in changes:
        typer.echo(line)
    if not changes:
        typer.echo("catalog already in sync: nothing changed")
    elif dry_run:
        typer.echo(f"dry run: {len(changes)} price(s) would change; nothing changed")
    else:
        typer.echo(f"{len(changes)} change(s)")


def reconcile(
    since: Annotated[
        str | None,
        typer.Option(help="Events created since: an ISO time or a duration (90m, 12h, 7d). Default 30d."),
    ] = None,
    every: Annotated[int, typer.Option(min=1, help="Print progress every N items.")] = 50,
    user: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this user's Stripe objects (repeatable); reads no events, which cannot be "
            "narrowed to a user, so not with --since."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
) -> None:
    """Fetch Stripe's events, subscriptions and invoices and repair anything the webhooks missed."""
    from billing.reconcile import parse_since
    from webhooks.reconcile import ReconcileReport
    from webhooks.reconcile import reconcile as run_reconcile

    if user and since is not None:
        fail("--user walks only those users' Stripe objects and reads no events: leave out --since")
    if user is not None and any(not u.strip() for u in user):
        fail("--user needs a user id")

    async def run() -> ReconcileReport:
        async with runtime(settings_or_exit()) as services:
            if user:
                return await run_reconcile(
                    services, None, progress=typer.echo, every=every, user_ids=user, actor=actor_of(by)
                )
            try:
                start = parse_since(since, services.clock.now())
            except ValueError as exc:
                fail(str(exc))
            return await run_reconcile(services, start, progress=typer.echo, every=every)

    report = asyncio.run(run())
    for line in report.lines():
        typer.echo(line)
    if report.failed:
        fail(f"{report.failed} item(s) failed; see the lines above and the log", code=EXIT_FAILED)
    typer.echo("reconcile finished: no failures")


def audit(
    user_id: Annotated[str, typer.Argument(metavar="USER_ID", help="Whose audit trail to print.")],
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="The newest N entries.")] = 50,
) -> None:
    """Print a user's audit trail (support's actions and automatic money decisions), newest first."""
    from billing import audit as audit_trail
    from billing.pagination import MAX_FIRST, PageRequest

    if not user_id.strip() or len(user_id) > 128:
        fail("USER_ID must be 1 to 128 characters")

    async def run() -> list[dict[str, object]]:
        async with database(settings_or_exit()):
            rows: list[dict[str, object]] = []
            request = PageRequest(min(limit, MAX_FIRST), None)
            while len(rows) < limit:
                page = await audit_trail.page_for_user(user_id, request)
                rows += page.items
                if not page.has_next_page:
                    break
                last = page.items[-1]
                request = PageRequest(min(limit - len(rows), MAX_FIRST), audit_trail.cursor_of(last))
            return rows[:limit]

    rows = asyncio.run(run())
    typer.echo(audit_trail.render(rows))


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
    every: Annotated[int, typer.Option(min=1, help="With --all-failed, print progress every N events.")] = 50,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
) -> None:
    """Run a failed or unfinished event now (or all failed ones, with progress)."""
    from models.enums import InboxStatus
    from webhooks import admin

    if (event_id is None) == (not all_failed):
        fail("give an EVENT_ID or --all-failed (one of the two)")
    actor = actor_of(by)

    async def run() -> list[dict[str, object]]:
        async with runtime(settings_or_exit()) as services:
            if event_id is not None:
                try:
                    return await admin.retry(services, event_id, actor=actor)
                except admin.EventNotFound as exc:
                    fail(str(exc), code=EXIT_FAILED)
            # One event at a time, so a long run shows it is moving (an event that stopped
            # failing meanwhile reports "already finished").
            failed = [row["id"] for row in await admin.list_events(InboxStatus.FAILED, limit=10**9)]
            typer.echo(f"{len(failed)} failed event(s) to retry")
            rows: list[dict[str, object]] = []
            for n, failed_id in enumerate(failed, 1):
                try:
                    rows += await admin.retry(services, failed_id, actor=actor)
                except admin.EventNotFound:  # pruned or replayed away meanwhile
                    continue
                if n % every == 0:
                    typer.echo(f"… {n}/{len(failed)} events")
            return rows

    rows = asyncio.run(run())
    typer.echo(admin.render(rows, ("id", "type", "outcome", "status", "error")))
    still = sum(1 for row in rows if row["status"] == InboxStatus.FAILED.value)
    if still:
        fail(f"{still} event(s) still failing; see the table above and the log", code=EXIT_FAILED)


@webhooks_app.command("replay")
def webhooks_replay(
    event_id: Annotated[str, typer.Argument(help="evt_… to run again.")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
) -> None:
    """Run an event's handler again, even if it finished (handlers are idempotent)."""
    from models.enums import InboxStatus
    from webhooks import admin

    actor = actor_of(by)

    async def run() -> dict[str, object]:
        async with runtime(settings_or_exit()) as services:
            try:
                return await admin.replay(services, event_id, actor=actor)
            except admin.EventNotFound as exc:
                fail(str(exc), code=EXIT_FAILED)

    row = asyncio.run(run())
    typer.echo(admin.render([row], ("id", "type", "outcome", "status", "error")))
    if row["status"] == InboxStatus.FAILED.value:
        fail(f"{event_id} failed again; see the table above and the log", code=EXIT_FAILED)
