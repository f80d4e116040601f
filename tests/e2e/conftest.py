"""End-to-end set-up: the gateway as a server process, the sandbox delivering webhooks to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import stripe
from gateway_process import GatewayProcess

from billing.catalog.sync import sync_catalog
from stripe_sandbox import account as sandbox_account
from stripe_sandbox.testing import SandboxServer
from tests.inbox_settle import inbox_settled
from tests.stripe_world import StripeWorld


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """A failed end-to-end test shows the gateway's log (warnings and up): a handler that failed
    and will be retried later is otherwise invisible from here (CI keeps no other trace of it)."""
    report = yield
    e2e = getattr(item, "funcargs", {}).get("e2e")
    if report.when == "call" and report.failed and isinstance(e2e, E2E) and e2e.gateway.log_path.exists():
        lines = e2e.gateway.log_path.read_text(errors="replace").splitlines()[-80:]
        report.sections.append(("gateway log (last 80 lines)", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def endpoint_and_gateway(migrated_db: str, sandbox: SandboxServer) -> Iterator[tuple[str, GatewayProcess]]:
    gateway = GatewayProcess(
        database_url=migrated_db, stripe_base=sandbox.base_url, stripe_key=sandbox.api_key, webhook_secret=""
    )
    client = sandbox.client(http_client=stripe.HTTPXClient(allow_sync_methods=True))
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": gateway.webhook_url, "enabled_events": ["*"]}
    )
    gateway.env["STRIPE_WEBHOOK_SECRET"] = endpoint.secret
    gateway.start()
    yield endpoint.id, gateway
    gateway.stop()
    client.v1.webhook_endpoints.delete(endpoint.id)


@dataclass
class E2E:
    gateway: GatewayProcess
    world: StripeWorld
    endpoint_id: str

    async def flush(self) -> None:
        """Deliver every pending webhook now; return once the gateway has handled what it accepted."""
        await self.world.control("/_sandbox/webhooks/flush", {})
        await inbox_settled()


@pytest.fixture
async def e2e(
    db: str, sandbox: SandboxServer, endpoint_and_gateway: tuple[str, GatewayProcess]
) -> AsyncIterator[E2E]:
    """A clean database and catalog; the webhook endpoint enabled only while the test runs."""
    endpoint_id, gateway = endpoint_and_gateway
    world = StripeWorld.start(sandbox)
    await world.services.clock.refresh()
    await sync_catalog(world.services)
    await world.new_events()
    if gateway.proc is None:
        gateway.start()
    stripe = world.services.stripe.v1.webhook_endpoints
    await stripe.update_async(endpoint_id, params={"disabled": False})
    try:
        yield E2E(gateway, world, endpoint_id)
    finally:
        await world.control("/_sandbox/webhooks/flush", {})
        await stripe.update_async(endpoint_id, params={"disabled": True})


@pytest.fixture
async def account(e2e: E2E) -> AsyncIterator[Callable[..., Awaitable[dict[str, Any]]]]:
    """Set the Stripe account (country, tax registrations, payment methods) for one test; restored after."""

    async def set_account(**settings: Any) -> dict[str, Any]:
        return await e2e.world.control("/_sandbox/account", settings)

    yield set_account
    await set_account(
        country=sandbox_account.DEFAULT_COUNTRY,
        tax_registrations=list(sandbox_account.DEFAULT_TAX_REGISTRATIONS),
        payment_methods=list(sandbox_account.DEFAULT_PAYMENT_METHODS),
    )


@pytest.fixture
def gateway_settings(e2e: E2E) -> Iterator[Callable[..., None]]:
    """Restart the gateway process with some settings changed for one test; the originals after."""
    original = dict(e2e.gateway.env)

    def restart(**settings: str) -> None:
        e2e.gateway.stop()
        e2e.gateway.env.update(settings)
        e2e.gateway.start()

    yield restart
    if e2e.gateway.env != original:
        e2e.gateway.stop()
        e2e.gateway.env.clear()
        e2e.gateway.env.update(original)
        e2e.gateway.start()
