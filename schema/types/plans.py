"""Plan changes, promotion codes and the lines behind an amount: `Discount`, `InvoiceLine`,
`ScheduledPlanChange`, `PlanChangePreview`, `PromotionCodeCheck`.

Each is built from what `billing.plans` read from Stripe (plain dicts stored in a row, or a
dataclass of billing's); nothing here computes an amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import strawberry

from billing.plans.previews import PlanChangeQuote
from billing.plans.promotions import PromotionCheck
from schema.types.enums import DiscountDuration, PlanChangeTiming, ProductType
from schema.types.errors import ErrorCode
from schema.types.money import Money


@strawberry.type
class Discount:
    code: str | None = strawberry.field(description="The promotion code the customer entered.")
    percent_off: float | None
    amount_off: Money | None
    duration: DiscountDuration
    duration_in_months: int | None = strawberry.field(description="For REPEATING.")
    ends_at: datetime | None = strawberry.field(description="When it stops applying, if known.")


def discount_from_dict(value: dict[str, Any] | None) -> Discount | None:
    """From the dict `billing.plans.discounts.discount_of` stores; None when there is none."""
    if not value:
        return None
    amount_off = value.get("amount_off")
    currency = value.get("currency")
    return Discount(
        code=value.get("code"),
        percent_off=value.get("percent_off"),
        amount_off=Money(amount=int(amount_off), currency=currency.upper())  # type: ignore[arg-type]
        if amount_off is not None and currency
        else None,
        duration=DiscountDuration(value["duration"]),
        duration_in_months=value.get("duration_in_months"),
        ends_at=datetime.fromtimestamp(value["end"], UTC) if value.get("end") else None,
    )


@strawberry.type
class InvoiceLine:
    description: str
    amount: Money = strawberry.field(description="Negative for a credit (unused time of the old plan).")
    period_start: datetime | None
    period_end: datetime | None
    proration: bool


def invoice_lines(lines: Sequence[dict[str, Any]] | None, currency: str) -> list[InvoiceLine]:
    """From the dicts `billing.plans.discounts.lines_of` makes of Stripe's invoice lines."""
    return [
        InvoiceLine(
            description=line.get("description") or "",
            amount=Money(amount=int(line["amount"]), currency=currency),  # type: ignore[arg-type]
            period_start=datetime.fromtimestamp(line["period_start"], UTC)
            if line.get("period_start")
            else None,
            period_end=datetime.fromtimestamp(line["period_end"], UTC) if line.get("period_end") else None,
            proration=bool(line.get("proration")),
        )
        for line in lines or ()
    ]


@strawberry.type
class ScheduledPlanChange:
    product_type: ProductType
    effective_at: datetime


def scheduled_change_from_row(row: dict[str, Any]) -> ScheduledPlanChange | None:
    if row.get("scheduled_product_type") is None or row.get("scheduled_at") is None:
        return None
    return ScheduledPlanChange(product_type=row["scheduled_product_type"], effective_at=row["scheduled_at"])


@strawberry.type(description="What a plan change would cost, from Stripe's own invoice preview.")
class PlanChangePreview:
    product_type: ProductType = strawberry.field(description="The plan switched to.")
    timing: PlanChangeTiming
    amount_due_now: Money = strawberry.field(description="Charged at the switch (zero for PERIOD_END).")
    next_charge_amount: Money = strawberry.field(description="The first regular charge of the new plan.")
    next_charge_at: datetime
    lines: list[InvoiceLine] = strawberry.field(description="The proration lines behind amountDueNow.")
    proration_date: datetime = strawberry.field(
        description="The moment the prorations are computed for; a NOW change soon after uses it too."
    )


def plan_change_preview_from(quote: PlanChangeQuote) -> PlanChangePreview:
    currency = quote.currency
    return PlanChangePreview(
        product_type=quote.product_type,
        timing=quote.timing,
        amount_due_now=Money(amount=quote.amount_due_now, currency=currency),  # type: ignore[arg-type]
        next_charge_amount=Money(amount=quote.next_charge_amount, currency=currency),  # type: ignore[arg-type]
        next_charge_at=quote.next_charge_at,
        lines=invoice_lines(quote.lines, currency),
        proration_date=datetime.fromtimestamp(quote.proration_date, UTC),
    )


@strawberry.type(description="A promotion code checked against a product before checkout.")
class PromotionCodeCheck:
    code: str
    valid: bool
    reason: ErrorCode | None = strawberry.field(description="Why not, when not valid.")
    discount: Discount | None
    original_price: Money | None
    discounted_price: Money | None = strawberry.field(
        description="The first charge with the code (tax included, as every price)."
    )


def promotion_code_check_from(check: PromotionCheck) -> PromotionCodeCheck:
    currency = check.currency
    return PromotionCodeCheck(
        code=check.code,
        valid=check.valid,
        reason=check.reason,
        discount=discount_from_dict(check.discount),
        original_price=Money(amount=check.original_amount, currency=currency)  # type: ignore[arg-type]
        if check.original_amount is not None
        else None,
        discounted_price=Money(amount=check.discounted_amount, currency=currency)  # type: ignore[arg-type]
        if check.discounted_amount is not None
        else None,
    )
