"""Stripe's limits in the sandbox (`/_sandbox/limits`): 429 rate limits per account and per endpoint,
429 `lock_timeout`, answer latency, and the idempotency rules (24 hours; nothing kept for a request
that failed validation, was rate limited, or met another one with its key still running: 409)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.testing import ControlError, SandboxServer
from tests.sandbox_limits import SandboxLimits, sandbox_limits


@pytest.fixture
async def limits(sandbox: SandboxServer) -> AsyncIterator[Any]:
    """Set limits through the control API; every limit is off again after the test."""
    async with sandbox_limits(sandbox) as switch:
        yield switch.set


async def answered(sandbox: SandboxServer, code: str) -> int:
    return await SandboxLimits(sandbox).answered(code)


async def outcome(call: Any) -> Any:
    """The result, or the Stripe error the SDK raised."""
    try:
        return await call
    except stripe.StripeError as exc:
        return exc


async def running(sandbox: SandboxServer, timeout: float = 5.0) -> None:
    """Wait until a request with an idempotency key is executing in the sandbox."""
    deadline = time.monotonic() + timeout
    while not (await sandbox.acontrol("/_sandbox/limits"))["in_flight"]:
        assert time.monotonic() < deadline, "no request in flight"
        await asyncio.sleep(0.01)


async def until_admitted(call: Any, timeout: float = 5.0) -> Any:
    """Repeat `call()` until it is not rate limited (the one-second window has moved on)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await call()
        except stripe.RateLimitError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_limits_are_off_by_default_and_the_control_api_checks_its_input(sandbox: SandboxServer) -> None:
    state = await sandbox.acontrol("/_sandbox/limits")
    assert {k: state[k] for k in ("requests_per_second", "per_endpoint_per_second", "latency_ms")} == {
        "requests_per_second": None,
        "per_endpoint_per_second": None,
        "latency_ms": None,
    }
    assert state["lock_timeouts"] == {}
    for bad, param in (
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"per_endpoint_per_second": "25"}, "per_endpoint_per_second"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"lock_timeout": {"object": "cus_1"}}, "lock_timeout"),
        ({"lock_timeout": {"object": "cus_1", "count": -2}}, "lock_timeout.count"),
        ({"burst": 3}, "burst"),
    ):
        with pytest.raises(ControlError) as refused:
            await sandbox.acontrol("/_sandbox/limits", bad)
        assert refused.value.status == 400 and refused.value.body["error"]["param"] == param
    assert (await sandbox.acontrol("/_sandbox/limits"))["requests_per_second"] is None  # nothing half-applied


