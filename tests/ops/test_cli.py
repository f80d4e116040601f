"""The command line as an operator meets it: help, one-line errors, exit codes, JSON logs, progress.

Every command runs as a real subprocess (`python -m gateway.cli`, what the
`billing-gateway` script runs) with only the variables the test gives it, in an
empty directory (no `.env`), against the test database and a Stripe sandbox
over HTTP. The contract (see `gateway.cli`): results on stdout; on stderr JSON
log lines and, when the command failed, one final plain ``error: …`` line;
exit 0 done, 1 the work failed, 2 a usage error; never a traceback.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from ops_serve import JWT_SECRET, STRIPE_KEY, WEBHOOK_SECRET, clean_env, free_port

from gateway.cli import app, run_cli
from stripe_sandbox.testing import SandboxServer
from webhooks import inbox

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def logs(self) -> list[dict[str, Any]]:
        """stderr's log lines, parsed; fails on a line that is neither JSON nor the final error line."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error: ")]
        assert len(errors) == (1 if self.code else 0), f"exit {self.code}, error lines {errors}:\n{self.err}"
        parsed = []
        for line in lines:
            if line.startswith("error: "):
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise AssertionError(f"stderr line is not JSON: {line!r}") from None
            assert isinstance(record, dict) and {"timestamp", "level", "event"} <= record.keys(), line
            parsed.append(record)
        return parsed

    @property
    def error(self) -> str:
        return next(line for line in self.err.splitlines() if line.startswith("error: "))


async def cli(env: dict[str, str], *args: str, timeout: float = 120) -> Run:
    with tempfile.TemporaryDirectory(prefix="cli-") as cwd:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway.cli",
            *args,
            cwd=cwd,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    run = Run(proc.returncode or 0, out.decode(), err.decode())
    # A raw traceback starts a line; a handler's formatted one inside a JSON log line is the log's business.
    assert not re.search(r"^Traceback", run.out + run.err, re.MULTILINE), run.out + run.err
    return run


def base_env(database_url: str, sandbox: SandboxServer, **overrides: str) -> dict[str, str]:
    values = {
        "DATABASE_URL": database_url,
        "STRIPE_API_KEY": sandbox.api_key,
        "STRIPE_API_BASE": sandbox.base_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "AUTH_JWT_SECRET": JWT_SECRET,
        "PUBLIC_BASE_URL": "https://billing.example",
        "LOG_LEVEL": "INFO",
    }
    values.update(overrides)
    return clean_env(**{k: v for k, v in values.items() if v != ""})


def assert_nothing_secret(run: Run, *extra: str) -> None:
    for secret in (JWT_SECRET, WEBHOOK_SECRET, STRIPE_KEY, *extra):
        assert secret not in run.err, f"{secret[:12]}… reached stderr"


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[SandboxServer]:
    """A sandbox no other test has synced a catalog into (catalog sync's first run has work to do)."""
    with SandboxServer() as server:
        yield server


# --- help -----------------------------------------------------------------------------------------

COMMANDS = [
    ("dev",),
    ("serve",),
    ("migrate",),
    ("token",),
    ("schema",),
    ("sandbox",),
    ("catalog", "sync"),
    ("reconcile",),
    ("webhooks", "list"),
    ("webhooks", "retry"),
    ("webhooks", "replay"),
    ("audit",),
    ("manifests",),
]


