"""State survives a restart (saved to the state file, reloaded at start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stripe_sandbox.testing import SandboxServer

from .conftest import Receiver, serve_receiver

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def test_state_saved_and_reloaded(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with SandboxServer(state) as first:
        client = first.client()
        customer = await client.v1.customers.create_async(params={"email": "keep@example.com"})
        product = await client.v1.products.create_async(params={"name": "Keep"})
        price = await client.v1.prices.create_async(
            params={
                "product": product.id,
                "currency": "gbp",
                "unit_amount": 499,
                "recurring": {"interval": "month"},
                "lookup_key": "keep_monthly_gbp",
            }
        )
        session = await client.v1.checkout.sessions.create_async(
            params={
                "mode": "subscription",
                "customer": customer.id,
                "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "https://app.example/ok",
            }
        )
        done = await first.acontrol(f"/_sandbox/checkout/sessions/{session.id}/complete", {})
        endpoint = await client.v1.webhook_endpoints.create_async(
            params={"url": "http://127.0.0.1:9/unreachable", "enabled_events": ["*"]}
        )
        clock = await first.acontrol("/_sandbox/clock/advance", {"seconds": 5 * 86400})
    assert state.exists()

    with SandboxServer(state) as second:
        client = second.client()
        again = await client.v1.customers.retrieve_async(customer.id)
        assert again.email == "keep@example.com"
        sub = await client.v1.subscriptions.retrieve_async(done["subscription"])
        assert sub.status == "active"
        found = await client.v1.prices.list_async(params={"lookup_keys": ["keep_monthly_gbp"]})
        assert [p.id for p in found.data] == [price.id]
        now = (await second.acontrol("/_sandbox/clock"))["now"]
        assert now >= clock["now"]
        # The webhook endpoint and its secret survive; a receiver at a new URL gets events.
        receiver = Receiver()
        server = serve_receiver(receiver)
        try:
            receiver.secret = endpoint.secret  # verifies only if the secret survived
            await client.v1.webhook_endpoints.update_async(endpoint.id, params={"url": receiver.url})
            await client.v1.subscriptions.update_async(sub.id, params={"cancel_at_period_end": True})
            await second.acontrol("/_sandbox/webhooks/flush", {})
            assert "customer.subscription.updated" in [e["type"] for e in receiver.events]
            assert receiver.bad_signatures == 0
        finally:
            server.stop()


async def test_reset_keeps_webhook_endpoints(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "s.json") as server:
        client = server.client()
        customer = await client.v1.customers.create_async(params={})
        endpoint = await client.v1.webhook_endpoints.create_async(
            params={"url": "http://127.0.0.1:9/x", "enabled_events": ["*"]}
        )
        await server.acontrol("/_sandbox/reset", {})
        listed = await client.v1.webhook_endpoints.list_async()
        assert [e.id for e in listed.data] == [endpoint.id]
        customers = await client.v1.customers.list_async()
        assert customer.id not in {c.id for c in customers.data}
