"""Objects and events against the pinned SDK's resource classes, recursively.

The recorder (stripe_sandbox/conformance.py, on for the whole suite) checks every
answer and every event with `sdk_objects`; these tests show what it catches and
the two things it found in the sandbox (an includable field always present, and
a Checkout `ui_mode` the API version no longer has).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import stripe

from stripe_sandbox.shapes import sdk_objects
from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _paid_invoice(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> dict[str, Any]:
    _, done = await subscribe(client, sandbox, catalog.monthly_eur, email="objects@example.com")
    invoice = await client.v1.invoices.retrieve_async(done["invoice"])
    return invoice.to_dict_recursive() if hasattr(invoice, "to_dict_recursive") else invoice.to_dict()


async def test_a_real_invoice_passes_and_each_kind_of_mistake_is_named(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    invoice = await _paid_invoice(client, sandbox, catalog)
    assert sdk_objects.violations(invoice) == []

    wrong = copy.deepcopy(invoice)
    wrong["automatic_tax"]["colour"] = "blue"  # a nested field the class does not declare
    wrong["status"] = "settled"  # a status outside Invoice.status's Literal set
    wrong["confirmation_secret"] = None  # includable, not asked for
    found = sdk_objects.violations(wrong)
    assert any("automatic_tax.colour: not a field of Invoice.AutomaticTax" in line for line in found), found
    assert any("status: 'settled' is not one of" in line for line in found), found
    assert any("confirmation_secret: includable, present without expand" in line for line in found), found
    assert sdk_objects.violations(wrong, ["confirmation_secret"]) != found  # asked for: no longer a finding


async def test_confirmation_secret_only_when_expanded(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    invoice = await _paid_invoice(client, sandbox, catalog)
    assert "confirmation_secret" not in invoice
    expanded = await client.v1.invoices.retrieve_async(
        invoice["id"], params={"expand": ["confirmation_secret"]}
    )
    secret = expanded.confirmation_secret
    assert secret is not None and secret.type == "payment_intent"
    assert secret.client_secret.startswith("pi_") and "_secret_" in secret.client_secret
    assert sdk_objects.violations(expanded.to_dict(), ["confirmation_secret"]) == []


async def test_checkout_sessions_are_hosted_page_sessions(
    client: stripe.StripeClient, catalog: Catalog
) -> None:
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "line_items": [{"price": catalog.gift_jpy.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
        }
    )
    assert session.ui_mode == "hosted_page"  # Session.ui_mode: elements|embedded_page|form|hosted_page
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.checkout.sessions.create_async(
            params={
                "mode": "payment",
                "ui_mode": "hosted",  # the old name: not in SessionCreateParams.ui_mode at endive
                "line_items": [{"price": catalog.gift_jpy.id, "quantity": 1}],
                "success_url": "https://app.example/ok",
            },
            options={"headers": {"Sandbox-Deliberate": "true"}},
        )


def test_events_are_checked_with_their_previous_attributes() -> None:
    event = {
        "id": "evt_1",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": 1,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": "customer.updated",
        "data": {
            "object": {"id": "cus_1", "object": "customer", "email": "a@example.com", "shoe_size": 42},
            "previous_attributes": {"email": "b@example.com", "hair": "red"},
        },
    }
    found = sdk_objects.event_violations(event)
    assert any("shoe_size: not a field of Customer" in line for line in found), found
    assert any("previous_attributes.hair" in line for line in found), found
    assert not any("email" in line for line in found)


def test_null_only_where_the_sdk_types_the_field_optional() -> None:
    """Subscription.status is not Optional: Stripe never sends null there; cancel_at may be null."""
    subscription = {"id": "sub_1", "object": "subscription", "status": None, "cancel_at": None}
    found = sdk_objects.violations(subscription)
    assert found == [
        "subscription status: null, but Subscription.status is never null (not Optional in the SDK)"
    ], found