def _registered(typer_app: Any = app, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found = {(*prefix, c.name or c.callback.__name__) for c in typer_app.registered_commands}
    for group in typer_app.registered_groups:
        found |= _registered(group.typer_instance, (*prefix, group.name))
    return found


def test_the_list_above_is_every_command_there_is() -> None:
    assert _registered() == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([*command, "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Usage:" in shown and f"billing-gateway {' '.join(command)}" in shown
    assert len(shown.splitlines()) > 3  # a description and the options, not just the usage line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_the_readme_lists_every_command_with_an_example(command: tuple[str, ...]) -> None:
    section = README.read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith(f"| `{' '.join(command)}")]
    assert rows, f"README's command table has no row for {' '.join(command)}"
    assert f"billing-gateway {' '.join(command)}" in rows[0], f"no example in {rows[0]}"


def test_manifests_check_says_they_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["manifests", "--check"]) == 0
    assert "manifests are current" in capsys.readouterr().out


def test_schema_json_is_the_same_schema_as_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    """What code generators read: the introspection result describes exactly the SDL's schema."""
    from graphql import build_client_schema, build_schema, lexicographic_sort_schema, print_schema

    assert run_cli(["schema"]) == 0
    sdl = capsys.readouterr().out
    assert run_cli(["schema", "--json"]) == 0
    introspection = orjson.loads(capsys.readouterr().out)
    assert introspection["__schema"]["subscriptionType"] == {"name": "LiveUpdates", "kind": "OBJECT"}
    from_json = lexicographic_sort_schema(build_client_schema(introspection))
    assert print_schema(from_json) == print_schema(lexicographic_sort_schema(build_schema(sdl)))
    assert sdl == (ROOT / "schema.graphql").read_text()


# --- errors: one line, the right exit code, no traceback -------------------------------------------

BAD = [
    # (id, arguments, variables changed, exit code, what the one error line must say)
    ("since not a date", ["reconcile", "--since", "notadate"], {}, 2, "--since"),
    ("since overflows", ["reconcile", "--since", "99999999999d"], {}, 2, "--since"),
    ("every zero", ["reconcile", "--every", "0"], {}, 2, "--every"),
    ("user and since", ["reconcile", "--user", "u-1", "--since", "1h"], {}, 2, "--since"),
    ("empty user", ["reconcile", "--user", " "], {}, 2, "--user"),
    ("token without user", ["token"], {}, 2, "Missing argument 'USER_ID'"),
    ("token without key", ["token", "u-1"], {"AUTH_JWT_SECRET": ""}, 2, "AUTH_JWT_SECRET"),
    ("replay unknown event", ["webhooks", "replay", "evt_missing"], {}, 1, "evt_missing"),
    ("retry unknown event", ["webhooks", "retry", "evt_missing"], {}, 1, "evt_missing"),
    ("retry without target", ["webhooks", "retry"], {}, 2, "--all-failed"),
    ("list bad status", ["webhooks", "list", "--status", "bogus"], {}, 2, "--status"),
    ("audit without user", ["audit"], {}, 2, "Missing argument 'USER_ID'"),
    ("audit blank user", ["audit", " "], {}, 2, "USER_ID"),
    ("audit limit zero", ["audit", "u-1", "--limit", "0"], {}, 2, "--limit"),
    ("replay blank by", ["webhooks", "replay", "evt_x", "--by", " "], {}, 2, "--by"),
    ("unknown command", ["frobnicate"], {}, 2, "No such command"),
    ("unknown option", ["catalog", "sync", "--force"], {}, 2, "--force"),
    ("serve port zero", ["serve", "--port", "0"], {}, 2, "--port"),
    ("bad LOG_LEVEL", ["migrate"], {"LOG_LEVEL": "LOUD"}, 2, "LOG_LEVEL"),
    ("bad DATABASE_URL", ["migrate"], {"DATABASE_URL": "mysql://db/x"}, 2, "DATABASE_URL"),
    ("no Stripe key", ["catalog", "sync"], {"STRIPE_API_KEY": ""}, 2, "STRIPE_API_KEY"),
    ("Stripe unreachable", ["catalog", "sync"], {"STRIPE_API_BASE": "http://127.0.0.1:9"}, 1, "Stripe"),
    (
        "database unreachable",
        ["webhooks", "list"],
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/nowhere"},
        1,
        "cannot reach the database",
    ),
    ("database not migrated", ["webhooks", "list"], {"DATABASE_URL": "<fresh sqlite>"}, 1, "migrate"),
]


@pytest.mark.parametrize(("args", "changed", "code", "says"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_a_mistake_gives_one_error_line_and_an_exit_code(
    db: str,
    sandbox: SandboxServer,
    tmp_path: Path,
    args: list[str],
    changed: dict[str, str],
    code: int,
    says: str,
) -> None:
    if changed.get("DATABASE_URL") == "<fresh sqlite>":
        changed = {**changed, "DATABASE_URL": f"sqlite://{tmp_path / 'fresh.sqlite3'}"}
    run = await cli(base_env(db, sandbox, **changed), *args)
    assert run.code == code, run.out + run.err
    run.logs()  # the rest of stderr is JSON
    assert says in run.error, run.error
    assert_nothing_secret(run)


# --- JSON logs, progress, idempotence -------------------------------------------------------------


def finished(run: Run, command: str) -> dict[str, Any]:
    (line,) = [r for r in run.logs() if r["event"] == "command finished"]
    assert line["command"] == command and line["exit_code"] == run.code and line["level"] == "info"
    return line


async def test_catalog_sync_shows_what_it_changed_then_changes_nothing(db: str, own_sandbox) -> None:
    env = base_env(db, own_sandbox)
    dry = await cli(env, "catalog", "sync", "--dry-run")
    first = await cli(env, "catalog", "sync")
    second = await cli(env, "catalog", "sync")

    for run in (dry, first, second):
        assert run.code == 0, run.out + run.err
        finished(run, "catalog sync")
        assert_nothing_secret(run, own_sandbox.api_key)
    changes = first.out.splitlines()[:-1]
    assert first.out.splitlines()[-1] == f"{len(changes)} change(s)" and len(changes) >= 2
    assert any(line.startswith("price created: premium_monthly_usd") for line in changes), changes
    # The dry run says what it would do, in the same words, and changed nothing (the first real run
    # still had all of it to do).
    created = [line for line in changes if line.startswith("price created: ")]
    assert dry.out.splitlines()[:-1] == [line.replace("created", "would be created", 1) for line in created]
    assert dry.out.splitlines()[-1] == f"dry run: {len(created)} price(s) would change; nothing changed"
    assert second.out.strip() == "catalog already in sync: nothing changed"


async def test_every_command_logs_json_lines_and_nothing_secret(db: str, own_sandbox) -> None:
    env = base_env(db, own_sandbox)
    runs = {
        "migrate": await cli(env, "migrate"),
        "token": await cli(env, "token", "cli-user"),
        "schema": await cli(env, "schema"),
        "webhooks list": await cli(env, "webhooks", "list"),
    }
    minted = runs["token"].out.strip()
    assert minted.count(".") == 2
    for command, run in runs.items():
        assert run.code == 0, run.out + run.err
        finished(run, command)
        assert_nothing_secret(run, own_sandbox.api_key, minted)
    assert runs["migrate"].out.startswith("applied ")
    assert runs["schema"].out.startswith("schema {")


async def test_reconcile_logs_json_and_nothing_secret(db: str, own_sandbox) -> None:
    """Its progress lines on a long run are checked end to end in tests/e2e/test_reconcile_e2e.py."""
    run = await cli(base_env(db, own_sandbox, LOG_LEVEL="DEBUG"), "reconcile", "--since", "1h")
    assert run.code == 0, run.out + run.err
    assert "event(s) from Stripe since" in run.out and "customers: 0 checked, 0 failed" in run.out
    assert run.out.rstrip().endswith("reconcile finished: no failures")
    finished(run, "reconcile")
    assert_nothing_secret(run, own_sandbox.api_key)


async def test_webhooks_retry_all_failed_shows_progress_and_logs_each_failure_by_event_id(
    db: str, own_sandbox
) -> None:
    now = int(time.time())
    ids = [f"evt_cli_fail_{n}" for n in range(5)]
    for n, event_id in enumerate(ids):
        event = {
            "id": event_id,
            "object": "event",
            "type": "invoice.paid",
            "created": now + n,
            "data": {"object": {"id": f"in_cli_missing_{n}", "object": "invoice", "customer": "cus_nobody"}},
        }
        row, _ = await inbox.record_event(event, now=datetime.now(UTC))
        await row.filter(pk=row.pk).update(status="FAILED")
    env = base_env(db, own_sandbox)

    run = await cli(env, "webhooks", "retry", "--all-failed", "--every", "2")
    assert run.code == 1, run.out + run.err  # they still fail: the invoices do not exist in Stripe
    assert run.out.startswith("5 failed event(s) to retry")
    assert re.findall(r"… (\d+)/5 events", run.out) == ["2", "4"]
    assert all(event_id in run.out for event_id in ids)
    assert "5 event(s) still failing" in run.error
    failures = [r for r in run.logs() if r["level"] == "error" and r.get("event_id") in ids]
    assert {r["event_id"] for r in failures} == set(ids), run.err
    assert all(r["event_type"] == "invoice.paid" for r in failures)
    assert_nothing_secret(run, own_sandbox.api_key)

    replay = await cli(env, "webhooks", "replay", ids[0])
    assert replay.code == 1, replay.out + replay.err
    assert "FAILED" in replay.out and ids[0] in replay.error
    finished(replay, "webhooks replay")


async def test_sandbox_logs_json_lines_too(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "sandbox",
        "--port",
        str(port),
        "--state",
        str(tmp_path / "stripe.json"),
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(ROOT)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(_line_containing(proc.stderr, b"Uvicorn running on"), 60)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode in (0, 130), err.decode()
    records = Run(0, out.decode(), line.decode() + err.decode()).logs()
    assert any(r["logger"].startswith("uvicorn") for r in records)
    assert (tmp_path / "stripe.json").exists()  # its state kept on the way out


async def _line_containing(stream: asyncio.StreamReader | None, needle: bytes) -> bytes:
    """The stream's lines up to and including the first one containing `needle`."""
    assert stream is not None
    seen = b""
    while True:
        line = await stream.readline()
        assert line, f"ended before {needle!r}: {seen.decode()}"
        seen += line
        if needle in line:
            return seen
