"""The gateway's Stripe client under Stripe's limits (the sandbox's `/_sandbox/limits`, over HTTP):
it paces itself, retries 429s and 409s with backoff keeping each write's idempotency key, slows
down when Stripe says 429, and a user-facing call gives up within its budget."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from billing.errors import PaymentProviderError
from billing.stripe import pacing
from billing.stripe.calls import call
from billing.stripe.pacing import BACKGROUND_PAUSE_SECONDS, Pacer, PaceTimeout, shared_pacer, transient
from gateway.settings import load_settings
from gateway.stripe_client import make_stripe_client
from stripe_sandbox.testing import SandboxServer
from tests.sandbox_limits import sandbox_limits


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox of this file's own: Stripe's account limit counts every request to the account,
    so background traffic of another test on the session's sandbox would count against these."""
    with SandboxServer() as server:
        yield server


def gateway_client(sandbox: SandboxServer, **settings: Any) -> stripe.StripeClient:
    """The client `serve` builds (paced, retrying, metered), aimed at the sandbox."""
    return make_stripe_client(
        load_settings(stripe_api_key=sandbox.api_key, stripe_api_base=sandbox.base_url, **settings)
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_spaces_requests_and_cuts_its_pace_on_a_429() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock=clock)
    assert [round(pacer.reserve(), 3) for _ in range(4)] == [0.0, 0.1, 0.2, 0.3]  # first come, first served
    clock.now += 1.0  # idle: no credit saved up beyond the next slot
    assert pacer.reserve() == 0.0
    for _ in range(8):
        pacer.answered()
    pacer.slow_down()
    pacer.slow_down()  # the same burst of 429s: one cut
    assert pacer.rate() == 5.0  # half, as Stripe took more than that in the last second
    clock.now += 5.0
    assert pacer.rate() == 7.5  # climbing back, 5 % of the ceiling per second
    clock.now += 60
    assert pacer.rate() == 10.0
    for _ in range(3):
        pacer.answered()
    pacer.slow_down()
    assert pacer.rate() == 3.0  # Stripe took 3 in the last second: that is the account's room for us
    for _ in range(10):
        clock.now += 1.5
        pacer.slow_down()
    assert pacer.rate() == 1.0  # never below one request a second
    with pytest.raises(PaceTimeout):  # a slot past the caller's deadline is refused, not waited for
        for _ in range(5):
            pacer.reserve(deadline=clock.now + 2)


async def test_a_users_call_goes_before_queued_webhook_work_and_the_pace_still_holds() -> None:
    """A burst of webhook handlers must not queue a checkout behind them past its 3 s budget: the
    user's call takes the next free slot, the handlers the ones after it, all at the pace."""
    pacer = Pacer(10)  # a slot every 0.1 s
    served: list[tuple[str, float]] = []

    async def request(name: str, background: bool) -> None:
        await pacer.wait(background=background)
        served.append((name, time.monotonic()))

    handlers = [asyncio.create_task(request(f"handler-{n}", True)) for n in range(10)]
    await asyncio.sleep(0.15)  # a second's worth of handler calls queued, one or two served
    await request("checkout", False)
    await asyncio.gather(*handlers)
    order = [name for name, _ in served]
    assert order.index("checkout") <= 3, order  # not behind the seven or more still queued
    assert [name for name in order if name != "checkout"] == [f"handler-{n}" for n in range(10)]  # in turn
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(served)]
    assert min(gaps) > 0.09, gaps  # nobody jumped the pace, the user's call included


async def test_after_a_429_webhook_work_holds_back_and_a_users_call_does_not() -> None:
    """Stripe said the account's second is spent: a user's call (or its retry) may still try,
    background work waits a second so it does not spend the retry's room."""
    pacer = Pacer(50)
    pacer.slow_down()  # a 429 rate_limit just now
    started = time.monotonic()
    await pacer.wait(background=False)
    user_waited = time.monotonic() - started
    await pacer.wait(background=True)
    handler_waited = time.monotonic() - started
    assert user_waited < 0.2 and handler_waited >= BACKGROUND_PAUSE_SECONDS * 0.95


async def test_the_process_keeps_its_pace_under_the_accounts_limit(sandbox: SandboxServer) -> None:
    client = gateway_client(sandbox, stripe_max_requests_per_second=5)
    async with sandbox_limits(sandbox, requests_per_second=10) as limits:
        before = await limits.state()
        started = time.monotonic()
        calls = (client.v1.customers.list_async(params={"limit": 1}) for _ in range(8))
        lists = await asyncio.gather(*calls)
        took = time.monotonic() - started
        after = await limits.state()
    assert all(page.object == "list" for page in lists)
    assert after["answered"]["rate_limit"] == before["answered"]["rate_limit"]  # never limited
    assert after["requests"] - before["requests"] == 8  # and no request sent twice
    assert took >= 7 / 5 * 0.95  # 8 requests, 5 a second: evenly spaced, not one burst


