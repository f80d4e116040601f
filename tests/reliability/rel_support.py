"""Support for the reliability tier: case counts, the figures table, gateway processes.

A plain module (not conftest) so test modules import it by name.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import stripe

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from gateway_process import GatewayProcess

from stripe_sandbox.testing import SandboxServer

WEBHOOK_SECRET = "whsec_reliability_" + "0123456789abcdef" * 2


def count(name: str, default: int) -> int:
    """A case count from the environment (`REL_<NAME>`), else the CI-sized default."""
    return int(os.environ.get(f"REL_{name.upper()}", default))


@dataclass
class Figure:
    fault: str
    tried: int
    lost: int = 0
    doubled: int = 0
    fixed: str = ""
    failed: str = ""  # the test's failure, first line: its row then reports a loss, not a clean run


@dataclass
class Figures:
    """The issue's table: per attack or fault, cases tried, what was lost, what was doubled.

    `lost`: an effect that should exist and does not (an event never handled, a
    refund Stripe made that the gateway does not show, a state the gateway
    no longer agrees with Stripe on). `doubled`: an effect that exists more often
    than it should (two payments for one purchase, two refunds, a leak of another
    user's data counts here too: something delivered that must not be).
    """

    rows: list[Figure] = field(default_factory=list)

    def record(self, fault: str, tried: int, *, lost: int = 0, doubled: int = 0, fixed: str = "") -> None:
        self.rows.append(Figure(fault, tried, lost, doubled, fixed))

    def test_failed(self, test: str, error: str) -> None:
        """A test that failed before (or after) recording: the table shows it as a failure.

        Called by the conftest hook for every failed test of this tier, so a figure recorded at
        the end of a test can never make a run that lost something look clean.
        """
        self.rows.append(Figure(test, 0, failed=(error.strip().splitlines() or ["failed"])[0][:160]))

    def table(self) -> str:
        lines = [
            "| attack / fault | cases tried | lost | doubled | fixed because of it |",
            "|---|---:|---:|---:|---|",
        ]
        for r in self.rows:
            lost = f"**TEST FAILED**: {r.failed}" if r.failed else r.lost
            lines.append(f"| {r.fault} | {r.tried} | {lost} | {r.doubled} | {r.fixed or '-'} |")
        tried, lost, doubled = (sum(getattr(r, k) for r in self.rows) for k in ("tried", "lost", "doubled"))
        failed = sum(1 for r in self.rows if r.failed)
        lines.append(
            f"| **total** | {tried} | {lost}{f' + {failed} failed test(s)' if failed else ''} | {doubled} | |"
        )
        return "\n".join(lines)


def off_by(actual: int, expected: int) -> tuple[int, int]:
    """(lost, doubled) of `actual` effects where `expected` were due."""
    return max(0, expected - actual), max(0, actual - expected)


FIGURES = Figures()


def new_gateway(database_url: str, sandbox: SandboxServer, **env: str) -> GatewayProcess:
    """A `serve` process on the test database and `sandbox`, signing secret `WEBHOOK_SECRET`."""
    gateway = GatewayProcess(
        database_url=database_url,
        stripe_base=sandbox.base_url,
        stripe_key=sandbox.api_key,
        webhook_secret=WEBHOOK_SECRET,
    )
    gateway.env.update(env)
    return gateway


@dataclass
class Endpoint:
    """A sandbox webhook endpoint aimed at one or more gateways (enabled while a test runs)."""

    id: str
    secret: str


def register_endpoint(sandbox: SandboxServer, url: str) -> Endpoint:
    client = sandbox.client(http_client=stripe.HTTPXClient(allow_sync_methods=True))
    created = client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": ["*"]})
    return Endpoint(created.id, created.secret)


def delete_endpoint(sandbox: SandboxServer, endpoint: Endpoint) -> None:
    client = sandbox.client(http_client=stripe.HTTPXClient(allow_sync_methods=True))
    client.v1.webhook_endpoints.delete(endpoint.id)
