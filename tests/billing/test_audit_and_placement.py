"""The audit trail is append-only and records a decision once; charges are placed through Stripe.

In-process (billing and the real handlers against the sandbox over HTTP): the
parts the end-to-end tests cannot reach (the database refusing a change to an
audit row, racing writers of one decision, an event retried until its row
exists).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise import connections

from billing import audit
from billing.checkout.charges import ChargeNotPlacedYet
from billing.checkout.sessions import purchase_metadata
from billing.payments.status import Happening
from billing.reversals.disputes import dispute_happenings
from models import AppendOnlyError, AuditEntry, Dispute, Payment
from models.enums import AuditAction, PaymentStatus, ProductType
from tests.billing.test_purchase_flows import request
from tests.conftest import DIALECT
from tests.stripe_world import CANCEL_URL, SUCCESS_URL, StripeWorld
from webhooks.registry import StripeEvent, all_handlers


async def test_audit_rows_are_never_changed_or_deleted(world: StripeWorld) -> None:
    now = world.services.clock.now()
    assert await audit.record(AuditAction.REFUND, actor="support-1", now=now, user_id="u-a", reason="x")
    row = await AuditEntry.get(user_id="u-a")
    row.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        await row.save()
    with pytest.raises(AppendOnlyError):
        await row.delete()
    conn = connections.get("default")
    # The database refuses it too, whoever sends it (the driver's own error, as raised by the trigger).
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_query("UPDATE audit_entries SET reason = 'rewritten'")
    if DIALECT == "postgres":
        with pytest.raises(Exception, match="append-only"):
            await conn.execute_query("DELETE FROM audit_entries")
    assert (await AuditEntry.get(user_id="u-a")).reason == "x"


async def test_an_automatic_decision_is_recorded_once_however_many_run_it(world: StripeWorld) -> None:
    now = world.services.clock.now()
    results = await asyncio.gather(
        *(
            audit.record(
                AuditAction.EARLY_FRAUD_REFUND, actor=audit.SYSTEM, now=now, user_id="u-b", key="efw-refund:x"
            )
            for _ in range(12)
        )
    )
    assert sorted(results) == [False] * 11 + [True]
    assert await AuditEntry.filter(user_id="u-b").count() == 1
    # Admin actions carry no key: each is its own row.
    for _ in range(2):
        await audit.record(AuditAction.REFUND, actor="support-1", now=now, user_id="u-b")
    assert await AuditEntry.filter(user_id="u-b", action=AuditAction.REFUND).count() == 2


def test_an_inquiry_means_nothing_for_the_payment_until_it_is_a_chargeback() -> None:
    for status in ("warning_needs_response", "warning_under_review", "warning_closed"):
        assert dispute_happenings(status) == []
    assert dispute_happenings("needs_response") == [Happening.DISPUTE_OPENED]
    assert dispute_happenings("lost") == [Happening.DISPUTE_OPENED, Happening.DISPUTE_LOST]
    assert dispute_happenings("won") == [Happening.DISPUTE_WON]


async def test_a_refund_of_a_purchase_whose_row_is_missing_is_retried_until_the_row_exists(
    world: StripeWorld,
) -> None:
    """The gateway died between Stripe making the session and writing the row (DESIGN: the
    checkout event recreates it). A refund event that comes first must wait, not be dropped."""
    stripe = world.services.stripe.v1
    customer = await stripe.customers.create_async(params={"email": "lost-row@example.com"})
    price = (await stripe.prices.list_async(params={"lookup_keys": ["premium_monthly_gift_usd"]})).data[0]
    metadata = purchase_metadata("lost-row", request(ProductType.PREMIUM_MONTHLY, gift=True), "ref-lost-row")
    session = await stripe.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": SUCCESS_URL,
            "cancel_url": CANCEL_URL,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "invoice_creation": {"enabled": True, "invoice_data": {"metadata": metadata}},
        }
    )
    done = await world.control(f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid"})
    await stripe.refunds.create_async(params={"payment_intent": done["payment_intent"]})
    events = await world.new_events()
    refunded = next(e for e in events if e["type"] == "charge.refunded")
    handler = all_handlers()["charge.refunded"]
    with pytest.raises(ChargeNotPlacedYet):
        await handler(StripeEvent.from_payload(refunded), world.services)
    assert await Payment.filter(user_id="lost-row").count() == 0
    await world.deliver([e for e in events if e["type"].startswith("checkout.session.")])
    await handler(StripeEvent.from_payload(refunded), world.services)  # the inbox's retry
    row = await Payment.get(reference="ref-lost-row")
    assert row.status == PaymentStatus.REFUNDED and row.amount_refunded == row.amount


async def test_a_dispute_before_any_invoice_event_is_placed_through_stripe(world: StripeWorld) -> None:
    from billing.checkout.sessions import create_checkout

    result = await create_checkout(world.services, "early-dispute", request(ProductType.PREMIUM_MONTHLY))
    done = await world.control(
        f"/_sandbox/checkout/sessions/{result.session_id}/complete", {"outcome": "paid"}
    )
    invoice = await world.services.stripe.v1.invoices.retrieve_async(
        done["invoice"], params={"expand": ["payments"]}
    )
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(
        invoice.payments.data[0].payment.payment_intent
    )
    dispute = await world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    events = await world.new_events()
    await world.deliver([e for e in events if e["type"].startswith("charge.dispute.")])
    row = await Payment.get(user_id="early-dispute")
    assert row.status == PaymentStatus.DISPUTED and row.stripe_invoice_id == invoice.id
    mirrored = await Dispute.get(stripe_dispute_id=dispute["id"])
    assert (mirrored.payment_id, mirrored.funds_withdrawn, mirrored.inquiry) == (row.id, 499, False)
    await world.deliver(events)  # everything else, late: the same end
    await row.refresh_from_db()
    assert row.status == PaymentStatus.DISPUTED
    assert row.completed_at is not None and row.completed_at - row.created_at < timedelta(minutes=5)
