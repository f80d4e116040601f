"""Invoices kept in step from Stripe's invoice events: amounts, period, tax breakdown.

Stripe names each tax line's rate by id; the gateway asks for it expanded
(`total_taxes.tax_rate_details.tax_rate`) and records the percentage and the
place from the Tax Rate object, so a 0 % country is told apart from an
unknown one and "19" is exact rather than recomputed from rounded amounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from billing.checkout.sessions import create_checkout
from billing.invoices.sync import sync_invoice
from models import Invoice, Payment, Subscription
from models.enums import Currency, InvoiceStatus, PaymentKind, PaymentStatus, ProductType
from tests.billing.test_purchase_flows import buy, request
from tests.stripe_world import StripeWorld

DAY = 86_400


async def stripe_invoice(world: StripeWorld, invoice_id: str) -> dict:
    return (await world.services.stripe.v1.invoices.retrieve_async(invoice_id)).to_dict()


async def test_german_invoice_carries_19_percent_inclusive_vat(world: StripeWorld) -> None:
    result = await buy(world, "inv-de", request(ProductType.PREMIUM_MONTHLY, Currency.EUR), country="DE")
    row = await Invoice.get(stripe_invoice_id=result.payment.stripe_invoice_id)
    stripe_side = await stripe_invoice(world, row.stripe_invoice_id)
    sub = await Subscription.get(user_id="inv-de")

    assert row.number == stripe_side["number"] and row.number
    assert row.status == InvoiceStatus.PAID and row.currency == Currency.EUR
    # 19 % contained in 4.99 EUR: 499 - round(499 / 1.19) = 80 cents.
    assert (row.subtotal, row.tax, row.total, row.amount_paid, row.amount_due) == (499, 80, 499, 499, 499)
    assert row.tax_breakdown == [
        {
            "amount": 80,
            "rate_percent": "19",
            "jurisdiction": "DE",
            "inclusive": True,
            "taxability_reason": "standard_rated",
        }
    ]
    assert (row.period_start, row.period_end) == (sub.current_period_start, sub.current_period_end)
    assert row.paid_at is not None and row.invoice_pdf == stripe_side["invoice_pdf"]
    assert row.hosted_invoice_url == stripe_side["hosted_invoice_url"]


async def test_zero_tax_country_shows_a_zero_rate_line(world: StripeWorld) -> None:
    result = await buy(world, "inv-us", request(ProductType.PREMIUM_YEARLY, Currency.USD), country="US")
    row = await Invoice.get(stripe_invoice_id=result.payment.stripe_invoice_id)
    assert (row.subtotal, row.tax, row.total) == (row.total, 0, result.payment.amount)
    assert row.tax_breakdown == [
        {
            "amount": 0,
            "rate_percent": "0",
            "jurisdiction": "US",
            "inclusive": True,
            "taxability_reason": "not_collecting",
        }
    ]


async def test_renewal_invoice_gets_its_own_row_period_and_payment(world: StripeWorld) -> None:
    result = await buy(world, "inv-renew", request(ProductType.PREMIUM_MONTHLY, Currency.EUR), country="FR")
    first = await Invoice.get(stripe_invoice_id=result.payment.stripe_invoice_id)
    await world.advance(32 * DAY)
    await world.deliver_new()

    rows = await Invoice.filter(user_id="inv-renew").order_by("created_at")
    assert len(rows) == 2, [r.number for r in rows]
    renewal = rows[1]
    assert renewal.number != first.number and renewal.status == InvoiceStatus.PAID
    assert renewal.period_start == first.period_end
    # FR 20 %: 499 - round(499 / 1.2) = 83
    assert renewal.tax_breakdown == [
        {
            "amount": 83,
            "rate_percent": "20",
            "jurisdiction": "FR",
            "inclusive": True,
            "taxability_reason": "standard_rated",
        }
    ]
    payment = await Payment.get(stripe_invoice_id=renewal.stripe_invoice_id)
    assert payment.kind == PaymentKind.RENEWAL and payment.status == PaymentStatus.COMPLETED
    assert payment.amount == renewal.amount_paid == 499


async def test_failed_renewal_invoice_is_open_with_the_amount_still_due(world: StripeWorld) -> None:
    result = await buy(world, "inv-fail", request(ProductType.PREMIUM_MONTHLY, Currency.EUR), country="DE")
    sub = await Subscription.get(user_id="inv-fail")
    await world.control(f"/_sandbox/customers/{sub.stripe_customer_id}/card", {"outcome": "declined"})
    await world.advance(32 * DAY)
    await world.deliver_new()

    rows = await Invoice.filter(user_id="inv-fail").order_by("created_at")
    assert len(rows) == 2 and rows[0].stripe_invoice_id == result.payment.stripe_invoice_id
    renewal = rows[1]
    assert renewal.status == InvoiceStatus.OPEN
    assert (renewal.amount_paid, renewal.amount_due, renewal.tax) == (0, 499, 80)
    payment = await Payment.get(stripe_invoice_id=renewal.stripe_invoice_id)
    assert payment.status == PaymentStatus.FAILED


async def test_replaying_an_invoice_event_changes_nothing(world: StripeWorld) -> None:
    result = await buy(world, "inv-replay", request(ProductType.PREMIUM_MONTHLY, Currency.EUR), country="DE")
    before = await Invoice.get(stripe_invoice_id=result.payment.stripe_invoice_id)
    await sync_invoice(world.services, before.stripe_invoice_id)
    after = await Invoice.get(pk=before.pk)
    assert after.version == before.version
    assert after.tax_breakdown == before.tax_breakdown


async def test_gift_invoice_is_the_buyers_with_the_tax_of_their_country(world: StripeWorld) -> None:
    result = await buy(
        world, "inv-gift", request(ProductType.PREMIUM_YEARLY, Currency.GBP, gift=True), country="GB"
    )
    row = await Invoice.get(user_id="inv-gift")
    assert row.stripe_invoice_id == result.payment.stripe_invoice_id and row.stripe_subscription_id is None
    assert row.status == InvoiceStatus.PAID and row.total == result.payment.amount == row.amount_paid
    tax = row.total - int((Decimal(row.total) / Decimal("1.2")).quantize(Decimal(1), ROUND_HALF_UP))
    assert row.tax_breakdown == [
        {
            "amount": tax,
            "rate_percent": "20",
            "jurisdiction": "GB",
            "inclusive": True,
            "taxability_reason": "standard_rated",
        }
    ]
    assert row.tax == tax and row.number


async def test_subdivision_rate_keeps_its_fraction_and_province(world: StripeWorld) -> None:
    checkout = await create_checkout(
        world.services, "inv-qc", request(ProductType.PREMIUM_MONTHLY, Currency.CAD)
    )
    await world.control(
        f"/_sandbox/checkout/sessions/{checkout.session_id}/complete",
        {"outcome": "paid", "country": "CA", "state": "QC"},
    )
    await world.deliver_new()
    row = await Invoice.get(user_id="inv-qc")
    # 14.975 % (GST + QST) contained in 6.49 CAD: 649 - round(564.47) = 85
    assert row.tax_breakdown == [
        {
            "amount": 85,
            "rate_percent": "14.975",
            "jurisdiction": "CA-QC",
            "inclusive": True,
            "taxability_reason": "standard_rated",
        }
    ]