async def test_each_endpoint_keeps_its_own_pace_under_stripes_per_endpoint_limit(
    sandbox: SandboxServer,
) -> None:
    """Stripe counts every `GET /v1/customers/{id}` against one endpoint limit, whatever the id: a
    burst of re-fetches of one kind stays under it, while other endpoints are not held back."""
    client = gateway_client(
        sandbox, stripe_max_requests_per_second=100, stripe_max_requests_per_endpoint_per_second=5
    )
    ids = [(await client.v1.customers.create_async()).id for _ in range(3)]
    # Stripe's limit a little above the pace, as the default leaves (20 against 25): a request sent
    # on its slot may arrive a little early or late.
    async with sandbox_limits(sandbox, per_endpoint_per_second=6) as limits:
        before = await limits.state()
        started = time.monotonic()
        gets = [client.v1.customers.retrieve_async(ids[n % 3]) for n in range(8)]
        await asyncio.gather(*gets, client.v1.customers.list_async(params={"limit": 1}))
        took = time.monotonic() - started
        after = await limits.state()
    assert after["answered"]["rate_limit"] == before["answered"]["rate_limit"]  # never limited
    assert after["requests"] - before["requests"] == 9
    assert took >= 7 / 5 * 0.95  # the eight GETs at 5 a second; the list went in between


def test_endpoints_past_the_bound_share_one_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded however many endpoint names a process meets."""
    monkeypatch.setattr(pacing, "_pacers", {})
    monkeypatch.setattr(pacing, "MAX_ENDPOINT_PACERS", 2)
    first, second = shared_pacer(7, "GET /v1/a/{id}"), shared_pacer(7, "GET /v1/b/{id}")
    assert first is not second and shared_pacer(7, "GET /v1/a/{id}") is first
    assert shared_pacer(7, "GET /v1/c/{id}") is shared_pacer(7, "GET /v1/d/{id}")
    assert len(pacing._pacers) == 3


async def test_429s_are_retried_and_the_pace_slows_down(sandbox: SandboxServer) -> None:
    client = gateway_client(sandbox, stripe_max_requests_per_second=100)
    pacer = client._requestor._client.pacer
    async with sandbox_limits(sandbox, requests_per_second=3) as limits:
        before = await limits.answered("rate_limit")
        calls = (client.v1.customers.list_async(params={"limit": 1}) for _ in range(9))
        lists = await asyncio.gather(*calls)
        met = await limits.answered("rate_limit") - before
    assert all(page.object == "list" for page in lists)  # every call got through in the end
    assert met > 0, "the sandbox never said 429: this test proved nothing"
    assert pacer.rate() < pacer.ceiling  # and the process throttled itself back


async def test_a_retried_write_keeps_its_idempotency_key_so_it_happens_once(sandbox: SandboxServer) -> None:
    """The first attempt times out on our side but runs on Stripe's; the retry (same key) meets it
    running (409 `idempotency_key_in_use`, retried too), then gets its result: one customer."""
    client = gateway_client(sandbox, stripe_timeout_seconds=0.3)  # each attempt's HTTP timeout
    email = f"once-{time.monotonic_ns()}@example.com"
    async with sandbox_limits(sandbox, latency_ms=1200, latency_jitter_ms=0) as limits:
        in_use = await limits.answered("idempotency_key_in_use")
        creating = asyncio.create_task(client.v1.customers.create_async(params={"email": email}))
        deadline = time.monotonic() + 5
        while not (await limits.state())["in_flight"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        await limits.set(latency_ms=None)  # answers are instant again; the first request still runs
        created = await creating
        assert await limits.answered("idempotency_key_in_use") > in_use  # the retry carried the same key
    listed = await sandbox.client().v1.customers.list_async(params={"email": email, "limit": 10})
    assert [c.id for c in listed.data] == [created.id]


async def test_a_lock_timeout_is_retried_until_the_object_is_free(sandbox: SandboxServer) -> None:
    client = gateway_client(sandbox)
    customer = await client.v1.customers.create_async(params={"email": "lock-retry@example.com"})
    async with sandbox_limits(sandbox, lock_timeout={"object": customer.id, "count": 2}) as limits:
        before = await limits.answered("lock_timeout")
        updated = await client.v1.customers.update_async(customer.id, params={"name": "Unlocked"})
        assert await limits.answered("lock_timeout") == before + 2
    assert updated.name == "Unlocked"


async def test_a_user_facing_call_gives_up_within_its_budget(sandbox: SandboxServer) -> None:
    client = gateway_client(sandbox)
    customer = await client.v1.customers.create_async(params={"email": "locked-for-good@example.com"})
    async with sandbox_limits(sandbox, lock_timeout={"object": customer.id, "count": 100}) as limits:
        before = await limits.answered("lock_timeout")
        started = time.monotonic()
        with pytest.raises(PaymentProviderError) as failure:
            await call(
                "customers.update",
                client.v1.customers.update_async(customer.id, params={"name": "Never"}),
                timeout=1.5,
            )
        took = time.monotonic() - started
        tries = await limits.answered("lock_timeout") - before
    assert took < 1.5 and tries >= 2  # retried, and stopped before the budget ran out
    assert isinstance(failure.value.__cause__, stripe.RateLimitError) and transient(failure.value)


async def test_a_call_waiting_for_a_slow_pace_is_refused_at_once_when_no_slot_fits(
    sandbox: SandboxServer,
) -> None:
    client = gateway_client(sandbox, stripe_max_requests_per_second=1)
    pacer = client._requestor._client.pacer
    for _ in range(3):
        pacer.reserve()  # three calls ahead of ours: the next free slot is 3 s away
    started = time.monotonic()
    with pytest.raises(PaymentProviderError) as failure:
        await call("customers.list", client.v1.customers.list_async(), timeout=1.0)
    assert time.monotonic() - started < 0.5
    assert transient(failure.value)  # Stripe was not even asked: try again later, not a bad request
    assert 2.5 < pacer.reserve() <= 3.0  # and the refused call took no slot from those behind it
