"""What a plan change would cost, as Stripe computes it (`invoices.create_preview`).

The gateway never prorates by itself: the preview asks Stripe for the invoice the
change would make at a fixed `proration_date` (Stripe's `InvoiceCreatePreviewParams`:
`subscription`, `subscription_details.items/proration_date/proration_behavior`), and
keeps that moment on the subscription row (`plan_change_quote`). `changePlan` soon
after, to the same plan, sends the same `proration_date` (SubscriptionUpdateParams
documents it for exactly this), so the amount charged is the amount shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from billing.catalog.entries import CatalogEntry
from billing.catalog.entries import find as find_entry
from billing.catalog.prices import stripe_price_id
from billing.errors import BillingError, ErrorCode
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.stripe.discounts import lines_of
from models import Subscription
from models.enums import PlanChangeTiming, ProductType, SubscriptionStatus

# A preview's proration_date is reused by a change to the same plan within this long; later, the
# change is prorated at its own moment (prorations of a few minutes' difference are cents, but
# the user was shown the preview's figure, so it should be recent).
QUOTE_TTL_SECONDS = 15 * 60
# Without a recent preview, concurrent changes share one proration_date (and so one Stripe
# idempotent request) when they land in the same minute.
UNQUOTED_GRANULARITY_SECONDS = 60
CHANGEABLE = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})


@dataclass(frozen=True, slots=True)
class PlanChangeQuote:
    product_type: ProductType
    timing: PlanChangeTiming
    currency: str
    amount_due_now: int
    next_charge_amount: int
    next_charge_at: datetime
    lines: list[dict[str, Any]]
    proration_date: int


def judge_change(row: Subscription | None, product_type: ProductType) -> Subscription:
    """The subscription may change to `product_type` now, or the BillingError saying why not."""
    if row is None:
        raise BillingError(
            ErrorCode.PLAN_CHANGE_NOT_ALLOWED, "Only a subscription can change plans; you have none."
        )
    if row.status not in CHANGEABLE or row.cancel_at_period_end or row.cancel_at is not None:
        raise BillingError(
            ErrorCode.PLAN_CHANGE_NOT_ALLOWED,
            "Your subscription cannot change plans now (it is ending or its payment is overdue).",
        )
    if row.product_type == product_type:
        raise BillingError(ErrorCode.SAME_PLAN, "You already have this plan.", ["input", "productType"])
    if row.scheduled_product_type is not None:
        raise BillingError(
            ErrorCode.PLAN_CHANGE_NOT_ALLOWED,
            "A plan change is already scheduled; cancel it before choosing another.",
        )
    return row


def target_entry(row: Subscription, product_type: ProductType) -> CatalogEntry:
    """The new plan's price in the subscription's currency (a change never switches currency)."""
    return find_entry(product_type, is_gift=False, currency=row.currency)


def proration_date_for(row: Subscription, product_type: ProductType, now: int) -> int:
    """The quoted moment when a recent preview of this change exists; else `now`, in whole minutes."""
    quote = row.plan_change_quote or {}
    quoted = int(quote.get("proration_date") or 0)
    if quote.get("product_type") == product_type and 0 <= now - quoted <= QUOTE_TTL_SECONDS:
        return quoted
    return max(now - now % UNQUOTED_GRANULARITY_SECONDS, int(row.current_period_start.timestamp()))


async def stripe_item_id(services: Services, row: Subscription) -> str:
    """The subscription item whose price changes (the gateway's subscriptions have one)."""
    sub = await call(
        "subscriptions.retrieve",
        services.stripe.v1.subscriptions.retrieve_async(row.stripe_subscription_id),
        timeout=services.config.stripe_timeout_seconds,
    )
    return so.subscription_item(so.as_dict(sub))["id"]


async def remember(row: Subscription, **fields: Any) -> None:
    """Merge `fields` into the row's `plan_change_quote` (the last preview's moment, the key of a
    scheduled change); the version grows, as with every change of a row."""
    quote = {**(row.plan_change_quote or {}), **fields}
    await Subscription.filter(pk=row.pk).update(plan_change_quote=quote, version=F("version") + 1)
    row.plan_change_quote = quote
    row.version += 1


def change_details(item_id: str, price_id: str, proration_date: int) -> dict[str, Any]:
    """One place for what both the preview and the change send about the items."""
    return {
        "items": [{"id": item_id, "price": price_id}],
        "proration_behavior": "always_invoice",
        "proration_date": proration_date,
    }


async def preview_change(
    services: Services, row: Subscription, product_type: ProductType, timing: PlanChangeTiming
) -> PlanChangeQuote:
    """Stripe's preview of the change; a NOW preview is remembered on the row for `changePlan`."""
    judge_change(row, product_type)
    entry = target_entry(row, product_type)
    now = int(services.clock.now().timestamp())
    if timing == PlanChangeTiming.PERIOD_END:
        return PlanChangeQuote(
            product_type=product_type,
            timing=timing,
            currency=str(row.currency),
            amount_due_now=0,
            next_charge_amount=entry.amount,
            next_charge_at=row.current_period_end,
            lines=[],
            proration_date=now,
        )
    price_id = await stripe_price_id(services, entry)
    proration_date = now
    preview = await call(
        "invoices.create_preview",
        services.stripe.v1.invoices.create_preview_async(
            params={
                "subscription": row.stripe_subscription_id,
                "subscription_details": change_details(
                    await stripe_item_id(services, row), price_id, proration_date
                ),
            }
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    invoice = so.as_dict(preview)
    lines = lines_of(invoice)
    ends = [line["period_end"] for line in lines if line.get("period_end")]
    next_at = datetime.fromtimestamp(max(ends), UTC) if ends else row.current_period_end
    await remember(row, product_type=str(product_type), proration_date=proration_date)
    return PlanChangeQuote(
        product_type=product_type,
        timing=timing,
        currency=str(row.currency),
        # A switch to the cheaper plan can credit more than it charges: Stripe keeps the rest on
        # the customer's balance for later invoices and asks for nothing now (never below 0).
        amount_due_now=max(0, int(invoice.get("amount_due") or 0)),
        next_charge_amount=entry.amount,
        next_charge_at=next_at,
        lines=lines,
        proration_date=proration_date,
    )
