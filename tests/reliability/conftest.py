"""The reliability tier: fuzzing, replicas racing, crashes, outages and attacks.

Every test here is marked `reliability` and records figures (cases tried, what
was lost or doubled, what was fixed because of it) through the `figures`
fixture; the table (cases tried, lost, doubled, fixed) is printed at the end
of the run and written to tests/reliability/figures/figures.md (gitignored;
`RELIABILITY_FIGURES_FILE` overrides the path), ready for the issue note.

Counts are sized for CI on a 2-core machine and can be raised by environment
variables (see `count`), e.g. `REL_GRAPHQL_FUZZ_CASES=20000`.

The gateway runs as real `serve` processes (tests/e2e/gateway_process.py), so
everything goes over HTTP through uvicorn and the middleware exactly as in
production.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from rel_support import FIGURES, Figures, GatewayProcess, new_gateway

from billing.catalog.sync import sync_catalog
from stripe_sandbox.testing import SandboxServer
from tests.stripe_world import StripeWorld

FIGURES_FILE = Path(__file__).parent / "figures" / "figures.md"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: the reliability tier (fuzzing, replicas, crashes, outages, attacks)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Every failed test of this tier gets a row in the figures table, whatever it recorded."""
    report = yield
    if report.failed and call.excinfo is not None and "figures" in getattr(item, "fixturenames", ()):
        FIGURES.test_failed(item.nodeid.split("::")[-1], f"{call.excinfo.typename}: {call.excinfo.value}")
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES.rows:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(FIGURES.table())
    target = Path(os.environ.get("RELIABILITY_FIGURES_FILE") or FIGURES_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(FIGURES.table() + "\n")
    terminalreporter.write_line(f"(written to {target})")


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


@pytest.fixture(scope="session")
def rel_gateway(migrated_db: str, sandbox: SandboxServer) -> Iterator[GatewayProcess]:
    """One production-configured gateway process for the fuzzers and attacks."""
    # The system clock: nothing here advances the sandbox's, and a clock read per request
    # would make the fuzzer measure the sandbox rather than the gateway.
    gateway = new_gateway(migrated_db, sandbox, REDEEM_RATE_LIMIT="10/600s", CLOCK="system")
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
async def rel_world(db: str, sandbox: SandboxServer) -> AsyncIterator[StripeWorld]:
    """A clean database, the catalog synced, no unseen events (as the billing tests' `world`)."""
    world = StripeWorld.start(sandbox)
    await world.services.clock.refresh()
    await sync_catalog(world.services)
    await world.new_events()
    yield world
