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
    lost_or_doubled: int
    fixed: str = ""


@dataclass
class Figures:
    rows: list[Figure] = field(default_factory=list)

    def record(self, fault: str, tried: int, lost_or_doubled: int = 0, fixed: str = "") -> None:
        self.rows.append(Figure(fault, tried, lost_or_doubled, fixed))

    def table(self) -> str:
        lines = [
            "| attack / fault | cases tried | lost / doubled | fixed because of it |",
            "|---|---:|---:|---|",
        ]
        lines += [f"| {r.fault} | {r.tried} | {r.lost_or_doubled} | {r.fixed or '-'} |" for r in self.rows]
        return "\n".join(lines)


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
