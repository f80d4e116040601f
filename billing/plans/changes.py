"""changePlan and cancelPlanChange: monthly <-> yearly, at once or at the period end.

NOW (DESIGN.md "Plan changes"): the subscription item's price changes with
`proration_behavior=always_invoice` and `payment_behavior=pending_if_incomplete`
(SubscriptionUpdateParams). Stripe invoices the prorated difference at once
(`billing_reason=subscription_update`) and applies the new price only when that
invoice is paid; until then the subscription keeps its price and shows a
`pending_update`. The invoice becomes the PLAN_CHANGE payment row through the same
invoice sync as every other invoice, so the webhooks and `reconcile` agree with
what this module writes. A retry after a decline pays the same open invoice
(`invoices.pay`, with the card the user has now) instead of making a second one.

PERIOD_END: a subscription schedule made `from_subscription` gets two phases (the
current price until the period end, then the new one) and `end_behavior=release`,
so at the period end Stripe switches the price and charges the new plan, and the
subscription is an ordinary one again. Nothing is charged before.
`cancelPlanChange` releases the schedule: the subscription goes on as it is.

Concurrency follows `billing.subscriptions.actions`: the Stripe idempotency key is
made of what the callers judged (row version, target, proration moment), so
concurrent identical calls get one answer from Stripe and make one change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import stripe

from billing.catalog.prices import stripe_price_id
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.invoices.sync import sync_invoice
from billing.plans.previews import (
    change_details,
    judge_change,
    proration_date_for,
    remember,
    stripe_item_id,
    target_entry,
)
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.subscriptions.actions import fetch_current, live_subscription, release_schedule, write_back
from models import Payment, Subscription
from models.enums import PaymentKind, PaymentStatus, PlanChangeTiming, ProductType

log = logging.getLogger("billing.plans.changes")

MAX_KEY_CHARS = 255
# A PLAN_CHANGE payment in one of these has an open invoice a retry can pay.
_RETRYABLE = frozenset({PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION})


@dataclass(frozen=True, slots=True)
class PlanChangeResult:
    subscription: Subscription
    payment: Payment | None  # the PLAN_CHANGE payment of a NOW change with something to pay


def _clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise BillingError(
            ErrorCode.INVALID_INPUT,
            f"idempotencyKey must be 1 to {MAX_KEY_CHARS} printable characters.",
            ["input", "idempotencyKey"],
        )
    return key


async def _replayed(user_id: str, key: str | None, product_type: ProductType) -> PlanChangeResult | None:
    """The answer already given to this key: the same payment and the subscription as it is now."""
    if key is None:
        return None
    payment = await Payment.get_or_none(user_id=user_id, idempotency_key=key)
    if payment is None:
        return None
    if payment.kind != PaymentKind.PLAN_CHANGE or payment.product_type != product_type:
        raise BillingError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another request.",
            ["input", "idempotencyKey"],
        )
    sub = await Subscription.get(stripe_subscription_id=payment.stripe_subscription_id)
    return PlanChangeResult(subscription=sub, payment=payment)


async def change_plan(
    services: Services,
    user_id: str,
    product_type: ProductType,
    timing: PlanChangeTiming,
    idempotency_key: str | None = None,
) -> PlanChangeResult:
    key = _clean_key(idempotency_key)
    replay = await _replayed(user_id, key, product_type)
    if replay is not None:
        return replay
    live = await live_subscription(user_id)
    if timing == PlanChangeTiming.PERIOD_END and _scheduled_with(live, product_type, key):
        assert live is not None
        return PlanChangeResult(subscription=live, payment=None)  # this key's change, already made
    row = judge_change(live, product_type)
    if timing == PlanChangeTiming.PERIOD_END:
        scheduled = await _schedule(services, row, product_type)
        if key is not None:
            await remember(scheduled, scheduled_key=key)
        return PlanChangeResult(subscription=scheduled, payment=None)
    return await _change_now(services, row, product_type, key)


def _scheduled_with(row: Subscription | None, product_type: ProductType, key: str | None) -> bool:
    """A PERIOD_END change to `product_type` is scheduled, and it was made with `key` (a PERIOD_END
    change charges nothing, so the key is kept on the subscription rather than on a payment)."""
    return (
        key is not None
        and row is not None
        and row.scheduled_product_type == product_type
        and (row.plan_change_quote or {}).get("scheduled_key") == key
    )


# --- NOW -----------------------------------------------------------------------------------------


async def _open_attempt(row: Subscription, product_type: ProductType) -> Payment | None:
    """The last PLAN_CHANGE payment to this plan that failed or waits for the customer."""
    return (
        await Payment.filter(
            stripe_subscription_id=row.stripe_subscription_id,
            kind=PaymentKind.PLAN_CHANGE,
            product_type=product_type,
            status__in=list(_RETRYABLE),
        )
        .order_by("-created_at", "-id")
        .first()
    )


async def _change_now(
    services: Services, row: Subscription, product_type: ProductType, key: str | None
) -> PlanChangeResult:
    earlier = await _open_attempt(row, product_type)
    if earlier is not None and earlier.stripe_invoice_id:
        invoice = await _retry(services, earlier)
        if invoice is not None:
            return await _result(services, row.stripe_subscription_id, invoice, key)
    price_id = await stripe_price_id(services, target_entry(row, product_type))
    now = int(services.clock.now().timestamp())
    proration_date = proration_date_for(row, product_type, now)
    params: dict[str, Any] = {
        **change_details(await stripe_item_id(services, row), price_id, proration_date),
        "payment_behavior": "pending_if_incomplete",
    }
    attempts = await Payment.filter(
        stripe_subscription_id=row.stripe_subscription_id, kind=PaymentKind.PLAN_CHANGE
    ).count()
    stripe_key = (
        f"bg-plan-{row.stripe_subscription_id}-v{row.version}-{product_type}-{proration_date}-{attempts}"
    )
    try:
        answer = await call(
            "subscriptions.update(plan)",
            services.stripe.v1.subscriptions.update_async(
                row.stripe_subscription_id, params=params, options={"idempotency_key": stripe_key}
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        if isinstance(exc.__cause__, stripe.IdempotencyError):
            # Another caller is making this very change right now: its answer is the answer.
            log.info("concurrent plan change; reading Stripe's state", extra={"subscription": row.pk})
            answer = await call(
                "subscriptions.retrieve",
                services.stripe.v1.subscriptions.retrieve_async(row.stripe_subscription_id),
                timeout=services.config.stripe_timeout_seconds,
            )
        else:
            raise
    sub = so.as_dict(answer)
    return await _result(services, sub["id"], so.obj_id(sub.get("latest_invoice")), key, answer=sub)


async def _retry(services: Services, earlier: Payment) -> str | None:
    """Pay the open invoice of an earlier attempt again (with the card the user has now).
    None when it is no longer open (voided when its pending update expired): change anew."""
    invoice_id = earlier.stripe_invoice_id
    assert invoice_id is not None
    invoice = so.as_dict(
        await call(
            "invoices.retrieve",
            services.stripe.v1.invoices.retrieve_async(invoice_id),
            timeout=services.config.stripe_timeout_seconds,
        )
    )
    if invoice.get("status") != "open":
        return None
    try:
        await call(
            "invoices.pay",
            services.stripe.v1.invoices.pay_async(
                # Callers retrying at once share one attempt; after it failed, Stripe's count has
                # grown and the next retry (maybe with a new card) is a new request, not a replay.
                invoice_id,
                options={"idempotency_key": f"bg-plan-pay-{invoice_id}-{invoice.get('attempt_count', 0)}"},
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        if not isinstance(exc.__cause__, stripe.CardError | stripe.InvalidRequestError):
            raise
        # Declined again, or it needs the customer: the invoice says which (synced below).
        log.info("plan change payment retry refused", extra={"invoice": invoice_id})
    return invoice_id


async def _result(
    services: Services,
    subscription_id: str,
    invoice_id: str | None,
    key: str | None,
    answer: dict[str, Any] | None = None,
) -> PlanChangeResult:
    """Mirror Stripe's subscription (from the update's `answer` when there is one: `write_back`
    re-reads it anyway) and the change's invoice; the PLAN_CHANGE payment with it."""
    payment = None
    if invoice_id is not None:
        await sync_invoice(services, invoice_id)
        payment = await Payment.get_or_none(stripe_invoice_id=invoice_id, kind=PaymentKind.PLAN_CHANGE)
        if payment is not None and key is not None and payment.idempotency_key is None:
            await payment.save_versioned(idempotency_key=key)
    row = await write_back(services, answer) if answer else await _mirror(services, subscription_id)
    return PlanChangeResult(subscription=row, payment=payment)


