"""POST /webhooks/stripe over real (ASGI) HTTP against a real database."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import orjson
import pytest
import stripe
from inbox_testkit import (
    HANDLED,
    MAX_BODY,
    ROTATED_SECRET,
    SECRET,
    T0,
    Calls,
    Deliver,
    event_id_of,
    event_payload,
    http_client,
    make_app,
    settled,
)
from tortoise import connections

from billing.clock import FixedClock
from billing.services import Services
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from webhooks import inbox, retry
from webhooks.dispatch import Dispatcher
from webhooks.registry import Handler, StripeEvent
from webhooks.signature import sign_header


async def test_valid_delivery_is_recorded_processed_and_acknowledged(deliver: Deliver, calls: Calls) -> None:
    payload = event_payload(obj={"id": "cs_test_1", "object": "checkout.session"})
    response = await deliver(payload)

    assert response.status_code == 200
    assert response.json() == {"received": True, "status": "RECEIVED", "queued": True}
    row = await settled(event_id_of(payload))
    assert len(calls) == 1
    event = calls.events[0]
    assert (event.id, event.type, event.object["id"]) == (event_id_of(payload), HANDLED, "cs_test_1")
    assert row.status is InboxStatus.PROCESSED
    assert row.payload == payload.decode()  # the signed bytes, verbatim
    assert (row.attempts, row.last_error, row.claimed_until, row.next_attempt_at) == (1, None, None, None)
    assert row.received_at == T0 and row.processed_at == T0


async def test_stripe_sdk_signed_delivery_is_accepted(client: httpx.AsyncClient, calls: Calls) -> None:
    payload = event_payload()
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET)
    response = await client.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": header})
    assert response.status_code == 200
    assert (await settled(event_id_of(payload))).status is InboxStatus.PROCESSED
    assert len(calls) == 1


def _sign(payload: bytes) -> dict[str, str]:
    return {"Stripe-Signature": sign_header(payload, SECRET)}


def _tampered(payload: bytes) -> tuple[bytes, str]:
    return payload.replace(b'"customer"', b'"customex"'), sign_header(payload, SECRET)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tampered_body", "signature_mismatch"),
        ("wrong_secret", "signature_mismatch"),
        ("missing_header", "missing_signature_header"),
        ("malformed_header", "malformed_signature_header"),
        ("no_v1", "no_v1_signature"),
        ("stale_timestamp", "timestamp_too_old"),
        ("future_timestamp", "timestamp_in_future"),
    ],
)
async def test_unverifiable_delivery_is_400_and_stores_nothing(
    client: httpx.AsyncClient, deliver: Deliver, calls: Calls, case: str, expected: str
) -> None:
    payload = event_payload()
    now = int(time.time())
    if case == "tampered_body":
        body, header = _tampered(payload)
        response = await deliver(body, header=header)
    elif case == "wrong_secret":
        response = await deliver(payload, secret="whsec_not_ours")
    elif case == "missing_header":
        response = await client.post("/webhooks/stripe", content=payload)
    elif case == "malformed_header":
        response = await deliver(payload, header="t=yesterday;v1=abc")
    elif case == "no_v1":
        response = await deliver(payload, header=f"t={now},v0=abc")
    elif case == "stale_timestamp":
        response = await deliver(payload, timestamp=now - 301)
    else:
        response = await deliver(payload, timestamp=now + 301)

    assert response.status_code == 400
    assert response.json() == {"error": expected}
    assert SECRET not in response.text
    assert await WebhookEvent.all().count() == 0
    assert len(calls) == 0


async def test_rotation_accepts_either_configured_secret(
    services: Services, dispatcher: Dispatcher, calls: Calls
) -> None:
    app = make_app(services, dispatcher, secrets=[SECRET, ROTATED_SECRET])
    async with http_client(app) as http:
        for secret in (ROTATED_SECRET, SECRET):
            payload = event_payload()
            header = stripe.WebhookSignature.generate_signature_header(payload.decode(), secret)
            response = await http.post(
                "/webhooks/stripe", content=payload, headers={"Stripe-Signature": header}
            )
            assert response.status_code == 200, response.text
            assert (await settled(event_id_of(payload))).status is InboxStatus.PROCESSED
    assert len(calls) == 2


async def test_secrets_may_be_supplied_late_through_a_callable(
    services: Services, dispatcher: Dispatcher, calls: Calls
) -> None:
    configured: list[str] = []
    app = make_app(services, dispatcher, secrets=lambda: configured)  # type: ignore[arg-type]
    async with http_client(app) as http:
        payload = event_payload()
        headers = {
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET)
        }
        refused = await http.post("/webhooks/stripe", content=payload, headers=headers)
        configured.append(SECRET)
        accepted = await http.post("/webhooks/stripe", content=payload, headers=headers)
    assert (refused.status_code, refused.json()) == (400, {"error": "no_webhook_secret_configured"})
    assert accepted.status_code == 200
    assert (await settled(event_id_of(payload))).status is InboxStatus.PROCESSED
    assert len(calls) == 1


async def test_unknown_event_type_is_ignored_and_acknowledged(deliver: Deliver, calls: Calls) -> None:
    payload = event_payload("customer.tax_id.created")
    response = await deliver(payload)
    assert response.status_code == 200
    assert response.json() == {"received": True, "status": "RECEIVED", "queued": True}
    row = await settled(event_id_of(payload))
    assert row.status is InboxStatus.IGNORED and row.processed_at == T0 and row.claimed_until is None
    assert len(calls) == 0


async def test_duplicate_delivery_is_acknowledged_without_running_again(
    deliver: Deliver, calls: Calls
) -> None:
    payload = event_payload()
    first = await deliver(payload)
    await settled(event_id_of(payload))
    second = await deliver(payload)
    third = await deliver(payload, timestamp=int(time.time()) - 10)  # Stripe re-signs each attempt
    assert first.json() == {"received": True, "status": "RECEIVED", "queued": True}
    assert second.status_code == third.status_code == 200
    assert second.json() == {"received": True, "status": "PROCESSED", "duplicate": True}
    assert len(calls) == 1
    row = await WebhookEvent.get(stripe_event_id=event_id_of(payload))
    assert (row.attempts, await WebhookEvent.all().count()) == (1, 1)


async def test_duplicate_of_ignored_event_stays_ignored(deliver: Deliver, calls: Calls) -> None:
    payload = event_payload("ping.unknown")
    await deliver(payload)
    await settled(event_id_of(payload))
    again = await deliver(payload)
    assert again.json() == {"received": True, "status": "IGNORED", "duplicate": True}


async def test_handler_failure_is_recorded_and_queued_then_redelivery_succeeds(
    deliver: Deliver, handlers: dict[str, Handler], clock: FixedClock
) -> None:
    runs: list[str] = []

    async def flaky(event: StripeEvent, services: Services) -> None:
        runs.append(event.id)
        if len(runs) == 1:
            raise RuntimeError("stripe said no (api key sk_test_abcdef123456, secret whsec_leaky)")

    handlers[HANDLED] = flaky
    payload = event_payload()
    failed = await deliver(payload)
    assert failed.status_code == 200
    row = await settled(event_id_of(payload))
    assert row.status is InboxStatus.FAILED and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("RuntimeError: stripe said no")
    assert "sk_test_abcdef123456" not in row.last_error and "whsec_leaky" not in row.last_error
    assert row.claimed_until is None
    assert row.next_attempt_at is not None
    assert T0 + timedelta(seconds=8) <= row.next_attempt_at <= T0 + timedelta(seconds=12)

    clock.set(T0 + timedelta(seconds=1))  # Stripe redelivers before our own backoff is due: run it anyway
    redelivered = await deliver(payload)
    assert redelivered.json() == {"received": True, "status": "FAILED", "duplicate": True, "queued": True}
    row = await settled(event_id_of(payload), attempts=2)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        InboxStatus.PROCESSED,
        2,
        None,
        None,
    )
    assert len(runs) == 2


async def test_handler_timeout_is_a_failure(
    db: str, services: Services, handlers: dict[str, Handler]
) -> None:

    async def slow(event: StripeEvent, services: Services) -> None:
        await asyncio.sleep(5)

    handlers[HANDLED] = slow
    dispatcher = Dispatcher(handler_timeout=0.05)
    payload = event_payload()
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET)
    async with http_client(make_app(services, dispatcher)) as http:
        response = await http.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": header})
    assert response.status_code == 200
    row = await settled(event_id_of(payload))
    assert row.status is InboxStatus.FAILED
    assert row.last_error == "TimeoutError: handler did not finish within 0.05 s"


BAD_BODIES = {
    "not_json": b"this is not json",
    "truncated": event_payload()[:-7],
    "empty": b"",
    "array": b"[]",
    "string": b'"evt_1"',
    "id_not_string": orjson.dumps({"id": 1, "type": HANDLED, "created": 1, "data": {"object": {}}}),
    "id_not_evt": orjson.dumps({"id": "ch_1", "type": HANDLED, "created": 1, "data": {"object": {}}}),
    "id_too_long": orjson.dumps(
        {"id": "evt_" + "x" * 200, "type": HANDLED, "created": 1, "data": {"object": {}}}
    ),
    "type_missing": orjson.dumps({"id": "evt_1", "created": 1, "data": {"object": {}}}),
    "type_not_string": orjson.dumps({"id": "evt_1", "type": ["a"], "created": 1, "data": {"object": {}}}),
    "created_string": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": "1", "data": {"object": {}}}),
    "created_float": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": 1.5, "data": {"object": {}}}),
    "created_bool": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": True, "data": {"object": {}}}),
    "created_negative": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": -1, "data": {"object": {}}}),
    "created_huge": b'{"id":"evt_1","type":"x","created":99999999999999999999,"data":{"object":{}}}',
    "data_missing": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": 1}),
    "object_list": orjson.dumps({"id": "evt_1", "type": HANDLED, "created": 1, "data": {"object": []}}),
    "previous_list": orjson.dumps(
        {"id": "evt_1", "type": HANDLED, "created": 1, "data": {"object": {}, "previous_attributes": []}}
    ),
    "not_utf8": b'{"id":"evt_1","type":"\xff","created":1,"data":{"object":{}}}',
    "nan": b'{"id":"evt_1","type":"x","created":1,"data":{"object":{"a":NaN}}}',
    "deep": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_signed_body_that_is_not_an_event_is_400_and_stores_nothing(
    client: httpx.AsyncClient, calls: Calls, name: str
) -> None:
    body = BAD_BODIES[name]
    response = await client.post("/webhooks/stripe", content=body, headers=_sign(body))
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith("invalid event")
    assert await WebhookEvent.all().count() == 0
    assert len(calls) == 0


async def test_oversized_body_is_413_and_stores_nothing(client: httpx.AsyncClient, calls: Calls) -> None:
    body = event_payload(obj={"id": "cus_1", "object": "customer", "pad": "x" * MAX_BODY})
    declared = await client.post("/webhooks/stripe", content=body, headers=_sign(body))

    async def chunks():  # no Content-Length: the limit applies while streaming
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    streamed = await client.post("/webhooks/stripe", content=chunks(), headers=_sign(body))
    assert declared.status_code == streamed.status_code == 413
    assert await WebhookEvent.all().count() == 0


async def test_get_is_not_allowed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/webhooks/stripe")).status_code == 405


async def test_inbox_unavailable_is_503_so_stripe_retries(deliver: Deliver, calls: Calls) -> None:
    """The real table is moved away for a moment: the insert fails like an unreachable database."""
    conn = connections.get("default")
    await conn.execute_script("ALTER TABLE webhook_events RENAME TO webhook_events_away")
    try:
        response = await deliver(event_payload())
    finally:
        await conn.execute_script("ALTER TABLE webhook_events_away RENAME TO webhook_events")
    assert response.status_code == 503
    assert response.json() == {"error": "inbox unavailable, retry later"}
    assert len(calls) == 0


class BrokenClock(FixedClock):
    """A clock whose source is unreachable (the sandbox clock can be)."""

    async def refresh(self) -> None:
        raise ConnectionError("sandbox clock unreachable")


async def test_an_unreachable_clock_source_does_not_refuse_the_event(
    dispatcher: Dispatcher, calls: Calls
) -> None:
    services = Services(clock=BrokenClock(T0), stripe=stripe.StripeClient("sk_test_x"))
    payload = event_payload()
    async with http_client(make_app(services, dispatcher)) as http:
        response = await http.post("/webhooks/stripe", content=payload, headers=_sign(payload))
    assert response.json() == {"received": True, "status": "RECEIVED", "queued": True}
    assert (await settled(event_id_of(payload))).status is InboxStatus.PROCESSED
    assert len(calls) == 1


async def test_the_answer_does_not_wait_for_the_handler_and_redeliveries_meanwhile_do_not_rerun_it(
    deliver: Deliver, handlers: dict[str, Handler]
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def held(event: StripeEvent, services: Services) -> None:
        runs.append(event.id)
        started.set()
        await release.wait()  # a slow Stripe call, held until both answers are in

    handlers[HANDLED] = held
    payload = event_payload()
    first = await deliver(payload)
    await asyncio.wait_for(started.wait(), timeout=5)  # the handler runs: the event is claimed
    busy = await deliver(payload)
    release.set()
    row = await settled(event_id_of(payload))
    assert first.json() == {"received": True, "status": "RECEIVED", "queued": True}
    assert busy.json() == {"received": True, "status": "RECEIVED", "duplicate": True, "queued": True}
    assert (row.status, row.attempts, len(runs)) == (InboxStatus.PROCESSED, 1, 1)


async def test_a_breakdown_after_the_answer_is_logged_and_left_to_the_retry_loop(
    deliver: Deliver,
    dispatcher: Dispatcher,
    services: Services,
    clock: FixedClock,
    handlers: dict[str, Handler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The inbox table disappears while the handler runs, so the bookkeeping fails."""
    conn = connections.get("default")
    runs: list[str] = []

    async def database_goes_away(event: StripeEvent, services: Services) -> None:
        runs.append(event.id)
        if len(runs) == 1:
            await conn.execute_script("ALTER TABLE webhook_events RENAME TO webhook_events_away")

    handlers[HANDLED] = database_goes_away
    payload = event_payload()
    try:
        response = await deliver(payload)
        await dispatcher.drain()
    finally:
        if runs:
            await conn.execute_script("ALTER TABLE webhook_events_away RENAME TO webhook_events")
    assert response.json() == {"received": True, "status": "RECEIVED", "queued": True}
    (broke,) = [r for r in caplog.records if "broke down" in r.getMessage()]
    assert broke.event_id == event_id_of(payload)  # type: ignore[attr-defined]
    row = await WebhookEvent.get(stripe_event_id=event_id_of(payload))
    assert row.status is InboxStatus.RECEIVED and row.claimed_until is not None  # the claim outlives us

    clock.set(T0 + inbox.DEFAULT_LEASE + timedelta(seconds=1))
    assert await retry.retry_due(services) == 1
    row = await WebhookEvent.get(pk=row.pk)
    assert (row.status, row.attempts, len(runs)) == (InboxStatus.PROCESSED, 2, 2)


async def test_past_the_backlog_bound_an_event_is_recorded_and_left_to_the_retry_loop(
    services: Services, clock: FixedClock, calls: Calls
) -> None:
    payload = event_payload()
    async with http_client(make_app(services, Dispatcher(max_pending=0))) as http:
        response = await http.post("/webhooks/stripe", content=payload, headers=_sign(payload))
    assert response.json() == {"received": True, "status": "RECEIVED"}
    assert len(calls) == 0

    clock.set(T0 + inbox.DEFAULT_GRACE)
    assert await retry.retry_due(services) == 1
    row = await WebhookEvent.get(stripe_event_id=event_id_of(payload))
    assert (row.status, row.attempts, len(calls)) == (InboxStatus.PROCESSED, 1, 1)
