"""Tax Rate objects: `GET /v1/tax_rates/{id}` and `expand[]=total_taxes.tax_rate_details.tax_rate`.

An invoice names its tax rate by id (Stripe's current shape); readers expand
it to learn the percentage and the place, as on Stripe.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, assert_shape

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

EXPAND = ["total_taxes.tax_rate_details.tax_rate"]


async def taxed_invoice(
    client: stripe.StripeClient, sandbox: SandboxServer, price: Any, country: str, state: str | None = None
) -> dict[str, Any]:
    customer = await client.v1.customers.create_async(params={"email": "tax@example.com"})
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "cancel_url": "https://app.example/cancel",
            "automatic_tax": {"enabled": True},
            "customer_update": {"address": "auto", "name": "auto"},
        }
    )
    await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        {"outcome": "paid", "country": country, **({"state": state} if state else {})},
    )
    (invoice,) = (await client.v1.invoices.list_async(params={"customer": customer.id})).data
    return (await client.v1.invoices.retrieve_async(invoice.id, params={"expand": EXPAND})).to_dict()


async def test_expanded_tax_rate_has_stripes_shape_percentage_and_place(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    invoice = await taxed_invoice(client, sandbox, catalog.monthly_eur, "DE")
    assert assert_shape(invoice) >= {"invoice", "tax_rate"}
    (entry,) = invoice["total_taxes"]
    rate = entry["tax_rate_details"]["tax_rate"]
    assert rate["object"] == "tax_rate" and rate["id"].startswith("txr_")
    assert (rate["percentage"], rate["country"], rate["jurisdiction"], rate["state"]) == (
        19,
        "DE",
        "DE",
        None,
    )
    assert rate["inclusive"] is True and rate["tax_type"] == "vat"
    # On the invoice the line's rate is five levels down (lines.data.taxes.tax_rate_details.tax_rate):
    # beyond Stripe's four; the invoice's lines list reaches it in four.
    with pytest.raises(stripe.InvalidRequestError, match="more than 4 levels"):
        await client.v1.invoices.retrieve_async(
            invoice["id"],
            params={"expand": ["lines.data.taxes.tax_rate_details.tax_rate"]},
        )
    lines = await client.v1.invoices.line_items.list_async(
        invoice["id"], params={"expand": ["data.taxes.tax_rate_details.tax_rate"]}
    )
    line_rate = lines.data[0].to_dict()["taxes"][0]["tax_rate_details"]["tax_rate"]
    assert line_rate == rate

    fetched = (await client.v1.tax_rates.retrieve_async(rate["id"])).to_dict()
    assert fetched == rate
    assert_shape(fetched)


async def test_subdivision_rate_keeps_its_fraction_and_state(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    invoice = await taxed_invoice(client, sandbox, catalog.monthly_usd, "CA", "QC")
    rate = invoice["total_taxes"][0]["tax_rate_details"]["tax_rate"]
    assert (rate["percentage"], rate["country"], rate["state"]) == (14.975, "CA", "QC")
    assert rate["jurisdiction_level"] == "state" and rate["tax_type"] == "gst"


async def test_unexpanded_invoice_names_the_rate_by_id_and_unknown_ids_are_404(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    invoice = await taxed_invoice(client, sandbox, catalog.monthly_eur, "FR")
    plain = (await client.v1.invoices.retrieve_async(invoice["id"])).to_dict()
    assert plain["total_taxes"][0]["tax_rate_details"]["tax_rate"] == "txr_FR_20"
    with pytest.raises(stripe.InvalidRequestError) as err:
        await client.v1.tax_rates.retrieve_async("txr_nowhere")
    assert err.value.http_status == 404
