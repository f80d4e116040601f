"""Acceptance: free trials bought through Checkout, trial_will_end, ending a trial now, card fingerprints."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, advance_to, assert_shape

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

DAY = 86400


async def _trial_session(
    client: stripe.StripeClient, price: Any, customer_id: str, **subscription_data: Any
) -> Any:
    return await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer_id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
            "subscription_data": {"metadata": {"plan": "premium"}, **subscription_data},
        }
    )


async def _start_trial(
    client: stripe.StripeClient, sandbox: SandboxServer, price: Any, *, days: int = 7, country: str = "DE"
) -> tuple[Any, dict[str, Any]]:
    customer = await client.v1.customers.create_async(params={"email": "trial@example.com"})
    session = await _trial_session(client, price, customer.id, trial_period_days=days)
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": country}
    )
    return customer, done


async def _events(sandbox: SandboxServer, *ids: str) -> list[dict[str, Any]]:
    """Every event about one of ``ids`` (the object or its customer), oldest first."""
    listed = (await sandbox.acontrol("/_sandbox/events"))["data"]
    out = []
    for entry in listed:
        obj = entry["event"]["data"]["object"]
        if obj.get("id") in ids or obj.get("customer") in ids:
            out.append(entry["event"])
    return out


async def test_seven_day_trial_is_free_then_charged_at_its_end(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "trial@example.com"})
    session = await _trial_session(client, catalog.monthly_eur, customer.id, trial_period_days=7)
    assert session.amount_total == 0 and session.amount_subtotal == 0
    assert session.payment_method_collection == "always"  # the card is collected anyway
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": "DE"}
    )
    assert done["status"] == "complete" and done["payment_status"] == "no_payment_required"
    assert done["amount_total"] == 0 and done["payment_intent"] is None

    sub = await client.v1.subscriptions.retrieve_async(
        done["subscription"], params={"expand": ["latest_invoice", "default_payment_method"]}
    )
    assert sub.status == "trialing"
    assert sub.trial_end - sub.trial_start == 7 * DAY and sub.trial_start == sub.created
    assert sub.billing_cycle_anchor == sub.trial_end
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (sub.trial_start, sub.trial_end)
    assert sub.default_payment_method.type == "card" and sub.default_payment_method.card.fingerprint
    assert sub.default_payment_method.customer == customer.id
    first = sub.latest_invoice
    assert first.billing_reason == "subscription_create" and first.status == "paid"
    assert (first.amount_due, first.amount_paid, first.amount_remaining, first.total) == (0, 0, 0, 0)
    assert first.lines.data[0].amount == 0 and first.lines.data[0].description.startswith("Trial period for")
    assert first.lines.data[0].period.end == sub.trial_end
    payments = await client.v1.invoice_payments.list_async(params={"invoice": first.id})
    assert payments.data == []  # no payment intent: nothing was charged

    events = await _events(sandbox, customer.id, sub.id, session.id)
    assert [e["type"] for e in events] == [
        "customer.subscription.created",
        "invoice.finalized",
        "invoice.paid",
        "checkout.session.completed",
    ]
    assert events[0]["data"]["object"]["status"] == "trialing"
    for event in events:
        assert_shape(event)

    # Three days before the end: customer.subscription.trial_will_end, once.
    await advance_to(sandbox, sub.trial_end - 3 * DAY)
    notices = [e for e in await _events(sandbox, sub.id) if e["type"].endswith("trial_will_end")]
    assert len(notices) == 1 and notices[0]["created"] == sub.trial_end - 3 * DAY
    assert notices[0]["data"]["object"]["status"] == "trialing"
    assert_shape(notices[0])

    # At the end: active, a subscription_cycle invoice for the full price, charged an hour later.
    await advance_to(sandbox, sub.trial_end + 3600)
    sub = await client.v1.subscriptions.retrieve_async(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert sub["items"].data[0].current_period_start == sub.trial_end
    invoice = sub.latest_invoice
    assert invoice.billing_reason == "subscription_cycle" and invoice.status == "paid"
    assert invoice.amount_paid == 999 and invoice.created == sub.trial_end
    types = [e["type"] for e in await _events(sandbox, sub.id, customer.id)]
    assert types.count("customer.subscription.trial_will_end") == 1
    assert types[-3:] == ["invoice.finalized", "invoice.paid", "payment_intent.succeeded"]


async def test_declined_card_at_trial_end_goes_past_due_and_short_trial_warns_at_once(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer, done = await _start_trial(client, sandbox, catalog.monthly_usd, days=1, country="US")
    sub = await client.v1.subscriptions.retrieve_async(done["subscription"])
    types = [e["type"] for e in await _events(sandbox, sub.id, customer.id, done["id"])]
    assert types[-1] == "customer.subscription.trial_will_end"  # fewer than three days: at once
    assert types.count("customer.subscription.trial_will_end") == 1

    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
    await advance_to(sandbox, sub.trial_end + 3600)
    sub = await client.v1.subscriptions.retrieve_async(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.status == "past_due"
    assert sub.latest_invoice.billing_reason == "subscription_cycle"
    assert sub.latest_invoice.status == "open" and sub.latest_invoice.attempt_count == 1
    types = [e["type"] for e in await _events(sandbox, sub.id, customer.id)]
    assert "invoice.payment_failed" in types
    assert types.count("customer.subscription.trial_will_end") == 1


async def test_trial_end_now_charges_at_once(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer, done = await _start_trial(client, sandbox, catalog.monthly_usd, days=14, country="US")
    sub_id = done["subscription"]
    before = {e["id"] for e in await _events(sandbox, sub_id, customer.id)}
    now = (await sandbox.acontrol("/_sandbox/clock"))["now"]
    sub = await client.v1.subscriptions.update_async(
        sub_id, params={"trial_end": "now", "expand": ["latest_invoice"]}
    )
    assert sub.status == "active"
    assert now <= sub.trial_end <= now + 5 and sub.billing_cycle_anchor == sub.trial_end
    item = sub["items"].data[0]
    assert item.current_period_start == sub.trial_end and item.current_period_end > sub.trial_end + 27 * DAY
    invoice = sub.latest_invoice
    assert invoice.billing_reason == "subscription_update"
    assert invoice.status == "paid" and invoice.amount_paid == 1099
    payments = await client.v1.invoice_payments.list_async(params={"invoice": invoice.id})
    assert payments.data[0].status == "paid"
    new = [e for e in await _events(sandbox, sub_id, customer.id) if e["id"] not in before]
    assert [e["type"] for e in new] == [
        "customer.subscription.updated",
        "invoice.finalized",
        "invoice.paid",
        "payment_intent.succeeded",
        "customer.subscription.trial_will_end",
    ]
    assert new[0]["data"]["previous_attributes"]["status"] == "trialing"
    for event in new:
        assert_shape(event)
    # The old trial end passes without another notice or charge.
    await advance_to(sandbox, sub.trial_end + 14 * DAY)
    types = [e["type"] for e in await _events(sandbox, sub_id, customer.id)]
    assert types.count("customer.subscription.trial_will_end") == 1
    invoices = await client.v1.invoices.list_async(params={"subscription": sub_id})
    assert len(invoices.data) == 2


async def test_trial_parameters_are_checked(client: stripe.StripeClient, catalog: Catalog) -> None:
    customer = await client.v1.customers.create_async(params={"email": "trial@example.com"})
    for bad in ({"trial_period_days": 0}, {"trial_period_days": 731}):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            await _trial_session(client, catalog.monthly_eur, customer.id, **bad)
        assert caught.value.param == "subscription_data[trial_period_days]"
    session = await _trial_session(client, catalog.monthly_eur, customer.id, trial_period_days=730)
    assert session.amount_total == 0
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await _trial_session(client, catalog.monthly_eur, customer.id, trial_end=session.created + 3600)
    assert caught.value.param == "subscription_data[trial_end]"
    session = await _trial_session(
        client,
        catalog.monthly_eur,
        customer.id,
        trial_end=session.created + 3 * DAY,
        trial_settings={"end_behavior": {"missing_payment_method": "cancel"}},
    )
    assert session.amount_total == 0
    with pytest.raises(stripe.InvalidRequestError):
        await _trial_session(
            client, catalog.monthly_eur, customer.id, trial_end=session.created + 3 * DAY, trial_period_days=3
        )


async def test_card_fingerprints_differ_per_customer_unless_set_the_same(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    first, done_first = await _start_trial(client, sandbox, catalog.monthly_eur)
    second, done_second = await _start_trial(client, sandbox, catalog.monthly_eur)
    _other, done_other = await _start_trial(client, sandbox, catalog.monthly_eur)

    async def fingerprint(done: dict[str, Any]) -> tuple[str, str]:
        sub = await client.v1.subscriptions.retrieve_async(
            done["subscription"], params={"expand": ["default_payment_method"]}
        )
        pm = await client.v1.payment_methods.retrieve_async(sub.default_payment_method.id)
        return pm.card.fingerprint, sub.default_payment_method.card.fingerprint

    prints = [await fingerprint(d) for d in (done_first, done_second, done_other)]
    assert all(a == b for a, b in prints)
    assert len({a for a, _ in prints}) == 3  # three customers, three cards

    same = "SameCardFp000001"
    answer = await sandbox.acontrol(f"/_sandbox/customers/{first.id}/card", {"fingerprint": same})
    assert answer == {"customer": first.id, "fingerprint": same}
    answer = await sandbox.acontrol(
        f"/_sandbox/customers/{second.id}/card", {"fingerprint": same, "outcome": "ok"}
    )
    assert answer == {"customer": second.id, "outcome": "ok", "fingerprint": same}
    assert await fingerprint(done_first) == (same, same)
    assert await fingerprint(done_second) == (same, same)
    assert (await fingerprint(done_other))[0] == prints[2][0]

    # A card collected later for a customer given a fingerprint carries it.
    later = await client.v1.customers.create_async(params={"email": "again@example.com"})
    await sandbox.acontrol(f"/_sandbox/customers/{later.id}/card", {"fingerprint": same})
    session = await _trial_session(client, catalog.monthly_eur, later.id, trial_period_days=7)
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": "DE"}
    )
    assert await fingerprint(done) == (same, same)