async def test_account_rate_limit_answers_stripes_429(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    await limits(requests_per_second=3)
    # Seven requests inside one second: three admitted, four refused. On a loaded machine a burst
    # can straddle two windows; such a burst proves nothing exact, so it is sent again.
    for _ in range(5):
        await asyncio.sleep(1.05)  # an empty window
        before = await answered(sandbox, "rate_limit")
        started = time.monotonic()
        results = await asyncio.gather(*(outcome(client.v1.customers.list_async()) for _ in range(7)))
        if time.monotonic() - started < 0.9:
            break
    else:
        pytest.fail("no burst of 7 requests fitted in one second on this machine")
    refused = [r for r in results if isinstance(r, stripe.StripeError)]
    assert len(refused) == 4 and all(isinstance(r, stripe.RateLimitError) for r in refused)
    error = refused[0]
    assert error.http_status == 429 and error.error is not None
    assert (error.error.type, error.error.code) == ("invalid_request_error", "rate_limit")
    assert "3 requests per second" in error.user_message
    assert await answered(sandbox, "rate_limit") == before + 4
    # A second later the window has moved on.
    assert (await until_admitted(client.v1.customers.list_async)).object == "list"


async def test_a_rate_limited_write_keeps_no_idempotent_result(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    await limits(requests_per_second=1)
    await until_admitted(client.v1.customers.list_async)  # the one request of this second
    key = {"idempotency_key": "limited-write-1"}
    with pytest.raises(stripe.RateLimitError):
        await client.v1.customers.create_async(params={"email": "first@example.com"}, options=key)
    # Stripe's limiter runs before its idempotency layer: the key is still free for other parameters.
    created = await until_admitted(
        lambda: client.v1.customers.create_async(params={"email": "second@example.com"}, options=key)
    )
    assert created.email == "second@example.com"


async def test_per_endpoint_limit_counts_a_named_operation_whatever_the_id(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    ids = [
        (await client.v1.customers.create_async(params={"email": f"e{i}@example.com"})).id for i in range(3)
    ]
    await limits(per_endpoint_per_second=2)
    results = await asyncio.gather(*(outcome(client.v1.customers.retrieve_async(i)) for i in ids))
    assert sum(isinstance(r, stripe.RateLimitError) for r in results) == 1  # three ids, one endpoint
    refused = next(r for r in results if isinstance(r, stripe.RateLimitError))
    assert "GET /v1/customers/{id}" in refused.user_message
    # Another endpoint has its own budget.
    assert (await client.v1.customers.list_async(params={"limit": 1})).object == "list"


async def test_lock_timeout_on_the_next_writes_to_an_object(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "locked@example.com"})
    state = await limits(lock_timeout={"object": customer.id, "count": 2})
    assert state["lock_timeouts"] == {customer.id: 2}
    before = await answered(sandbox, "lock_timeout")
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as locked:
            await client.v1.customers.update_async(customer.id, params={"name": "Lo Cked"})
        assert locked.value.http_status == 429 and locked.value.error.code == "lock_timeout"
        assert locked.value.error.type == "invalid_request_error"
        assert "another API request or Stripe process" in locked.value.user_message
        assert locked.value.headers.get("stripe-should-retry") == "true"
        assert (await client.v1.customers.retrieve_async(customer.id)).name is None  # reads are not locked
    assert (await client.v1.customers.update_async(customer.id, params={"name": "Free"})).name == "Free"
    assert await answered(sandbox, "lock_timeout") == before + 2
    assert (await sandbox.acontrol("/_sandbox/limits"))["lock_timeouts"] == {}


async def test_the_sdk_retries_a_lock_timeout_by_itself_with_the_same_key(
    sandbox: SandboxServer, limits: Any
) -> None:
    """Stripe: "the automatic retry mechanisms built into Stripe's SDKs retry 429s caused by lock timeouts"
    (stripe-python follows `Stripe-Should-Retry: true`), and the retry reuses the request's key."""
    retrying = sandbox.client(max_network_retries=2)
    customer = await retrying.v1.customers.create_async(params={"email": "relock@example.com"})
    await limits(lock_timeout={"object": customer.id, "count": 1})
    updated = await retrying.v1.customers.update_async(customer.id, params={"name": "Retried"})
    assert updated.name == "Retried"
    assert (await sandbox.acontrol("/_sandbox/limits"))["lock_timeouts"] == {}


async def test_latency_delays_every_answer(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    state = await limits(latency_ms=250, latency_jitter_ms=50)
    assert (state["latency_ms"], state["latency_jitter_ms"]) == (250, 50)
    started = time.monotonic()
    await asyncio.gather(*(client.v1.customers.list_async(params={"limit": 1}) for _ in range(4)))
    took = time.monotonic() - started
    assert 0.2 <= took < 1.0  # each waited ~250 ms, all at once (an answer's wait blocks nothing)
    await limits(latency_ms=None)
    started = time.monotonic()
    await client.v1.customers.list_async(params={"limit": 1})
    assert time.monotonic() - started < 0.2


async def test_a_request_meeting_its_key_still_running_gets_409_and_keeps_nothing(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    await limits(latency_ms=600, latency_jitter_ms=0)
    key = {"idempotency_key": "in-flight-1"}
    params = {"email": "twice@example.com"}
    first = asyncio.create_task(client.v1.customers.create_async(params=params, options=key))
    await running(sandbox)  # the second must meet the first one running
    before = await answered(sandbox, "idempotency_key_in_use")
    with pytest.raises(stripe.APIError) as in_use:
        await client.v1.customers.create_async(params=params, options=key)
    assert in_use.value.http_status == 409 and in_use.value.error.code == "idempotency_key_in_use"
    assert in_use.value.error.type == "invalid_request_error"
    assert await answered(sandbox, "idempotency_key_in_use") == before + 1
    created = await first
    again = await client.v1.customers.create_async(params=params, options=key)  # the first one's result
    assert again.id == created.id
    await limits(latency_ms=None)
    listed = await client.v1.customers.list_async(params={"email": "twice@example.com", "limit": 10})
    assert [c.id for c in listed.data] == [created.id]


async def test_a_client_that_gave_up_gets_the_running_requests_result_on_retry(
    sandbox: SandboxServer, client: stripe.StripeClient, limits: Any
) -> None:
    """A timeout on the client's side does not stop Stripe's execution: retrying with the same key
    meets it running (409), then gets its result; a retry with a fresh key would have made two."""
    await limits(latency_ms=700, latency_jitter_ms=0)
    impatient = sandbox.client(http_client=stripe.HTTPXClient(timeout=0.2))
    key = {"idempotency_key": "gave-up-1"}
    params = {"email": "gaveup@example.com"}
    with pytest.raises(stripe.APIConnectionError):
        await impatient.v1.customers.create_async(params=params, options=key)
    with pytest.raises(stripe.APIError) as in_use:
        await client.v1.customers.create_async(params=params, options=key)
    assert in_use.value.http_status == 409
    replayed = await client.v1.customers.create_async(params=params, options=key)
    await limits(latency_ms=None)
    listed = await client.v1.customers.list_async(params={"email": "gaveup@example.com", "limit": 10})
    assert [c.id for c in listed.data] == [replayed.id]


async def test_idempotency_results_are_kept_24_hours_of_sandbox_time(
    sandbox: SandboxServer, client: stripe.StripeClient
) -> None:
    key = {"idempotency_key": "kept-a-day-1"}
    first = await client.v1.customers.create_async(params={"email": "day@example.com"}, options=key)
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 23 * 3600})
    again = await client.v1.customers.create_async(params={"email": "day@example.com"}, options=key)
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.customers.create_async(params={"email": "other@example.com"}, options=key)
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 3600})
    # Pruned after 24 hours: the key makes a new request.
    fresh = await client.v1.customers.create_async(params={"email": "other@example.com"}, options=key)
    assert fresh.id != first.id and fresh.email == "other@example.com"


