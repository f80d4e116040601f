"""Every object the sandbox returns, and every event payload it sends, has Stripe's shape.

Allowed keys per resource come from ``stripe_sandbox/shapes/keys.json`` (Stripe's
fixture keys plus the pinned SDK's declared fields); ids carry the right prefix.
"""

from __future__ import annotations

import json

import pytest
import stripe

from stripe_sandbox.shapes import derive
from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, Receiver, assert_shape, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def test_checked_in_keys_match_the_derivation() -> None:
    checked_in = json.loads(derive.KEYS_PATH.read_text())
    assert checked_in == derive.derive(derive.DEFAULT_FIXTURES)


async def test_every_served_object_and_event_has_the_right_keys(
    client: stripe.StripeClient, sandbox: SandboxServer, receiver: Receiver, catalog: Catalog
) -> None:
    seen: set[str] = set()

    def check(obj: stripe.StripeObject) -> None:
        assert_shape(obj.to_dict(), seen=seen)

    customer, done = await subscribe(client, sandbox, catalog.monthly_eur)
    check(await client.v1.customers.retrieve_async(customer.id))
    check(await client.v1.products.retrieve_async(catalog.monthly_eur.product))
    check(await client.v1.prices.retrieve_async(catalog.monthly_eur.id))
    check(
        await client.v1.checkout.sessions.retrieve_async(
            done["id"],
            params={
                "expand": [
                    "line_items",
                    "subscription.latest_invoice.payments",  # Stripe expands 4 levels at most
                    "subscription.default_payment_method",
                ]
            },
        )
    )
    invoice = await client.v1.invoices.retrieve_async(
        done["invoice"], params={"expand": ["payments", "total_taxes.tax_rate_details.tax_rate"]}
    )
    check(invoice)
    pi = await client.v1.payment_intents.retrieve_async(
        invoice.payments.data[0].payment.payment_intent, params={"expand": ["latest_charge"]}
    )
    check(pi)
    check(await client.v1.invoice_payments.list_async(params={"invoice": invoice.id}))
    check(await client.v1.invoices.line_items.list_async(invoice.id))
    refund = await client.v1.refunds.create_async(params={"payment_intent": pi.id, "amount": 100})
    check(refund)
    check(await client.v1.charges.retrieve_async(pi.latest_charge.id, params={"expand": ["refunds"]}))
    warning = await sandbox.acontrol(f"/_sandbox/charges/{pi.latest_charge.id}/early_fraud_warning", {})
    check(await client.v1.radar.early_fraud_warnings.retrieve_async(warning["id"]))
    dispute = await sandbox.acontrol(f"/_sandbox/charges/{pi.latest_charge.id}/dispute", {})
    assert_shape(dispute, seen=seen)
    business = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "automatic_tax": {"enabled": True},
            "tax_id_collection": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
        }
    )
    await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{business.id}/complete",
        {"method": "card", "country": "FR", "tax_id": {"type": "eu_vat", "value": "FR40303265045"}},
    )
    check(await client.v1.customers.tax_ids.list_async(customer.id))
    setup = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "setup",
            "customer": customer.id,
            "currency": "eur",
            "success_url": "https://app.example/ok",
        }
    )
    setup_done = await sandbox.acontrol(f"/_sandbox/checkout/sessions/{setup.id}/complete", {})
    check(
        await client.v1.setup_intents.retrieve_async(
            setup_done["setup_intent"], params={"expand": ["payment_method"]}
        )
    )
    check(
        await client.v1.billing_portal.sessions.create_async(
            params={"customer": customer.id, "return_url": "https://app.example/account"}
        )
    )
    check(await client.v1.subscriptions.list_async(params={"customer": customer.id}))
    check(await client.v1.webhook_endpoints.list_async())
    check(await client.v1.events.list_async(params={"limit": 100}))
    coupon = await client.v1.coupons.create_async(params={"percent_off": 10, "duration": "forever"})
    promo = await client.v1.promotion_codes.create_async(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}}
    )
    check(
        await client.v1.promotion_codes.list_async(
            params={"code": promo.code, "expand": ["data.promotion.coupon"]}
        )
    )
    discounted = await client.v1.subscriptions.update_async(
        done["subscription"], params={"discounts": [{"promotion_code": promo.id}], "expand": ["discounts"]}
    )
    check(discounted)

    served = set(json.loads(derive.KEYS_PATH.read_text()))
    assert served - seen == set(), f"never checked: {sorted(served - seen)}"

    # Every event payload ever sent by this sandbox, as recorded by the control API …
    log = await sandbox.acontrol("/_sandbox/events")
    assert log["data"]
    for entry in log["data"]:
        assert_shape(entry["event"])
    # … and as delivered, signed, to the receiver.
    await sandbox.acontrol("/_sandbox/webhooks/flush", {})
    for event in receiver.events:
        assert_shape(event)