# --- PERIOD_END ----------------------------------------------------------------------------------


async def _schedule(services: Services, row: Subscription, product_type: ProductType) -> Subscription:
    """A schedule switching to `product_type` at the current period end, then released."""
    new_price = await stripe_price_id(services, target_entry(row, product_type))
    timeout = services.config.stripe_timeout_seconds
    schedule_id = row.stripe_schedule_id
    if schedule_id is None:
        made = await call(
            "subscription_schedules.create",
            services.stripe.v1.subscription_schedules.create_async(
                params={"from_subscription": row.stripe_subscription_id},
                options={"idempotency_key": f"bg-sched-{row.stripe_subscription_id}-v{row.version}"},
            ),
            timeout=timeout,
        )
        schedule = so.as_dict(made)
    else:
        schedule = so.as_dict(
            await call(
                "subscription_schedules.retrieve",
                services.stripe.v1.subscription_schedules.retrieve_async(schedule_id),
                timeout=timeout,
            )
        )
    current = (schedule.get("phases") or [{}])[0]
    items = current.get("items") or []
    current_price = so.obj_id(items[0].get("price")) if items else row.stripe_price_id
    period_end = int(row.current_period_end.timestamp())
    first: dict[str, Any] = {
        "items": [{"price": current_price, "quantity": 1}],
        "start_date": current.get("start_date") or int(row.current_period_start.timestamp()),
        "end_date": period_end,
    }
    if row.trial_end is not None:  # gift time or a trial: kept until the period end it set
        first["trial_end"] = int(row.trial_end.timestamp())
    interval = target_entry(row, product_type).interval
    then: dict[str, Any] = {
        "items": [{"price": new_price, "quantity": 1}],
        "duration": {"interval": interval, "interval_count": 1},
    }
    discounts = [{"discount": so.obj_id(d)} for d in current.get("discounts") or [] if so.obj_id(d)]
    if discounts:  # a promotion still running goes on into the new plan, as Stripe would keep it
        first["discounts"] = then["discounts"] = discounts
    await call(
        "subscription_schedules.update",
        services.stripe.v1.subscription_schedules.update_async(
            schedule["id"],
            params={"phases": [first, then], "end_behavior": "release", "proration_behavior": "none"},
            options={"idempotency_key": f"bg-sched-phases-{schedule['id']}-{product_type}-v{row.version}"},
        ),
        timeout=timeout,
    )
    return await _mirror(services, row.stripe_subscription_id)


async def cancel_plan_change(services: Services, user_id: str) -> Subscription:
    """Drop a scheduled PERIOD_END change: the schedule is released, the plan stays."""
    row = await live_subscription(user_id)
    if row is None or row.stripe_schedule_id is None or row.scheduled_product_type is None:
        raise BillingError(ErrorCode.NO_SCHEDULED_CHANGE, "There is no scheduled plan change to cancel.")
    await release_schedule(services, row.stripe_schedule_id)
    return await _mirror(services, row.stripe_subscription_id)


async def _mirror(services: Services, subscription_id: str) -> Subscription:
    """The row written from Stripe's subscription as it is after the change."""
    return await write_back(services, await fetch_current(services, subscription_id))
