"""Webhook delivery: signatures, retries with backoff, clock-driven retries, flush, disabled."""

from __future__ import annotations

import asyncio
import itertools

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer
from stripe_sandbox.webhooks import sign

from .conftest import Catalog, Receiver, serve_receiver, subscribe, wait_for

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def test_signature_matches_stripe_sdk_verification() -> None:
    payload = b'{"id": "evt_1", "object": "event"}'
    header = sign(payload, "whsec_test", 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    stripe.WebhookSignature.verify_header(payload.decode(), header, "whsec_test", tolerance=None)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(payload.decode(), header, "whsec_other", None)


async def test_receiver_answering_500_gets_retried_with_backoff(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    flaky = Receiver(fail_first=3)
    server = serve_receiver(flaky)
    try:
        endpoint = await client.v1.webhook_endpoints.create_async(
            params={"url": flaky.url, "enabled_events": ["customer.subscription.created"]}
        )
        flaky.secret = endpoint.secret
        _customer, _ = await subscribe(client, sandbox, catalog.monthly_eur)
        await wait_for(lambda: len(flaky.events) == 1, timeout=15)
        event_id = flaky.events[0]["id"]
        attempts = [(t, status) for t, eid, status in flaky.attempts if eid == event_id]
        assert [status for _, status in attempts] == [500, 500, 500, 200]
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(attempts)]
        assert gaps == sorted(gaps) and gaps[0] >= 0.15  # backoff grows
        log = await sandbox.acontrol("/_sandbox/events")
        entry = next(e for e in log["data"] if e["event"]["id"] == event_id)
        delivery = next(d for d in entry["deliveries"] if d["endpoint"] == endpoint.id)
        assert delivery["status"] == "succeeded"
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]
        event = await client.v1.events.retrieve_async(event_id)
        assert event.pending_webhooks == 0
    finally:
        await client.v1.webhook_endpoints.delete_async(endpoint.id)
        server.stop()


async def test_clock_advance_and_flush_make_retries_due(catalog: Catalog) -> None:
    # A sandbox whose real-time retry delay is an hour: only the clock or a flush retries.
    with SandboxServer(webhook_retry_delays=(3600.0,)) as slow:
        client = slow.client()
        flaky = Receiver(fail_first=1)
        server = serve_receiver(flaky)
        try:
            endpoint = await client.v1.webhook_endpoints.create_async(
                params={"url": flaky.url, "enabled_events": ["customer.created", "*"]}
            )
            flaky.secret = endpoint.secret
            await client.v1.webhook_endpoints.update_async(
                endpoint.id, params={"enabled_events": ["checkout.session.expired"]}
            )
            product = await client.v1.products.create_async(params={"name": "P"})
            price = await client.v1.prices.create_async(
                params={"product": product.id, "currency": "usd", "unit_amount": 100}
            )
            session = await client.v1.checkout.sessions.create_async(
                params={
                    "mode": "payment",
                    "line_items": [{"price": price.id, "quantity": 1}],
                    "success_url": "https://x.example",
                }
            )
            await client.v1.checkout.sessions.expire_async(session.id)
            await wait_for(lambda: len(flaky.attempts) == 1)
            assert flaky.events == []
            await slow.acontrol("/_sandbox/clock/advance", {"seconds": 2 * 3600})
            await wait_for(lambda: len(flaky.events) == 1)

            second = await client.v1.checkout.sessions.create_async(
                params={
                    "mode": "payment",
                    "line_items": [{"price": price.id, "quantity": 1}],
                    "success_url": "https://x.example",
                }
            )
            await client.v1.checkout.sessions.expire_async(second.id)
            await wait_for(lambda: len(flaky.attempts) == 3)
            result = await slow.acontrol("/_sandbox/webhooks/flush", {})
            assert result["pending"] == 0
            assert [e["data"]["object"]["id"] for e in flaky.events] == [session.id, second.id]
        finally:
            server.stop()


