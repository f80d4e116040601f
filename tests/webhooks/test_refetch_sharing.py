"""Handlers share re-fetches within a burst, never an answer older than their event
(billing.stripe.calls.retrieve). Counted by the gateway's own Stripe request metric, against the
sandbox over HTTP: one GET where several handlers of events that arrived before it ask for the
same object; a new GET for an event that arrived after it, or after the handler changed Stripe."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import REGISTRY

from billing.stripe.calls import call, handling_started, retrieve
from gateway.settings import load_settings
from gateway.stripe_client import make_stripe_client
from stripe_sandbox.testing import SandboxServer

GET_CUSTOMER = {"operation": "GET /v1/customers/{id}", "outcome": "ok", "status": "200"}


def gets() -> float:
    return REGISTRY.get_sample_value("billing_stripe_requests_total", GET_CUSTOMER) or 0.0


@pytest.fixture
def client(sandbox: SandboxServer):
    settings = load_settings(
        _env_file=None,
        auth_jwt_secret="x" * 32,
        stripe_api_key=sandbox.api_key,
        stripe_api_base=sandbox.base_url,
    )
    return make_stripe_client(settings)


async def test_handlers_of_events_that_arrived_before_a_get_share_it(client) -> None:
    customer = await client.v1.customers.create_async(params={"metadata": {"n": "1"}})
    arrived = time.monotonic()  # five events about this customer arrived
    before = gets()

    async def handler() -> str:
        with handling_started(arrived):
            return (await retrieve(client, "customers", customer.id))["metadata"]["n"]

    assert await asyncio.gather(*(handler() for _ in range(5))) == ["1"] * 5
    assert await handler() == "1"  # a moment later: the answer is still newer than the event
    assert gets() - before == 1


async def test_an_event_that_arrived_after_the_get_is_fetched_again(client) -> None:
    customer = await client.v1.customers.create_async(params={"metadata": {"n": "1"}})
    with handling_started(time.monotonic()):
        assert (await retrieve(client, "customers", customer.id))["metadata"]["n"] == "1"
    await client.v1.customers.update_async(customer.id, params={"metadata": {"n": "2"}})
    before = gets()
    with handling_started(time.monotonic()):  # the update's event arrives now
        assert (await retrieve(client, "customers", customer.id))["metadata"]["n"] == "2"
    assert gets() - before == 1


async def test_after_changing_stripe_a_handler_reads_the_change(client) -> None:
    customer = await client.v1.customers.create_async(params={"metadata": {"n": "1"}})
    with handling_started(time.monotonic()):
        assert (await retrieve(client, "customers", customer.id))["metadata"]["n"] == "1"
        await call(
            "customers.update",
            client.v1.customers.update_async(customer.id, params={"metadata": {"n": "2"}}),
            timeout=5,
        )
        assert (await retrieve(client, "customers", customer.id))["metadata"]["n"] == "2"


async def test_outside_a_handler_every_retrieve_asks_stripe(client) -> None:
    customer = await client.v1.customers.create_async()
    before = gets()
    await retrieve(client, "customers", customer.id)
    await retrieve(client, "customers", customer.id)
    assert gets() - before == 2
