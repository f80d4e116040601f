"""Coupons, promotion codes and discounts: Checkout, subscriptions, renewals, restrictions."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.testing import SandboxServer

from .conftest import Catalog, advance_to, assert_shape

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

DAY = 86400


def _code(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3).upper()}"


async def _now(sandbox: SandboxServer) -> int:
    return (await sandbox.acontrol("/_sandbox/clock"))["now"]


async def _coupon(client: stripe.StripeClient, **params: Any) -> Any:
    return await client.v1.coupons.create_async(params=params)


async def _promo(client: stripe.StripeClient, coupon: Any, **params: Any) -> Any:
    return await client.v1.promotion_codes.create_async(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, **params}
    )


async def _session(
    client: stripe.StripeClient,
    price: Any,
    customer: str | None,
    discounts: list[dict[str, str]] | None,
    **extra: Any,
) -> Any:
    params: dict[str, Any] = {
        "mode": "subscription" if price.type == "recurring" else "payment",
        "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/cancel",
        "automatic_tax": {"enabled": True},
        **extra,
    }
    if customer:
        params["customer"] = customer
        params["customer_update"] = {"address": "auto", "name": "auto"}
    if discounts is not None:
        params["discounts"] = discounts
    return await client.v1.checkout.sessions.create_async(params=params)


async def _subscribe_with(
    client: stripe.StripeClient, sandbox: SandboxServer, price: Any, discounts: list[dict[str, str]]
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    customer = await client.v1.customers.create_async(params={"email": "promo@example.com"})
    session = await _session(client, price, customer.id, discounts)
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": "DE"}
    )
    return customer, session, done


async def _renew(client: stripe.StripeClient, sandbox: SandboxServer, sub_id: str) -> Any:
    """Advance past the period end (and the hour the draft waits); the renewal invoice."""
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    await advance_to(sandbox, sub["items"].data[0].current_period_end + 3600)
    invoices = await client.v1.invoices.list_async(params={"subscription": sub_id, "limit": 1})
    renewal = invoices.data[0]
    assert renewal.billing_reason == "subscription_cycle" and renewal.status == "paid"
    return renewal


async def test_once_code_discounts_the_first_charge_only(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, percent_off=20, duration="once", name="20% off")
    assert coupon.valid and coupon.times_redeemed == 0 and coupon.duration_in_months is None
    promo = await _promo(client, coupon, code=_code("WELCOME20"))
    assert promo.active and promo.promotion.coupon == coupon.id and promo.promotion.type == "coupon"
    assert promo.restrictions.first_time_transaction is False

    customer, session, done = await _subscribe_with(
        client, sandbox, catalog.monthly_eur, [{"promotion_code": promo.id}]
    )
    # 999 incl. 19 % DE VAT, 20 % off: 200 off, 799 paid, tax computed on the 799.
    assert session.discounts[0].promotion_code == promo.id
    assert session.amount_subtotal == 999 and session.amount_total == 799
    assert session.total_details.amount_discount == 200
    assert done["total_details"]["amount_tax"] == 799 - round(799 / 1.19)

    sub = await client.v1.subscriptions.retrieve_async(
        done["subscription"], params={"expand": ["discounts", "latest_invoice"]}
    )
    assert len(sub.discounts) == 1
    discount = sub.discounts[0]
    assert discount.object == "discount" and discount.id.startswith("di_")
    assert discount.source.coupon == coupon.id and discount.source.type == "coupon"
    assert discount.promotion_code == promo.id and discount.subscription == sub.id
    assert discount.customer == customer.id and discount.end is None
    first = sub.latest_invoice
    assert first.subtotal == 999 and first.total == 799 and first.amount_paid == 799
    assert first.discounts == [discount.id]
    assert [(d.amount, d.discount) for d in first.total_discount_amounts] == [(200, discount.id)]
    line = first.lines.data[0]
    assert line.amount == 999
    assert [(d.amount, d.discount) for d in line.discount_amounts] == [(200, discount.id)]
    assert line.taxes[0].taxable_amount == round(799 / 1.19)
    assert first.total_taxes[0].amount == 799 - round(799 / 1.19)
    assert_shape(sub.to_dict())

    coupon = await client.v1.coupons.retrieve_async(coupon.id)
    promo = await client.v1.promotion_codes.retrieve_async(promo.id)
    assert coupon.times_redeemed == 1 and promo.times_redeemed == 1

    renewal = await _renew(client, sandbox, sub.id)
    assert renewal.total == 999 and renewal.amount_paid == 999
    assert renewal.discounts == [] and renewal.total_discount_amounts == []
    sub = await client.v1.subscriptions.retrieve_async(sub.id)
    assert sub.discounts == []


async def test_forever_coupon_discounts_renewals_too(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, percent_off=25, duration="forever")
    _, _, done = await _subscribe_with(client, sandbox, catalog.monthly_eur, [{"coupon": coupon.id}])
    assert done["amount_total"] == 749  # 999 - round(249.75)
    assert done["discounts"] == [{"coupon": coupon.id, "promotion_code": None}]
    renewal = await _renew(client, sandbox, done["subscription"])
    assert renewal.total == 749 and renewal.discounts and renewal.total_discount_amounts[0].amount == 250
    renewal = await _renew(client, sandbox, done["subscription"])
    assert renewal.total == 749
    sub = await client.v1.subscriptions.retrieve_async(done["subscription"])
    assert len(sub.discounts) == 1


async def test_repeating_coupon_ends_after_its_months(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, amount_off=100, currency="eur", duration="repeating", duration_in_months=2)
    _, _, done = await _subscribe_with(client, sandbox, catalog.monthly_eur, [{"coupon": coupon.id}])
    assert done["amount_total"] == 899
    sub = await client.v1.subscriptions.retrieve_async(done["subscription"], params={"expand": ["discounts"]})
    assert sub.discounts[0].end is not None and sub.discounts[0].end > sub.discounts[0].start
    assert (await _renew(client, sandbox, sub.id)).total == 899  # month 2
    assert (await _renew(client, sandbox, sub.id)).total == 999  # month 3: the discount ended


async def test_gift_payment_is_discounted_with_its_invoice(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, percent_off=10, duration="once")
    promo = await _promo(client, coupon, code=_code("GIFT10"))
    customer = await client.v1.customers.create_async(params={"email": "gift-promo@example.com"})
    session = await _session(
        client,
        catalog.gift_jpy,
        customer.id,
        [{"promotion_code": promo.id}],
        invoice_creation={"enabled": True},
    )
    assert session.amount_total == 1350 and session.total_details.amount_discount == 150
    items = await client.v1.checkout.sessions.line_items.list_async(session.id)
    assert items.data[0].amount_discount == 150 and items.data[0].amount_total == 1350
    assert items.data[0].discounts[0].discount.checkout_session == session.id
    async with httpx.AsyncClient() as http:
        page = (await http.get(session.url)).text
    assert f"Discount ({promo.code})" in page and "id='discount'" in page
    done = await sandbox.acontrol(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"outcome": "paid", "country": "JP"}
    )
    pi = await client.v1.payment_intents.retrieve_async(done["payment_intent"])
    assert pi.amount == 1350
    invoice = await client.v1.invoices.retrieve_async(done["invoice"], params={"expand": ["discounts"]})
    assert invoice.total == 1350 and invoice.amount_paid == 1350 and invoice.subtotal == 1500
    assert invoice.discounts[0].promotion_code == promo.id
    assert invoice.lines.data[0].discount_amounts[0].amount == 150
    assert (await client.v1.promotion_codes.retrieve_async(promo.id)).times_redeemed == 1


async def _refused(client: stripe.StripeClient, catalog: Catalog, customer: str | None, promo: Any) -> Any:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await _session(client, catalog.monthly_eur, customer, [{"promotion_code": promo.id}])
    assert caught.value.http_status == 400
    assert caught.value.param.startswith("discounts")
    return caught.value


async def test_restrictions_refuse_the_code(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, percent_off=10, duration="once")
    customer = await client.v1.customers.create_async(params={"email": "r@example.com"})

    inactive = await _promo(client, coupon, code=_code("OFF"))
    updated = await client.v1.promotion_codes.update_async(inactive.id, params={"active": False})
    assert updated.active is False
    await _refused(client, catalog, customer.id, inactive)

    now = await _now(sandbox)
    expiring = await _promo(client, coupon, code=_code("SOON"), expires_at=now + 3600)
    await _session(client, catalog.monthly_eur, customer.id, [{"promotion_code": expiring.id}])
    await advance_to(sandbox, now + 7200)
    await _refused(client, catalog, customer.id, expiring)

    minimum = await _promo(
        client,
        coupon,
        code=_code("BIG"),
        restrictions={"minimum_amount": 5000, "minimum_amount_currency": "eur"},
    )
    assert minimum.restrictions.minimum_amount == 5000
    await _refused(client, catalog, customer.id, minimum)

    other = await client.v1.customers.create_async(params={"email": "other@example.com"})
    personal = await _promo(client, coupon, code=_code("ONLYYOU"), customer=other.id)
    await _refused(client, catalog, customer.id, personal)
    await _session(client, catalog.monthly_eur, other.id, [{"promotion_code": personal.id}])

    with pytest.raises(stripe.InvalidRequestError) as both:
        await _session(
            client, catalog.monthly_eur, customer.id, [{"coupon": coupon.id}], allow_promotion_codes=True
        )
    assert "allow_promotion_codes" in str(both.value)


async def test_max_redemptions_and_first_time_transaction(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    coupon = await _coupon(client, percent_off=50, duration="once")
    single = await _promo(client, coupon, code=_code("ONCE"), max_redemptions=1)
    customer, _, done = await _subscribe_with(
        client, sandbox, catalog.monthly_eur, [{"promotion_code": single.id}]
    )
    assert done["amount_total"] == 499  # 999 - 500 (499.5 off, rounded half up)
    assert (await client.v1.promotion_codes.retrieve_async(single.id)).times_redeemed == 1
    await _refused(client, catalog, None, single)

    first_time = await _promo(
        client, coupon, code=_code("NEWBIE"), restrictions={"first_time_transaction": True}
    )
    error = await _refused(client, catalog, customer.id, first_time)  # this customer has paid before
    assert "prior transactions" in str(error)
    newcomer = await client.v1.customers.create_async(params={"email": "new@example.com"})
    await _session(client, catalog.monthly_eur, newcomer.id, [{"promotion_code": first_time.id}])

    capped = await _coupon(client, percent_off=5, duration="once", max_redemptions=1)
    await _subscribe_with(client, sandbox, catalog.monthly_eur, [{"coupon": capped.id}])
    capped = await client.v1.coupons.retrieve_async(capped.id)
    assert capped.times_redeemed == 1 and capped.valid is False
    with pytest.raises(stripe.InvalidRequestError):
        await _session(client, catalog.monthly_eur, None, [{"coupon": capped.id}])


async def test_amount_off_in_another_currency_does_not_apply(
    client: stripe.StripeClient, catalog: Catalog
) -> None:
    usd_only = await _coupon(client, amount_off=300, currency="usd", duration="once")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await _session(client, catalog.monthly_eur, None, [{"coupon": usd_only.id}])
    assert caught.value.param == "discounts[0][coupon]"

    both = await _coupon(
        client, amount_off=300, currency="usd", currency_options={"eur": {"amount_off": 250}}, duration="once"
    )
    assert "currency_options" not in both  # includable: only when expanded
    shown = await client.v1.coupons.retrieve_async(both.id, params={"expand": ["currency_options"]})
    assert shown.currency_options["eur"].amount_off == 250
    session = await _session(client, catalog.monthly_eur, None, [{"coupon": both.id}])
    assert session.amount_total == 749 and session.total_details.amount_discount == 250


async def test_list_by_code_finds_it_with_its_coupon(client: stripe.StripeClient) -> None:
    coupon = await _coupon(client, percent_off=15, duration="forever", name="Spring")
    code = _code("SPRING")
    promo = await _promo(client, coupon, code=code)
    found = await client.v1.promotion_codes.list_async(
        params={"code": code.lower(), "active": True, "expand": ["data.promotion.coupon"]}
    )
    assert [p.id for p in found.data] == [promo.id]
    assert found.data[0].promotion.coupon.percent_off == 15
    assert found.data[0].promotion.coupon.name == "Spring"
    by_coupon = await client.v1.promotion_codes.list_async(params={"coupon": coupon.id})
    assert [p.id for p in by_coupon.data] == [promo.id]
    with pytest.raises(stripe.InvalidRequestError):  # the code is taken while active
        await _promo(client, coupon, code=code)
    listed = await client.v1.coupons.list_async(params={"limit": 100})
    assert coupon.id in [c.id for c in listed.data]


async def test_coupon_validation(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        await _coupon(client, percent_off=10, amount_off=100, currency="eur")
    with pytest.raises(stripe.InvalidRequestError):
        await _coupon(client, amount_off=100)  # no currency
    with pytest.raises(stripe.InvalidRequestError):
        await _coupon(client, percent_off=10, duration="repeating")  # no duration_in_months
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.promotion_codes.create_async(
            params={"promotion": {"type": "coupon", "coupon": "nope"}}
        )
    assert missing.value.code == "resource_missing"


async def test_subscription_update_applies_a_code(
    client: stripe.StripeClient, sandbox: SandboxServer, catalog: Catalog
) -> None:
    _, _, done = await _subscribe_with(client, sandbox, catalog.monthly_eur, [])
    coupon = await _coupon(client, percent_off=50, duration="forever")
    promo = await _promo(client, coupon, code=_code("HALF"))
    sub = await client.v1.subscriptions.update_async(
        done["subscription"], params={"discounts": [{"promotion_code": promo.id}], "expand": ["discounts"]}
    )
    assert sub.discounts[0].promotion_code == promo.id
    renewal = await _renew(client, sandbox, sub.id)
    assert renewal.total == 499  # 999 - 500 (499.5 rounded half up)
    sub = await client.v1.subscriptions.update_async(sub.id, params={"discounts": ""})
    assert sub.discounts == []
