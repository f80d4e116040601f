from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from billing.catalog.sync import sync_catalog
from stripe_sandbox.testing import SandboxServer
from tests.stripe_world import StripeWorld


@pytest.fixture
async def world(db: str, sandbox: SandboxServer) -> AsyncIterator[StripeWorld]:
    """A clean database, the catalog synced into the (shared) sandbox, no unseen events."""
    world = StripeWorld.start(sandbox)
    await world.services.clock.refresh()
    await sync_catalog(world.services)
    await world.new_events()  # earlier tests' events are not this test's business
    yield world