async def test_disabled_endpoint_receives_nothing(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    quiet = Receiver()
    server = serve_receiver(quiet)
    try:
        endpoint = await client.v1.webhook_endpoints.create_async(
            params={"url": quiet.url, "enabled_events": ["*"]}
        )
        quiet.secret = endpoint.secret
        await client.v1.webhook_endpoints.update_async(endpoint.id, params={"disabled": True})
        await subscribe(client, sandbox, catalog.monthly_eur)
        await sandbox.acontrol("/_sandbox/webhooks/flush", {})
        assert quiet.attempts == []
        await client.v1.webhook_endpoints.delete_async(endpoint.id)
    finally:
        server.stop()


async def test_events_carry_request_ids_for_api_calls(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _, done = await subscribe(client, sandbox, catalog.monthly_eur)
    await client.v1.subscriptions.update_async(
        done["subscription"], params={"metadata": {"k": "v"}}, options={"idempotency_key": "meta-1"}
    )
    await sandbox.acontrol("/_sandbox/webhooks/flush", {})
    update = [e for e in receiver.for_ids(done["subscription"]) if e["request"]["id"]][-1]
    assert update["request"]["idempotency_key"] == "meta-1"
    assert update["request"]["id"].startswith("req_")
    automatic = receiver.for_ids(done["subscription"])[0]
    assert automatic["request"] == {"id": None, "idempotency_key": None}


async def test_held_deliveries_wait_until_released(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    late = Receiver()
    server = serve_receiver(late)
    try:
        endpoint = await client.v1.webhook_endpoints.create_async(
            params={"url": late.url, "enabled_events": ["*"]}
        )
        late.secret = endpoint.secret
        with pytest.raises(Exception, match="hold must be true or false"):
            await sandbox.acontrol("/_sandbox/webhooks/hold", {"hold": "yes"})
        held = await sandbox.acontrol("/_sandbox/webhooks/hold", {"hold": True})
        assert held["hold"] is True
        await subscribe(client, sandbox, catalog.monthly_eur)
        log = await sandbox.acontrol("/_sandbox/events")
        ours = [
            d
            for e in log["data"]
            for d in e["deliveries"]
            if d["endpoint"] == endpoint.id and e["event"]["type"] == "checkout.session.completed"
        ]
        assert [d["status"] for d in ours] == ["pending"]
        released = await sandbox.acontrol("/_sandbox/webhooks/hold", {"hold": False})
        assert released["hold"] is False and released["pending"] >= 1
        await wait_for(lambda: any(e["type"] == "checkout.session.completed" for e in late.events))
        await client.v1.webhook_endpoints.delete_async(endpoint.id)
    finally:
        await sandbox.acontrol("/_sandbox/webhooks/hold", {"hold": False})
        server.stop()


class SlowReceiver(Receiver):
    """Takes 100 ms to answer, and counts how many deliveries it holds at once."""

    in_flight: int = 0
    most_at_once: int = 0

    async def handle(self, request):  # type: ignore[no-untyped-def]
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            await asyncio.sleep(0.1)
            return await super().handle(request)
        finally:
            self.in_flight -= 1


async def test_deliveries_overlap_up_to_the_concurrency_set() -> None:
    """Stripe does not wait for one answer before sending the next: with concurrency N, up to N
    deliveries are in flight at once, each event still arrives once, and `/reset` goes back to 1."""
    with SandboxServer() as own:
        client = own.client()
        slow = SlowReceiver()
        server = serve_receiver(slow)
        try:
            endpoint = await client.v1.webhook_endpoints.create_async(
                params={"url": slow.url, "enabled_events": ["*"]}
            )
            slow.secret = endpoint.secret
            assert (await own.acontrol("/_sandbox/webhooks/concurrency", {}))["concurrency"] == 1
            for bad in (0, 65, "4", True):
                with pytest.raises(Exception, match="concurrency must be an integer from 1 to 64"):
                    await own.acontrol("/_sandbox/webhooks/concurrency", {"concurrency": bad})
            await own.acontrol("/_sandbox/webhooks/hold", {"hold": True})
            product = await client.v1.products.create_async(params={"name": "Premium"})
            price = await client.v1.prices.create_async(
                params={"product": product.id, "currency": "eur", "unit_amount": 999,
                        "recurring": {"interval": "month"}}
            )  # fmt: skip
            for _ in range(2):
                await subscribe(client, own, price)
            await own.acontrol("/_sandbox/webhooks/concurrency", {"concurrency": 4})
            pending = (await own.acontrol("/_sandbox/webhooks/hold", {"hold": False}))["pending"]
            assert pending >= 8
            await wait_for(lambda: len(slow.events) >= pending, timeout=15)
            assert 1 < slow.most_at_once <= 4
            ids = [e["id"] for e in slow.events]
            assert len(ids) == len(set(ids)) == pending and slow.bad_signatures == 0

            await own.acontrol("/_sandbox/reset", {})
            assert (await own.acontrol("/_sandbox/webhooks/concurrency", {}))["concurrency"] == 1
        finally:
            server.stop()
