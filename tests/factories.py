"""Rows for tests, created through the models (no SQL of our own).

Every factory takes keyword overrides; defaults are a plausible, owned row
created at `NOW` (or at the `created_at` given), so tests only spell out what
they are about.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.gifts import codes as gift_codes
from models import CatalogPrice, Customer, GiftCode, Invoice, Payment, Refund, Subscription
from models.enums import (
    BillingCycle,
    Currency,
    GiftCodeStatus,
    InvoiceStatus,
    PaymentKind,
    PaymentStatus,
    ProductType,
    SubscriptionStatus,
)

NOW = datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


async def customer(user_id: str, **kw: Any) -> Customer:
    values: dict[str, Any] = {
        "user_id": user_id,
        "stripe_customer_id": f"cus_{user_id}_{_n()}",
        "created_at": NOW - timedelta(days=400),
        "updated_at": NOW - timedelta(days=400),
    }
    values.update(kw)
    return await Customer.create(**values)


async def payment(user_id: str, **kw: Any) -> Payment:
    n = _n()
    created_at = kw.pop("created_at", NOW - timedelta(minutes=n))
    values: dict[str, Any] = {
        "user_id": user_id,
        "kind": PaymentKind.CHECKOUT,
        "checkout_session_id": f"cs_test_{n}",
        "stripe_customer_id": f"cus_{user_id}",
        "stripe_payment_intent_id": f"pi_{n}",
        "stripe_price_id": "price_monthly_usd",
        "product_type": ProductType.PREMIUM_MONTHLY,
        "amount": 499,
        "currency": Currency.USD,
        "status": PaymentStatus.COMPLETED,
        "is_gift": False,
        "created_at": created_at,
        "completed_at": created_at + timedelta(seconds=30),
        "updated_at": created_at,
    }
    values.update(kw)
    return await Payment.create(**values)


async def gift_code(purchase: Payment, **kw: Any) -> GiftCode:
    values: dict[str, Any] = {
        "code": gift_codes.new_code(),
        "payment": purchase,
        "purchaser_user_id": purchase.user_id,
        "product_type": purchase.product_type,
        "duration_months": 1 if purchase.product_type == ProductType.PREMIUM_MONTHLY else 12,
        "status": GiftCodeStatus.AVAILABLE,
        "expires_at": purchase.created_at + timedelta(days=365),
        "created_at": purchase.created_at,
        "updated_at": purchase.created_at,
    }
    values.update(kw)
    return await GiftCode.create(**values)


async def gift_purchase(user_id: str, **kw: Any) -> tuple[Payment, GiftCode]:
    code_kw = kw.pop("code_kw", {})
    purchase = await payment(user_id, is_gift=True, **kw)
    return purchase, await gift_code(purchase, **code_kw)


async def subscription(user_id: str, **kw: Any) -> Subscription:
    n = _n()
    start = kw.pop("current_period_start", NOW - timedelta(days=10))
    values: dict[str, Any] = {
        "user_id": user_id,
        "stripe_subscription_id": f"sub_{n}",
        "stripe_customer_id": f"cus_{user_id}",
        "stripe_price_id": "price_monthly_usd",
        "product_type": ProductType.PREMIUM_MONTHLY,
        "billing_cycle": BillingCycle.MONTHLY,
        "status": SubscriptionStatus.ACTIVE,
        "price_amount": 499,
        "currency": Currency.USD,
        "current_period_start": start,
        "current_period_end": start + timedelta(days=30),
        "cancel_at_period_end": False,
        "created_at": start,
        "updated_at": start,
    }
    values.update(kw)
    return await Subscription.create(**values)


async def invoice(user_id: str, **kw: Any) -> Invoice:
    n = _n()
    created_at = kw.pop("created_at", NOW - timedelta(hours=n))
    values: dict[str, Any] = {
        "user_id": user_id,
        "stripe_invoice_id": f"in_{n}",
        "stripe_customer_id": f"cus_{user_id}",
        "number": f"INV-{n:04d}",
        "status": InvoiceStatus.PAID,
        "currency": Currency.EUR,
        "subtotal": 420,
        "tax": 79,
        "total": 499,
        "amount_paid": 499,
        "amount_due": 0,
        "tax_breakdown": [{"amount": 79, "rate_percent": "19", "jurisdiction": "DE", "inclusive": True}],
        "period_start": created_at,
        "period_end": created_at + timedelta(days=30),
        "paid_at": created_at,
        "hosted_invoice_url": f"https://invoice.stripe.test/{n}",
        "invoice_pdf": f"https://invoice.stripe.test/{n}.pdf",
        "created_at": created_at,
        "updated_at": created_at,
    }
    values.update(kw)
    return await Invoice.create(**values)


async def refund(purchase: Payment, **kw: Any) -> Refund:
    values: dict[str, Any] = {
        "stripe_refund_id": f"re_{_n()}",
        "payment": purchase,
        "user_id": purchase.user_id,
        "amount": purchase.amount,
        "currency": purchase.currency,
        "status": "succeeded",
        "created_at": NOW - timedelta(days=1),
    }
    values.update(kw)
    return await Refund.create(**values)


async def catalog_price(lookup_key: str, stripe_price_id: str, amount: int, currency: str) -> CatalogPrice:
    return await CatalogPrice.create(
        lookup_key=lookup_key,
        stripe_price_id=stripe_price_id,
        stripe_product_id="prod_premium",
        amount=amount,
        currency=currency,
        synced_at=NOW,
    )
