"""Acceptance: plan changes (monthly <-> yearly), previews, pending updates, subscription schedules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, Receiver, advance_to, settle_webhooks, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

DAY = 86400


async def _now(sandbox: SandboxServer) -> int:
    return (await sandbox.acontrol("/_sandbox/clock"))["now"]


async def _monthly_ten_days_in(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> tuple[Any, Any, int]:
    customer, session = await subscribe(client, sandbox, catalog.monthly_usd, country="US")
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": 10 * DAY})
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    return customer, sub, await _now(sandbox)


def _credit(amount: int, item: Any, at: int) -> int:
    start, end = item.current_period_start, item.current_period_end
    return -int((Decimal(amount) * (end - at) / (end - start)).quantize(Decimal(1), ROUND_HALF_UP))


async def test_monthly_to_yearly_ten_days_in_credits_unused_time_and_charges_a_full_year(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, sub, now = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    change = {"items": [{"id": item.id, "price": catalog.yearly_usd.id}], "proration_date": now}

    preview = await client.v1.invoices.create_preview_async(
        params={
            "subscription": sub.id,
            "subscription_details": {**change, "proration_behavior": "always_invoice"},
        }
    )
    assert preview.id.startswith("upcoming_in_")
    assert preview.billing_reason == "upcoming"
    credit, charge = preview.lines.data
    expected_credit = _credit(1099, item, now)
    assert credit.amount == expected_credit
    assert credit.parent.subscription_item_details.proration is True
    assert credit.description.startswith("Unused time on Premium monthly after ")
    assert credit.period.start == now and credit.period.end == item.current_period_end
    assert (
        credit.parent.subscription_item_details.proration_details.credited_items.invoice == sub.latest_invoice
    )
    assert charge.amount == 9999 and charge.parent.subscription_item_details.proration is False
    assert preview.amount_due == 9999 + expected_credit < 9999

    updated = await client.v1.subscriptions.update_async(
        sub.id,
        params={**change, "proration_behavior": "always_invoice", "expand": ["latest_invoice"]},
    )
    invoice = updated.latest_invoice
    assert invoice.billing_reason == "subscription_update"
    assert invoice.status == "paid"
    assert [line.amount for line in invoice.lines.data] == [line.amount for line in preview.lines.data]
    assert invoice.amount_paid == preview.amount_due
    new_item = updated["items"].data[0]
    assert new_item.price.id == catalog.yearly_usd.id and new_item.plan.interval == "year"
    assert updated.billing_cycle_anchor >= now
    assert new_item.current_period_start == updated.billing_cycle_anchor
    assert new_item.current_period_end - new_item.current_period_start >= 365 * DAY
    assert updated.pending_update is None
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert types[-4:] == [
        "invoice.finalized",
        "invoice.paid",
        "payment_intent.succeeded",
        "customer.subscription.updated",
    ]


async def test_create_prorations_on_an_interval_change_still_invoices_now(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _customer, sub, now = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    updated = await client.v1.subscriptions.update_async(
        sub.id,
        params={
            "items": [{"id": item.id, "price": catalog.yearly_usd.id}],
            "proration_date": now,
            "expand": ["latest_invoice"],
        },
    )
    assert updated.latest_invoice.billing_reason == "subscription_update"
    assert updated.latest_invoice.amount_paid == 9999 + _credit(1099, item, now)


async def test_plain_preview_is_the_next_renewal(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _customer, sub, _ = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    preview = await client.v1.invoices.create_preview_async(params={"subscription": sub.id})
    (line,) = preview.lines.data
    assert line.amount == 1099 and preview.amount_due == 1099
    assert line.period.start == item.current_period_end


async def test_declined_card_with_pending_if_incomplete_keeps_the_old_price_until_paid(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, sub, now = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
    updated = await client.v1.subscriptions.update_async(
        sub.id,
        params={
            "items": [{"id": item.id, "price": catalog.yearly_usd.id}],
            "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete",
            "proration_date": now,
        },
    )
    assert updated.status == "active"
    assert updated["items"].data[0].price.id == catalog.monthly_usd.id
    pending = updated.pending_update
    assert pending.subscription_items[0].price.id == catalog.yearly_usd.id
    assert now < pending.expires_at <= now + 23 * 3600 + 5
    invoice = await client.v1.invoices.retrieve_async(updated.latest_invoice, params={"expand": ["payments"]})
    assert invoice.status == "open" and invoice.billing_reason == "subscription_update"
    intent = await client.v1.payment_intents.retrieve_async(invoice.payments.data[0].payment.payment_intent)
    assert intent.status == "requires_payment_method"

    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "ok"})
    paid = await client.v1.invoices.pay_async(invoice.id)
    assert paid.status == "paid"
    after = await client.v1.subscriptions.retrieve_async(sub.id)
    assert after.pending_update is None
    assert after["items"].data[0].price.id == catalog.yearly_usd.id
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert "invoice.payment_failed" in types
    assert types[-2:] == ["customer.subscription.updated", "customer.subscription.pending_update_applied"]


async def test_a_pending_update_expires_after_23_hours(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, sub, _ = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "authentication_required"})
    updated = await client.v1.subscriptions.update_async(
        sub.id,
        params={
            "items": [{"id": item.id, "price": catalog.yearly_usd.id}],
            "payment_behavior": "pending_if_incomplete",
        },
    )
    assert updated.pending_update is not None
    await advance_to(sandbox, updated.pending_update.expires_at)
    after = await client.v1.subscriptions.retrieve_async(sub.id)
    assert after.pending_update is None and after.status == "active"
    assert after["items"].data[0].price.id == catalog.monthly_usd.id
    invoice = await client.v1.invoices.retrieve_async(updated.latest_invoice)
    assert invoice.status == "void"
    await settle_webhooks(sandbox)
    types = receiver.types_for(customer.id)
    assert "invoice.payment_action_required" in types
    assert types[-1] == "customer.subscription.pending_update_expired"


async def test_pending_if_incomplete_refuses_what_pending_updates_do_not_support(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _customer, sub, _ = await _monthly_ten_days_in(client, sandbox, catalog)
    item = sub["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.subscriptions.update_async(
            sub.id,
            params={
                "items": [{"id": item.id, "price": catalog.yearly_usd.id}],
                "payment_behavior": "pending_if_incomplete",
                "description": "upgrade",
            },
        )
    assert refused.value.param == "description"


async def _yearly_with_schedule_to_monthly(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> tuple[Any, Any, Any]:
    customer, session = await subscribe(client, sandbox, catalog.yearly_usd, country="US")
    sub = await client.v1.subscriptions.retrieve_async(session["subscription"])
    schedule = await client.v1.subscription_schedules.create_async(params={"from_subscription": sub.id})
    phase = schedule.phases[0]
    schedule = await client.v1.subscription_schedules.update_async(
        schedule.id,
        params={
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": catalog.yearly_usd.id, "quantity": 1}],
                    "start_date": phase.start_date,
                    "end_date": phase.end_date,
                },
                {"items": [{"price": catalog.monthly_usd.id, "quantity": 1}]},
            ],
        },
    )
    return customer, sub, schedule


async def test_a_schedule_switches_to_monthly_at_the_period_end(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    customer, sub, schedule = await _yearly_with_schedule_to_monthly(client, sandbox, catalog)
    end = sub["items"].data[0].current_period_end
    assert schedule.status == "active" and schedule.subscription == sub.id
    assert schedule.current_phase.end_date == end
    assert [ph.items[0].price for ph in schedule.phases] == [catalog.yearly_usd.id, catalog.monthly_usd.id]
    assert (await client.v1.subscriptions.retrieve_async(sub.id)).schedule == schedule.id
    invoices = await client.v1.invoices.list_async(params={"subscription": sub.id})
    assert [i.billing_reason for i in invoices.data] == ["subscription_create"]  # nothing charged now

    await advance_to(sandbox, end + 3600)
    after = await client.v1.subscriptions.retrieve_async(sub.id)
    item = after["items"].data[0]
    assert item.price.id == catalog.monthly_usd.id
    assert item.current_period_start == end and after.billing_cycle_anchor == end
    assert 28 * DAY <= item.current_period_end - end <= 31 * DAY
    invoices = await client.v1.invoices.list_async(params={"subscription": sub.id})
    renewal = invoices.data[0]
    assert renewal.billing_reason == "subscription_cycle" and renewal.status == "paid"
    assert renewal.amount_paid == 1099
    schedule = await client.v1.subscription_schedules.retrieve_async(schedule.id)
    assert schedule.status == "active" and schedule.current_phase.start_date == end
    listed = await client.v1.subscription_schedules.list_async(params={"customer": customer.id})
    assert [s.id for s in listed.data] == [schedule.id]
    await settle_webhooks(sandbox)
    types = [e["type"] for e in receiver.events if e["data"]["object"].get("id") == schedule.id]
    assert types == [
        "subscription_schedule.created",
        "subscription_schedule.updated",
        "subscription_schedule.updated",
    ]


async def test_releasing_the_schedule_keeps_the_yearly_price(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    _customer, sub, schedule = await _yearly_with_schedule_to_monthly(client, sandbox, catalog)
    released = await client.v1.subscription_schedules.release_async(schedule.id)
    assert released.status == "released" and released.released_subscription == sub.id
    assert released.subscription is None
    after = await client.v1.subscriptions.retrieve_async(sub.id)
    assert after.schedule is None
    await advance_to(sandbox, sub["items"].data[0].current_period_end + 3600)
    after = await client.v1.subscriptions.retrieve_async(sub.id)
    assert after["items"].data[0].price.id == catalog.yearly_usd.id
    await settle_webhooks(sandbox)
    types = [e["type"] for e in receiver.events if e["data"]["object"].get("id") == schedule.id]
    assert types[-1] == "subscription_schedule.released"


async def test_cancelling_the_schedule_cancels_the_subscription_and_vice_versa(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _customer, sub, schedule = await _yearly_with_schedule_to_monthly(client, sandbox, catalog)
    canceled = await client.v1.subscription_schedules.cancel_async(schedule.id)
    assert canceled.status == "canceled" and canceled.canceled_at is not None
    assert (await client.v1.subscriptions.retrieve_async(sub.id)).status == "canceled"

    _customer, sub, schedule = await _yearly_with_schedule_to_monthly(client, sandbox, catalog)
    await client.v1.subscriptions.cancel_async(sub.id)
    schedule = await client.v1.subscription_schedules.retrieve_async(schedule.id)
    assert schedule.status == "canceled"
