"""A stored copy as new as the event answers it without asking Stripe again (issue 19), and an older
answer never overwrites a newer one (`billing.stripe.calls.retrieve_stamped`, the rows'
`stripe_synced_at`). Counted by the gateway's own Stripe request metric against the sandbox over
HTTP; the in-process sharing of GETs is emptied before each handler, as if every event of the
purchase landed on another worker, so what is saved here is saved by the rows alone."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from prometheus_client import REGISTRY

from billing.checkout.sessions import create_checkout
from billing.stripe import calls as stripe_calls
from billing.subscriptions.sync import apply_subscription
from gateway.settings import load_settings
from gateway.stripe_client import make_stripe_client
from models import Invoice, Payment, Subscription
from models.enums import PaymentStatus, ProductType, SubscriptionStatus
from tests.billing.test_purchase_flows import request
from tests.stripe_world import StripeWorld

KINDS = ("checkout/sessions", "subscriptions", "invoices")


@pytest.fixture(autouse=True)
def one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, one clock: no margin for replicas' clocks (the rule is the same with it)."""
    monkeypatch.setattr(stripe_calls, "CLOCK_MARGIN_MS", 0)


@pytest.fixture
def world(world: StripeWorld) -> StripeWorld:
    """The billing tests' world, with the gateway's own Stripe client (paced, metered): its GETs
    are counted."""
    settings = load_settings(
        _env_file=None,
        auth_jwt_secret="x" * 32,
        stripe_api_key=world.sandbox.api_key,
        stripe_api_base=world.sandbox.base_url,
    )
    world.services = dataclasses.replace(world.services, stripe=make_stripe_client(settings))
    return world


def gets() -> dict[str, float]:
    return {
        kind: REGISTRY.get_sample_value(
            "billing_stripe_requests_total",
            {"operation": f"GET /v1/{kind}/{{id}}", "outcome": "ok", "status": "200"},
        )
        or 0.0
        for kind in KINDS
    }


async def deliver_apart(world: StripeWorld, events: list[dict[str, Any]]) -> dict[str, float]:
    """Deliver as one burst (all arrived before the first handler ran, as a busy inbox hands them
    over), each handler with no GET of another to share; the GETs it cost."""
    arrived = time.monotonic()
    before = gets()
    for event in events:
        stripe_calls._fetches.clear()
        await world.deliver([event], arrived=arrived)
    return {kind: n - before[kind] for kind, n in gets().items()}


async def bought(world: StripeWorld, user: str) -> list[dict[str, Any]]:
    checkout = await create_checkout(world.services, user, request(ProductType.PREMIUM_MONTHLY))
    await world.control(f"/_sandbox/checkout/sessions/{checkout.session_id}/complete", {"outcome": "paid"})
    events = await world.new_events()
    assert len(events) == 6, [e["type"] for e in events]
    return events


async def test_a_purchase_burst_costs_one_get_of_the_session_and_one_of_the_invoice(
    world: StripeWorld,
) -> None:
    events = await bought(world, "fresh-1")
    session_first = sorted(events, key=lambda e: not e["type"].startswith("checkout.session"))

    cost = await deliver_apart(world, session_first)

    # The session's GET brought the subscription; the second invoice event found the first's row.
    assert cost == {"checkout/sessions": 1, "subscriptions": 0, "invoices": 0}
    assert [p.status for p in await Payment.filter(user_id="fresh-1")] == [PaymentStatus.COMPLETED]
    assert [s.status for s in await Subscription.filter(user_id="fresh-1")] == [SubscriptionStatus.ACTIVE]
    assert await Invoice.filter(user_id="fresh-1").count() == 1


async def test_an_event_that_arrived_after_the_stored_get_is_fetched_again(world: StripeWorld) -> None:
    await deliver_apart(world, await bought(world, "fresh-2"))
    row = await Subscription.get(user_id="fresh-2")
    await world.services.stripe.v1.subscriptions.update_async(
        row.stripe_subscription_id, params={"cancel_at_period_end": True}
    )
    events = await world.new_events()  # arrived after every row was written
    assert [e["type"] for e in events] == ["customer.subscription.updated"]

    cost = await deliver_apart(world, events)

    assert cost["subscriptions"] == 1
    assert (await Subscription.get(user_id="fresh-2")).cancel_at_period_end is True


async def test_an_older_answer_is_not_written_over_a_newer_one(world: StripeWorld) -> None:
    await deliver_apart(world, await bought(world, "fresh-3"))
    sub_id = (await Subscription.get(user_id="fresh-3")).stripe_subscription_id
    v1 = world.services.stripe.v1
    old, old_ms = await stripe_calls.retrieve_stamped(world.services.stripe, "subscriptions", sub_id)
    await v1.subscriptions.update_async(sub_id, params={"cancel_at_period_end": True})
    new, new_ms = await stripe_calls.retrieve_stamped(world.services.stripe, "subscriptions", sub_id)
    assert old_ms < new_ms and not old["cancel_at_period_end"] and new["cancel_at_period_end"]

    await apply_subscription(world.services, new, new_ms)
    await apply_subscription(world.services, old, old_ms)  # a slower GET answered last

    assert (await Subscription.get(user_id="fresh-3")).cancel_at_period_end is True
    # An answer of unknown age (a list, a mutation's answer) is written as always.
    await apply_subscription(world.services, old)
    assert (await Subscription.get(user_id="fresh-3")).cancel_at_period_end is False
