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

    def table(self) -> str:
        lines = [
            "| attack / fault | cases tried | lost | doubled | fixed because of it |",
            "|---|---:|---:|---:|---|",
        ]
        lines += [f"| {r.fault} | {r.tried} | {r.lost} | {r.doubled} | {r.fixed or '-'} |" for r in self.rows]
        tried, lost, doubled = (sum(getattr(r, k) for r in self.rows) for k in ("tried", "lost", "doubled"))
        lines.append(f"| **total** | {tried} | {lost} | {doubled} | |")
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
