"""cancelSubscription and reactivateSubscription: change the subscription in Stripe, mirror it at once.

Stripe is the source of truth. Each action reads the viewer's row, judges the
request against it (NO_ACTIVE_SUBSCRIPTION, SUBSCRIPTION_ALREADY_CANCELING, …),
asks Stripe, and writes Stripe's answer back with the optimistic-concurrency
upsert of `billing.subscriptions.sync.apply_subscription`, so the payload (and
`premium.willCancel`) is current before the webhook arrives.

Concurrent callers (double clicks, two devices, cancel racing reactivate) must
end in one state, the one Stripe holds, with no change silently lost:

- The Stripe idempotency key is (action, subscription, row version). Callers
  who judged the same version send the same key, so Stripe makes at most one
  change per version: an identical request is answered with the first
  answer, a different one (other feedback) is refused and that caller judges
  again against Stripe's state (ALREADY_CANCELING). A newer version can only
  be judged once an earlier change has been written back, that is after
  Stripe made it, so Stripe sees the changes in version order.
- Writing back: a caller's answer may be older than another caller's write,
  so after writing it re-fetches and writes again until a fetch changes
  nothing. Whoever writes last has therefore written what Stripe holds.

No lock is held across a network call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import stripe

from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.pagination import NEWEST_FIRST
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.subscriptions.sync import apply_subscription, fetch_subscription
from models import Subscription, retry_on_conflict
from models.enums import CancellationReason, SubscriptionLiveness, SubscriptionStatus

log = logging.getLogger("billing.subscriptions.actions")

MAX_FEEDBACK_CHARS = 1000
# Stripe statuses after which a subscription can never be live again.
ENDED = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})
_ATTEMPTS = 4
_CONVERGE_ROUNDS = 5
_ALLOWED_CONTROL = "\n\r\t"


@dataclass(frozen=True, slots=True)
class CancelRequest:
    """What the user says when cancelling; both optional (the contract's CancelSubscriptionInput)."""

    reason: CancellationReason | None = None
    feedback: str | None = None


def clean_feedback(feedback: str | None) -> str | None:
    """Trimmed free text, None when blank; INVALID_INPUT beyond 1000 characters or with control bytes."""
    if feedback is None:
        return None
    text = feedback.strip()
    if len(text) > MAX_FEEDBACK_CHARS:
        raise BillingError(
            ErrorCode.INVALID_INPUT,
            f"feedback must be at most {MAX_FEEDBACK_CHARS} characters.",
            ["input", "feedback"],
        )
    if any(not ch.isprintable() and ch not in _ALLOWED_CONTROL for ch in text):
        raise BillingError(
            ErrorCode.INVALID_INPUT, "feedback must not contain control characters.", ["input", "feedback"]
        )
    return text or None


def cancel_params(request: CancelRequest) -> dict[str, Any]:
    """Stripe's update for "cancel at period end", with the reason as Stripe's lower-case feedback."""
    details: dict[str, str] = {}
    if request.reason is not None:
        details["feedback"] = CancellationReason(request.reason).value.lower()
    feedback = clean_feedback(request.feedback)
    if feedback is not None:
        details["comment"] = feedback
    params: dict[str, Any] = {"cancel_at_period_end": True}
    if details:
        params["cancellation_details"] = details
    return params


# --- judging the request against the viewer's row ---------------------------------------------


async def live_subscription(user_id: str) -> Subscription | None:
    """The subscription the viewer sees as `Query.subscription`: the newest one that has not ended."""
    return (
        await Subscription.filter(user_id=user_id, status__in=list(SubscriptionLiveness.NOT_ENDED))
        .order_by(*NEWEST_FIRST)
        .first()
    )


async def _cancelable(user_id: str) -> Subscription:
    row = await live_subscription(user_id)
    if row is None:
        raise BillingError(ErrorCode.NO_ACTIVE_SUBSCRIPTION, "You have no subscription to cancel.")
    if will_cancel(row):
        raise BillingError(
            ErrorCode.SUBSCRIPTION_ALREADY_CANCELING, "Your subscription is already set to end."
        )
    return row


def will_cancel(row: Subscription) -> bool:
    """Set to end, as `cancel_at_period_end` or as a `cancel_at` date (Dashboard, customer portal)."""
    return row.cancel_at_period_end or row.cancel_at is not None


def reactivate_params(row: Subscription) -> dict[str, Any]:
    """Stripe's update that undoes the cancellation the way it was set.

    `cancel_at_period_end=false` for one set as such; `cancel_at=""` (unset) for
    a date, which `cancel_at_period_end` alone would leave in place.
    """
    if row.cancel_at_period_end:
        return {"cancel_at_period_end": False}
    return {"cancel_at": ""}


async def _reactivatable(user_id: str) -> Subscription:
    row = await live_subscription(user_id)
    if row is None:
        if await Subscription.filter(user_id=user_id, status__in=list(ENDED)).exists():
            raise BillingError(
                ErrorCode.SUBSCRIPTION_NOT_REACTIVATABLE,
                "Your subscription has ended; buy Premium again to resume.",
            )
        raise BillingError(ErrorCode.NO_ACTIVE_SUBSCRIPTION, "You have no subscription to reactivate.")
    if not will_cancel(row):
        raise BillingError(ErrorCode.SUBSCRIPTION_NOT_CANCELING, "Your subscription is not set to cancel.")
    return row


# --- the actions ---------------------------------------------------------------------------------


async def cancel_subscription(services: Services, user_id: str, request: CancelRequest) -> Subscription:
    """Cancel the viewer's subscription at the end of the paid period (access stays until then).
    A plan change scheduled for that period end is dropped first (its schedule released): a
    subscription that ends switches to nothing."""
    params = cancel_params(request)  # input errors first, before anything is read or sent
    row = await _cancelable(user_id)
    if row.stripe_schedule_id is not None:
        await release_schedule(services, row.stripe_schedule_id)
    return await _change(services, user_id, "cancel", params, _cancelable)


async def release_schedule(services: Services, schedule_id: str) -> None:
    """Release a schedule; one already released or finished counts as released."""
    try:
        await call(
            "subscription_schedules.release",
            services.stripe.v1.subscription_schedules.release_async(
                schedule_id, options={"idempotency_key": f"bg-sched-release-{schedule_id}"}
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        if not isinstance(exc.__cause__, stripe.InvalidRequestError):
            raise
        log.info("schedule was no longer active", extra={"schedule": schedule_id})


async def reactivate_subscription(services: Services, user_id: str) -> Subscription:
    """Undo a pending cancel, however it was set: the subscription renews again at period end."""
    return await _change(services, user_id, "reactivate", reactivate_params, _reactivatable)


async def _change(
    services: Services,
    user_id: str,
    action: str,
    params_for: dict[str, Any] | Callable[[Subscription], dict[str, Any]],
    judge: Callable[[str], Awaitable[Subscription]],
) -> Subscription:
    for attempt in range(_ATTEMPTS):
        row = await judge(user_id)
        params = params_for(row) if callable(params_for) else params_for
        subscription_id = row.stripe_subscription_id
        try:
            answer = await call(
                f"subscriptions.update({action})",
                services.stripe.v1.subscriptions.update_async(
                    subscription_id,
                    params=params,
                    options={"idempotency_key": f"bg-sub-{action}-{subscription_id}-v{row.version}"},
                ),
                timeout=services.config.stripe_timeout_seconds,
            )
        except PaymentProviderError as exc:
            if not isinstance(exc.__cause__, stripe.IdempotencyError | stripe.InvalidRequestError):
                raise
            # Another caller changed it at this version (IdempotencyError), or Stripe's state
            # has moved on from our row (InvalidRequestError: e.g. it already ended): learn
            # Stripe's state and judge the request again against it.
            log.info(
                "subscription change refused; re-judging",
                extra={
                    "subscription": subscription_id,
                    "action": action,
                    "error": type(exc.__cause__).__name__,
                },
            )
            await write_back(services, await fetch_current(services, subscription_id))
            await asyncio.sleep(0.02 * attempt)
            continue
        return await write_back(services, so.as_dict(answer))
    raise PaymentProviderError("The payment provider kept refusing the change; nothing was changed.")


# --- writing Stripe's state back -----------------------------------------------------------------


async def fetch_current(services: Services, subscription_id: str) -> dict[str, Any]:
    """Stripe's subscription now (`fetch_subscription`), within the user-facing time budget."""
    return await call(
        "subscriptions.retrieve",
        fetch_subscription(services, subscription_id),
        timeout=services.config.stripe_timeout_seconds,
    )


async def _apply(services: Services, sub: dict[str, Any]) -> Subscription:
    # The row's upsert already retries on conflict; many writers at once can outlast it, so the
    # whole apply (with its premium recompute) is tried again the same way.
    row = await retry_on_conflict(f"subscription {sub['id']}", partial(apply_subscription, services, sub))
    if row is None:  # the row existed when judged, so its owner is known
        row = await Subscription.get(stripe_subscription_id=sub["id"])
    return row


async def write_back(services: Services, answer: dict[str, Any]) -> Subscription:
    """Write Stripe's answer (a subscription dict), then re-fetch and write until a fetch changes nothing.

    An answer can be older than what a concurrent caller already wrote; the
    re-fetch after our own write makes sure our write is not the stale last
    word. If the re-fetch fails, Stripe did make the change: the row keeps the
    answer and the subscription webhook brings any later state.
    """
    row = await _apply(services, answer)
    for _ in range(_CONVERGE_ROUNDS):
        try:
            fresh = await fetch_current(services, answer["id"])
        except PaymentProviderError:
            log.warning(
                "could not re-read the subscription after a change", extra={"subscription": answer["id"]}
            )
            return row
        again = await _apply(services, fresh)
        if again.version == row.version:
            return again
        row = again
    log.warning("subscription kept changing while being mirrored", extra={"subscription": answer["id"]})
    return row
