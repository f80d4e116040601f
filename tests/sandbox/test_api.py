"""The HTTP contract: errors and SDK exception classes, idempotency, pagination, expand."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, assert_shape, subscribe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


#: Sent with requests that are wrong on purpose, so the suite's conformance recorder skips them.
DELIBERATE: dict = {"headers": {"Sandbox-Deliberate": "true"}}


async def test_unknown_parameter_is_a_400_naming_it(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as top:
        await client.v1.customers.create_async(params={"emial": "typo@example.com"}, options=DELIBERATE)
    assert top.value.http_status == 400 and top.value.param == "emial"
    assert top.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as nested:
        await client.v1.checkout.sessions.create_async(
            params={"mode": "payment", "line_items": [{"price": "price_x", "qty": 1}]}, options=DELIBERATE
        )
    assert nested.value.param == "line_items[0][qty]"
    assert "Received unknown parameter" in nested.value.user_message


async def test_unknown_ids_and_missing_params(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.customers.retrieve_async("cus_doesnotexist")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as price:
        await client.v1.checkout.sessions.create_async(
            params={
                "mode": "subscription",
                "line_items": [{"price": "price_nope", "quantity": 1}],
                "success_url": "https://app.example/ok",
            }
        )
    assert price.value.param == "line_items[0][price]" and price.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as mode:
        await client.v1.checkout.sessions.create_async(params={"success_url": "https://x.example"})
    assert mode.value.param == "mode"


async def test_automatic_tax_needs_an_address_or_customer_update(
    client: stripe.StripeClient, catalog: Catalog
) -> None:
    customer = await client.v1.customers.create_async(params={"email": "noaddr@example.com"})
    params = {
        "mode": "subscription",
        "customer": customer.id,
        "line_items": [{"price": catalog.monthly_eur.id, "quantity": 1}],
        "success_url": "https://app.example/ok",
        "automatic_tax": {"enabled": True},
    }
    with pytest.raises(stripe.InvalidRequestError) as no_address:
        await client.v1.checkout.sessions.create_async(params=params)
    assert no_address.value.param == "customer_update[address]"
    session = await client.v1.checkout.sessions.create_async(
        params={**params, "customer_update": {"address": "auto"}}
    )
    assert session.automatic_tax.status == "requires_location_inputs"
    assert session.customer_details is None


async def test_bad_expand_is_rejected(client: stripe.StripeClient) -> None:
    customer = await client.v1.customers.create_async(params={"email": "x@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as bad:
        await client.v1.customers.retrieve_async(customer.id, params={"expand": ["email"]})
    assert "cannot be expanded" in bad.value.user_message


async def test_authentication_errors(sandbox: SandboxServer) -> None:
    for key in ("sk_live_123456789012", "pk_test_123456789012", "nonsense"):
        with pytest.raises(stripe.AuthenticationError) as bad:
            await sandbox.client(api_key=key).v1.customers.list_async()
        assert bad.value.http_status == 401


async def test_card_error_on_paying_with_a_declining_card(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    customer, done = await subscribe(client, sandbox, catalog.monthly_eur)
    await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
    sub = await client.v1.subscriptions.retrieve_async(done["subscription"])
    end = sub["items"].data[0].current_period_end
    now = (await sandbox.acontrol("/_sandbox/clock"))["now"]
    await sandbox.acontrol("/_sandbox/clock/advance", {"seconds": end - now + 60})
    sub = await client.v1.subscriptions.retrieve_async(sub.id)
    draft = await client.v1.invoices.retrieve_async(sub.latest_invoice)
    assert draft.status == "draft"
    with pytest.raises(stripe.CardError) as declined:
        await client.v1.invoices.pay_async(draft.id)
    assert declined.value.http_status == 402 and declined.value.code == "card_declined"
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.invoices.pay_async("in_missing")


async def test_idempotency_keys(client: stripe.StripeClient) -> None:
    options = {"idempotency_key": "idem-customer-1"}
    first = await client.v1.customers.create_async(params={"email": "i@example.com"}, options=options)
    again = await client.v1.customers.create_async(params={"email": "i@example.com"}, options=options)
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.customers.create_async(params={"email": "other@example.com"}, options=options)
    # A failed request is replayed as the same failure.
    bad = {"idempotency_key": "idem-bad", **DELIBERATE}
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError):
            await client.v1.customers.create_async(params={"nope": "1"}, options=bad)


async def test_pagination_newest_first(client: stripe.StripeClient) -> None:
    product = await client.v1.products.create_async(params={"name": "Paging"})
    prices = [
        await client.v1.prices.create_async(
            params={"product": product.id, "currency": "usd", "unit_amount": 100 + i}
        )
        for i in range(5)
    ]
    newest_first = [p.id for p in reversed(prices)]
    page = await client.v1.prices.list_async(params={"product": product.id, "limit": 2})
    assert [p.id for p in page.data] == newest_first[:2]
    assert page.has_more and page.object == "list" and page.url == "/v1/prices"
    page2 = await client.v1.prices.list_async(
        params={"product": product.id, "limit": 2, "starting_after": page.data[-1].id}
    )
    assert [p.id for p in page2.data] == newest_first[2:4]
    back = await client.v1.prices.list_async(
        params={"product": product.id, "limit": 2, "ending_before": page2.data[0].id}
    )
    assert [p.id for p in back.data] == newest_first[:2]
    every = [
        p.id
        async for p in (
            await client.v1.prices.list_async(params={"product": product.id, "limit": 2})
        ).auto_paging_iter()
    ]
    assert every == newest_first


async def test_prices_lookup_keys_transfer_and_active(client: stripe.StripeClient) -> None:
    product = await client.v1.products.create_async(params={"name": "Lookup"})
    old = await client.v1.prices.create_async(
        params={
            "product": product.id,
            "currency": "eur",
            "unit_amount": 500,
            "lookup_key": "premium_test_lookup",
            "recurring": {"interval": "month"},
            "tax_behavior": "inclusive",
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as taken:
        await client.v1.prices.create_async(
            params={
                "product": product.id,
                "currency": "eur",
                "unit_amount": 600,
                "lookup_key": "premium_test_lookup",
            }
        )
    assert taken.value.param == "lookup_key"
    new = await client.v1.prices.create_async(
        params={
            "product": product.id,
            "currency": "eur",
            "unit_amount": 600,
            "lookup_key": "premium_test_lookup",
            "transfer_lookup_key": True,
            "recurring": {"interval": "month"},
        }
    )
    await client.v1.prices.update_async(old.id, params={"active": False})
    found = await client.v1.prices.list_async(params={"lookup_keys": ["premium_test_lookup"], "active": True})
    assert [p.id for p in found.data] == [new.id]
    old = await client.v1.prices.retrieve_async(old.id)
    assert old.lookup_key is None and old.active is False
    assert new.recurring.interval == "month" and new.type == "recurring"


async def test_expand_paths(client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog) -> None:
    _, done = await subscribe(client, sandbox, catalog.monthly_eur)
    session = await client.v1.checkout.sessions.retrieve_async(
        done["id"],
        params={"expand": ["subscription.latest_invoice.payments", "invoice", "customer"]},
    )
    assert session.subscription.latest_invoice.payments.data[0].object == "invoice_payment"
    assert session.invoice.object == "invoice" and session.customer.object == "customer"
    plain = await client.v1.invoices.retrieve_async(session.invoice.id)
    assert "payments" not in plain  # only present when expanded, as on Stripe
    payments = await client.v1.invoice_payments.list_async(
        params={"invoice": plain.id, "expand": ["data.payment.payment_intent"]}
    )
    assert payments.data[0].payment.payment_intent.status == "succeeded"
    assert_shape(session.to_dict())


async def test_webhook_endpoint_crud_and_events_api(client: stripe.StripeClient) -> None:
    endpoint = await client.v1.webhook_endpoints.create_async(
        params={"url": "http://127.0.0.1:9/hook", "enabled_events": ["invoice.paid"]}
    )
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    fetched = await client.v1.webhook_endpoints.retrieve_async(endpoint.id)
    assert "secret" not in fetched
    disabled = await client.v1.webhook_endpoints.update_async(endpoint.id, params={"disabled": True})
    assert disabled.status == "disabled"
    listed = await client.v1.webhook_endpoints.list_async()
    assert endpoint.id in {e.id for e in listed.data}
    deleted = await client.v1.webhook_endpoints.delete_async(endpoint.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.webhook_endpoints.retrieve_async(endpoint.id)

    events = await client.v1.events.list_async(params={"type": "invoice.paid", "limit": 3})
    assert all(e.type == "invoice.paid" for e in events.data)
    if events.data:
        newest = events.data[0]
        since = await client.v1.events.list_async(params={"created": {"gte": newest.created}})
        assert newest.id in {e.id for e in since.data}
        again = await client.v1.events.retrieve_async(newest.id)
        assert again.data.object.object == "invoice"
    with pytest.raises(stripe.InvalidRequestError) as bad:
        await client.v1.events.list_async(params={"created": {"since": 1}}, options=DELIBERATE)
    assert bad.value.param == "created[since]"


async def test_unrecognised_url_is_a_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await client.raw_request_async("get", "/v1/not_a_resource")
    assert unknown.value.http_status == 404