async def test_a_request_that_failed_validation_keeps_no_result_but_an_executed_failure_does(
    sandbox: SandboxServer, client: stripe.StripeClient
) -> None:
    key = {"idempotency_key": "validation-1"}
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        deliberate = {**key, "headers": {"Sandbox-Deliberate": "true"}}  # wrong on purpose: not recorded
        await client.v1.customers.create_async(params={"emial": "typo@example.com"}, options=deliberate)
    assert unknown.value.param == "emial"
    fixed = await client.v1.customers.create_async(params={"email": "fixed@example.com"}, options=key)
    assert fixed.email == "fixed@example.com"
    # A request that ran and failed (an unknown price, found while executing) is kept and replayed.
    params = {
        "mode": "payment",
        "line_items": [{"price": "price_missing_for_idempotency", "quantity": 1}],
        "success_url": "https://app.example/ok",
    }
    ran = {"idempotency_key": "executed-failure-1"}
    failures = []
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as missing:
            await client.v1.checkout.sessions.create_async(params=params, options=ran)
        failures.append(missing.value)
    assert [f.code for f in failures] == ["resource_missing", "resource_missing"]
    assert failures[0].headers.get("idempotent-replayed") is None
    assert failures[1].headers.get("idempotent-replayed") == "true"


async def test_reset_switches_every_limit_off(tmp_path: Any) -> None:
    with SandboxServer(tmp_path / "state.json") as server:
        await server.acontrol("/_sandbox/limits", {"requests_per_second": 1, "latency_ms": 50})
        await server.acontrol("/_sandbox/reset", {})
        state = await server.acontrol("/_sandbox/limits")
        assert state["requests_per_second"] is None and state["latency_ms"] is None
        bearer = {"Authorization": f"Bearer {server.api_key}"}
        async with httpx.AsyncClient(base_url=server.base_url, headers=bearer) as http:
            answers = await asyncio.gather(*(http.get("/v1/customers") for _ in range(5)))
        assert [a.status_code for a in answers] == [200] * 5
