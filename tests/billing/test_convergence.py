"""Any order of delivery ends in the same rows.

A subscription purchase makes Stripe emit six events. The handlers re-fetch
Stripe's current objects, so whichever order they arrive in (and however often)
the payment, subscription, invoice and customer rows must end identical. This
delivers every one of the 720 orders to a reset database and compares.

Convergence is a property of the handlers, not of the database, so the full
720 run on one database (SQLite, the faster here: about 30 s) and every 12th
order (60) on PostgreSQL keeps its suite run short.

Each order is delivered as a burst (every event arrived before the first handler ran), the
way the inbox hands them over: handlers then share re-fetches and answer from rows written
by a GET begun since (`billing.stripe.calls.fetched_after_event`), and must still end where
one-by-one delivery, every handler asking Stripe, ends.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from tortoise import connections

from billing.checkout.sessions import create_checkout
from billing.stripe import calls as stripe_calls
from models import Customer, Invoice, Payment, Subscription
from models.enums import Currency, ProductType
from tests.billing.test_purchase_flows import request
from tests.conftest import DIALECT
from tests.stripe_world import StripeWorld

# access_since is when the gateway first saw access, which depends on delivery time by design;
# stripe_synced_at is when the gateway last asked Stripe.
VOLATILE = {"id", "version", "updated_at", "access_since", "stripe_synced_at"}


@pytest.fixture(autouse=True)
def one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, one clock: no margin for replicas' clocks, so rows written within a burst count."""
    monkeypatch.setattr(stripe_calls, "CLOCK_MARGIN_MS", 0)


async def snapshot(user_id: str) -> dict[str, Any]:
    def clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(({k: v for k, v in row.items() if k not in VOLATILE} for row in rows), key=repr)

    return {
        "payments": clean(await Payment.filter(user_id=user_id).values()),
        "subscriptions": clean(await Subscription.filter(user_id=user_id).values()),
        "invoices": clean(await Invoice.filter(user_id=user_id).values()),
        "customer": clean(await Customer.filter(user_id=user_id).values()),
    }


def _diff(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Only the columns that differ, for a readable failure."""
    return {
        table: [
            {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)}
            for a, b in zip(got[table], expected[table], strict=False)
        ]
        for table in got
        if got[table] != expected[table]
    }


async def restore(customer: dict[str, Any], payment: dict[str, Any]) -> None:
    conn = connections.get("default")
    for table in ("payments", "subscriptions", "invoices", "customers"):
        await conn.execute_script(f"DELETE FROM {table}")
    await Customer.create(**customer)
    await Payment.create(**payment)


@pytest.mark.timeout(600)
async def test_every_delivery_order_of_a_subscription_purchase_converges(world: StripeWorld) -> None:
    checkout = await create_checkout(world.services, "perm", request(ProductType.PREMIUM_MONTHLY))
    customer = (await Customer.filter(user_id="perm").values())[0]
    pending = (await Payment.filter(id=checkout.payment.id).values())[0]
    await world.control(f"/_sandbox/checkout/sessions/{checkout.session_id}/complete", {"outcome": "paid"})
    events = await world.new_events()
    assert len(events) == 6, [e["type"] for e in events]

    await world.deliver(events)
    expected = await snapshot("perm")
    assert expected["payments"][0]["status"] == "COMPLETED"
    assert expected["subscriptions"][0]["status"] == "ACTIVE"

    orders = list(itertools.permutations(events))
    assert len(orders) == 720
    if DIALECT != "sqlite":
        orders = orders[::12]
    for order in orders:
        await restore(customer, pending)
        await world.deliver(list(order), arrived=time.monotonic())
        got = await snapshot("perm")
        assert got == expected, (_diff(got, expected), [e["type"] for e in order])

    # Every event delivered twice more, newest first: still the same.
    await world.deliver(list(reversed(events)) * 2)
    assert await snapshot("perm") == expected


@pytest.mark.timeout(600)
async def test_events_handled_while_the_purchase_is_half_finished_converge(world: StripeWorld) -> None:
    """The handlers re-fetch Stripe's objects: met while a debit is still processing, they must
    record that half-finished state (AWAITING_SETTLEMENT, no access yet) in any order, and once
    the debit settles, the remaining events in any order, on top of it, must end where a
    purchase delivered in one go ends. The test above only delivers after Stripe's final state.
    """
    checkout = await create_checkout(
        world.services, "half", request(ProductType.PREMIUM_MONTHLY, Currency.EUR)
    )
    customer = (await Customer.filter(user_id="half").values())[0]
    pending = (await Payment.filter(id=checkout.payment.id).values())[0]
    await world.control(f"/_sandbox/checkout/sessions/{checkout.session_id}/complete", {"outcome": "delayed"})
    first = await world.new_events()  # Stripe still processing the debit

    await world.deliver(first)
    midway = await snapshot("half")
    assert [p["status"] for p in midway["payments"]] == ["AWAITING_SETTLEMENT"]
    mid_orders = list(itertools.permutations(first))
    if DIALECT != "sqlite":
        mid_orders = mid_orders[:: max(1, len(mid_orders) // 12)]
    for order in mid_orders:
        await restore(customer, pending)
        await world.deliver(list(order), arrived=time.monotonic())
        got = await snapshot("half")
        assert got == midway, (_diff(got, midway), [e["type"] for e in order])

    intent = midway["payments"][0]["stripe_payment_intent_id"]
    await world.control(f"/_sandbox/payment_intents/{intent}/settle", {"succeeded": True})
    rest = await world.new_events()
    assert "checkout.session.async_payment_succeeded" in [e["type"] for e in rest]
    await world.deliver(rest)
    expected = await snapshot("half")
    assert [p["status"] for p in expected["payments"]] == ["COMPLETED"]
    assert [s["status"] for s in expected["subscriptions"]] == ["ACTIVE"]

    orders = list(itertools.permutations(rest))
    if len(orders) > 120:
        orders = orders[:: len(orders) // 120]
    if DIALECT != "sqlite":
        orders = orders[:: max(1, len(orders) // 12)]
    for order in orders:
        # Back to the half-finished rows (as the first events left them), then the rest.
        await restore(customer, pending)
        await world.deliver(first, arrived=time.monotonic())
        await world.deliver(list(order), arrived=time.monotonic())
        got = await snapshot("half")
        assert got == expected, (_diff(got, expected), [e["type"] for e in order])
    # The half-finished events arriving late (after the rest) change nothing either.
    await world.deliver(list(reversed(first)))
    assert await snapshot("half") == expected
