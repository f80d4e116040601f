"""Taking back what a refunded or disputed payment granted, and giving it back if the reversal fails.

`converge_grants(services, payment)` is the one entry point: it looks at the
payment's status and makes the world agree with it, and does nothing when it
already does, so every charge/refund/dispute event can call it (redeliveries,
any order, a crash half way are healed by the next call).

Decisions (see the report / issue note):
- REFUNDED or DISPUTED subscription payment: the Stripe subscription is
  cancelled at once (Stripe's `subscriptions.cancel`); the mirrored row ends,
  and with it the access that payment paid for. Gift time that had been
  stacked on the subscription (trial_end moved) is kept, as gift time. A PARTIALLY_REFUNDED payment
  is a goodwill credit: nothing is taken back.
- Gift payment: an unredeemed code is REVOKED. A redeemed code is REVOKED too
  and the part of its stretch not yet used is taken back: from the redeemer's
  `gift_until`, or, when it was applied to a subscription (trial_end moved),
  by moving Stripe's `trial_end` back by that much (to "now" if that is less
  than a minute away).
- Reversal undone (refund.failed, dispute won): codes this module revoked are
  restored (AVAILABLE again, or REDEEMED with the taken-back time returned as
  gift time). A cancelled subscription cannot be revived in Stripe and is not
  re-created: support decides (logged).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import stripe
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from billing import stripe_objects as so
from billing.customers import ensure_customer
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.gift_codes import normalise
from billing.gifts import add_months, move_period_end
from billing.premium import record_access
from billing.read_queries import gift_code_status
from billing.services import Services
from billing.stripe_calls import call
from models import Customer, GiftCode, Invoice, Payment, StaleVersionError, Subscription
from models.enums import (
    GiftCodeStatus,
    InvoiceStatus,
    PaymentStatus,
    SubscriptionLiveness,
    SubscriptionStatus,
)

log = logging.getLogger("billing.reversals")

REFUNDED_REASON = "Purchase refunded."
DISPUTED_REASON = "Purchase disputed (chargeback)."
# Codes revoked for these reasons come back when the reversal is undone; support's revocations do not.
REVERSAL_REASONS = frozenset({REFUNDED_REASON, DISPUTED_REASON})
TAKES_BACK = {PaymentStatus.REFUNDED: REFUNDED_REASON, PaymentStatus.DISPUTED: DISPUTED_REASON}
SUPPORT_REASON_PREFIX = "Revoked by support"
MAX_SUPPORT_REASON = 400  # GiftCode.revoked_reason is 500, the prefix and admin id take the rest
# Stripe refuses a trial_end this close to now; end the gifted trial at once instead.
MIN_TRIAL_LEFT = timedelta(seconds=60)


async def converge_grants(services: Services, payment: Payment) -> None:
    """Make what `payment` granted match its status (take back, give back, or nothing)."""
    status = PaymentStatus(payment.status)
    if status in TAKES_BACK:
        await take_back(services, payment, TAKES_BACK[status])
    elif status in (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED) and (
        payment.status_before_reversal is not None
    ):
        await give_back(services, payment)


async def take_back(services: Services, payment: Payment, reason: str) -> None:
    if payment.is_gift:
        code = await GiftCode.get_or_none(payment_id=payment.id)
        if code is not None:
            await revoke_code(services, code, reason)
    elif payment.stripe_subscription_id:
        await end_subscription_now(services, payment.stripe_subscription_id)


async def end_subscription_now(services: Services, subscription_id: str) -> None:
    """Cancel the Stripe subscription at once (if it has not ended) and mirror the result.

    Gift time that had been applied to it (a moved trial_end beyond the last
    paid period) is not the refunded payment's to take: it moves to the user's
    gift time. Stripe's cancel succeeds once, so only the caller that cancelled
    carries it over (a concurrent or repeated reversal finds it cancelled).
    """
    from billing.subscriptions import (  # here: a module-level import would be a cycle
        apply_subscription,
        fetch_subscription,
    )

    row = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
    if row is not None and row.status not in SubscriptionLiveness.NOT_ENDED:
        return
    now = services.clock.now()
    gift_left = await gift_time_on(row, now) if row is not None else timedelta(0)
    gift_from = await _paid_until(row, now) if row is not None else now
    timeout = services.config.stripe_timeout_seconds
    current = await call(
        "subscriptions.retrieve", fetch_subscription(services, subscription_id), timeout=timeout
    )
    cancelled_here = False
    if current.get("status") != "canceled":
        try:
            canceled = await call(
                "subscriptions.cancel",
                services.stripe.v1.subscriptions.cancel_async(subscription_id),
                timeout=timeout,
            )
            current, cancelled_here = so.as_dict(canceled), True
        except PaymentProviderError as exc:
            if not isinstance(exc.__cause__, stripe.InvalidRequestError):
                raise
            # Cancelled meanwhile (a concurrent reversal): Stripe's state is what we mirror.
            current = await fetch_subscription(services, subscription_id)
    await apply_subscription(services, current)
    if cancelled_here and row is not None and gift_left > timedelta(0):
        await _carry_gift_time_over(row, gift_from, gift_left, now)
        await record_access(row.user_id, now)
    log.info(
        "subscription ended for a reversed payment",
        extra={"subscription": subscription_id, "gift_time_kept": str(gift_left)},
    )


async def _carry_gift_time_over(
    sub: Subscription, gift_from: datetime, gift_left: timedelta, now: datetime
) -> None:
    """The gift time stacked on an ended subscription becomes the user's gift time, and the codes
    that granted it move with it.

    Each stacked code's span shifts by the same amount as the time it granted (from where the
    subscription's paid time ended to where the user's gift time now starts), so that the code
    still names the stretch it gave: a later reversal of the gift payment then takes back exactly
    that stretch from the gift time, and a won dispute gives back exactly what was taken. Without
    the shift the code named a stretch that no longer existed and a reversal took nothing back.
    """
    async with in_transaction():
        customer = await ensure_customer(sub.user_id, now)
        new_start = max(now, customer.gift_until or now)
        offset = new_start - gift_from
        stacked = await GiftCode.filter(
            redeemed_by_user_id=sub.user_id,
            status=GiftCodeStatus.REDEEMED,
            granted_until__gt=gift_from,
            granted_until__lte=sub.current_period_end,
        )
        for code in stacked:
            if code.granted_from is None or code.granted_until is None:
                continue
            await GiftCode.filter(id=code.id, version=code.version).update(
                granted_from=code.granted_from + offset,
                granted_until=code.granted_until + offset,
                updated_at=now,
                version=F("version") + 1,
            )
        await _shift_gift_until(sub.user_id, gift_left, now)


async def _paid_until(sub: Subscription, now: datetime) -> datetime:
    """Where a subscription's paid time ends (gift time stacked on it starts there), not before now."""
    paid_until = (
        await Invoice.filter(
            stripe_subscription_id=sub.stripe_subscription_id,
            status=InvoiceStatus.PAID,
            period_end__isnull=False,
        )
        .order_by("-period_end")
        .first()
        .values_list("period_end", flat=True)
    )
    return max(paid_until, now) if paid_until is not None else now


async def gift_time_on(sub: Subscription, now: datetime) -> timedelta:
    """How much of a subscription's remaining time is gift time (a trial beyond the last paid period)."""
    if sub.status != SubscriptionStatus.TRIALING:
        return timedelta(0)
    paid_until = (
        await Invoice.filter(
            stripe_subscription_id=sub.stripe_subscription_id,
            status=InvoiceStatus.PAID,
            period_end__isnull=False,
        )
        .order_by("-period_end")
        .first()
        .values_list("period_end", flat=True)
    )
    if paid_until is None:
        return timedelta(0)
    return max(sub.current_period_end - max(paid_until, now), timedelta(0))


async def revoke_code(services: Services, code: GiftCode, reason: str) -> GiftCode:
    """REVOKE a code: an unredeemed one simply stops working; a redeemed one loses its unused time."""
    now = services.clock.now()
    if code.status == GiftCodeStatus.AVAILABLE:
        await GiftCode.filter(id=code.id, status=GiftCodeStatus.AVAILABLE).update(
            status=GiftCodeStatus.REVOKED, revoked_reason=reason, updated_at=now, version=F("version") + 1
        )
        await code.refresh_from_db()  # redeemed meanwhile? then its time is taken back below
    if code.status == GiftCodeStatus.REDEEMED:
        await _take_back_time(services, code, reason, now)
        await code.refresh_from_db()
    return code


def unused_part(code: GiftCode, now: datetime) -> tuple[datetime | None, timedelta]:
    """Where the not-yet-used part of the code's stretch starts, and how long it is."""
    if code.granted_from is None or code.granted_until is None:
        return None, timedelta(0)
    cut = max(code.granted_from, now)
    return cut, max(code.granted_until - cut, timedelta(0))


async def _take_back_time(services: Services, code: GiftCode, reason: str, now: datetime) -> None:
    user_id = code.redeemed_by_user_id or ""
    cut, unused = unused_part(code, now)
    customer = await Customer.get_or_none(user_id=user_id)
    on_gift_time = bool(
        unused
        and customer
        and customer.gift_until
        and code.granted_until
        and customer.gift_until >= code.granted_until
    )
    live = None
    if unused and not on_gift_time:
        live = (
            await Subscription.filter(
                user_id=user_id,
                status=SubscriptionStatus.TRIALING,
                current_period_end__gte=code.granted_until,
            )
            .order_by("-current_period_end")
            .first()
        )
        if live is not None:
            await _move_trial_back(services, code, live, unused, now)

    async with in_transaction():
        won = await GiftCode.filter(id=code.id, status=GiftCodeStatus.REDEEMED).update(
            status=GiftCodeStatus.REVOKED,
            revoked_reason=reason,
            granted_until=cut if unused else code.granted_until,
            updated_at=now,
            version=F("version") + 1,
        )
        if won and on_gift_time:
            await _shift_gift_until(user_id, -unused, now)
    if live is not None:
        from billing.subscriptions import sync_subscription  # here: a module-level import would be a cycle

        await sync_subscription(services, live.stripe_subscription_id)
    await record_access(user_id, now)
    log.info("gift time taken back", extra={"code_id": code.id, "user_id": user_id, "unused": str(unused)})


async def _move_trial_back(
    services: Services, code: GiftCode, live: Subscription, unused: timedelta, now: datetime
) -> None:
    """Move the subscriber's next charge back by the gift's unused time (Stripe's trial_end)."""
    new_end = live.current_period_end - unused
    trial_end: int | str = int(new_end.timestamp()) if new_end - now > MIN_TRIAL_LEFT else "now"
    try:
        await call(
            "subscriptions.update(trial_end back)",
            services.stripe.v1.subscriptions.update_async(
                live.stripe_subscription_id,
                params={"trial_end": trial_end, "proration_behavior": "none"},
                # Once per gift: a re-run after a crash must not move it back twice. Named by the gift
                # payment's random reference, never a database id (ids restart after a restore, and
                # a reused key with other parameters is refused, moving nothing).
                options={"idempotency_key": f"bg-gift-takeback-{await _gift_reference(code)}"},
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        if not isinstance(exc.__cause__, stripe.IdempotencyError):
            raise
        # Same key, other parameters: the first run moved it already (the row has moved since).


async def _gift_reference(code: GiftCode) -> str:
    reference = await Payment.filter(id=code.payment_id).first().values_list("reference", flat=True)
    return str(reference or f"code-{code.id}")


async def _shift_gift_until(user_id: str, delta: timedelta, now: datetime) -> None:
    customer = await ensure_customer(user_id, now)
    for _ in range(8):
        current = customer.gift_until or now
        # Taking back never ends access in the past; giving back starts from now at the earliest.
        new_end = max(now, current + delta) if delta < timedelta(0) else max(now, current) + delta
        try:
            await customer.save_versioned(gift_until=new_end, updated_at=now)
            return
        except StaleVersionError:
            await customer.refresh_from_db()
    raise StaleVersionError(f"customer {user_id}: gift time kept changing")


async def give_back(services: Services, payment: Payment) -> None:
    """The reversal did not happen after all: restore the codes it revoked."""
    if not payment.is_gift:
        # Only a subscription that a reversal ended is news (a partial refund ended nothing).
        if (
            payment.stripe_subscription_id
            and await Subscription.filter(
                stripe_subscription_id=payment.stripe_subscription_id, status=SubscriptionStatus.CANCELED
            ).exists()
        ):
            log.warning(
                "reversal undone for a subscription payment; the cancelled subscription is not revived",
                extra={"payment": payment.reference, "subscription": payment.stripe_subscription_id},
            )
        return
    code = await GiftCode.get_or_none(payment_id=payment.id)
    if code is None or code.status != GiftCodeStatus.REVOKED or code.revoked_reason not in REVERSAL_REASONS:
        return
    now = services.clock.now()
    if code.redeemed_by_user_id is None:
        await GiftCode.filter(id=code.id, status=GiftCodeStatus.REVOKED).update(
            status=GiftCodeStatus.AVAILABLE, revoked_reason=None, updated_at=now, version=F("version") + 1
        )
        return
    returned = timedelta(0)
    if code.granted_from is not None and code.granted_until is not None:
        returned = max(add_months(code.granted_from, code.duration_months) - code.granted_until, timedelta(0))
    live = await _live_subscription(code.redeemed_by_user_id, now) if returned else None
    if live is not None:
        # Stacked again where it was: after the subscription's paid time (Stripe's trial_end moves
        # forward), not as gift time from now, which would overlap the month already paid for.
        start = live.current_period_end
        won = await GiftCode.filter(id=code.id, status=GiftCodeStatus.REVOKED).update(
            status=GiftCodeStatus.REDEEMED,
            revoked_reason=None,
            granted_from=start,
            granted_until=start + returned,
            updated_at=now,
            version=F("version") + 1,
        )
        if won:
            await _move_trial_forward(services, code, live, start + returned, now)
    else:
        async with in_transaction():
            won = await GiftCode.filter(id=code.id, status=GiftCodeStatus.REVOKED).update(
                status=GiftCodeStatus.REDEEMED,
                revoked_reason=None,
                granted_until=(code.granted_until or now) + returned,
                updated_at=now,
                version=F("version") + 1,
            )
            if won and returned:
                await _shift_gift_until(code.redeemed_by_user_id, returned, now)
    await record_access(code.redeemed_by_user_id, now)


async def _live_subscription(user_id: str, now: datetime) -> Subscription | None:
    return (
        await Subscription.filter(
            user_id=user_id, status__in=list(SubscriptionLiveness.GIVES_ACCESS), current_period_end__gt=now
        )
        .order_by("-current_period_end")
        .first()
    )


async def _move_trial_forward(
    services: Services, code: GiftCode, live: Subscription, end: datetime, now: datetime
) -> None:
    """Give a gift's time back on the subscription it was stacked on: the next charge moves to `end`."""
    await call(
        "subscriptions.update(trial_end, gift given back)",
        services.stripe.v1.subscriptions.update_async(
            live.stripe_subscription_id,
            params={"trial_end": int(end.timestamp()), "proration_behavior": "none"},
            options={"idempotency_key": f"bg-gift-giveback-{await _gift_reference(code)}-{code.version}"},
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
    await move_period_end(live, end, now)


async def revoke_by_support(services: Services, admin_id: str, text: str, reason: str | None) -> GiftCode:
    """`revokeGiftCode`: an AVAILABLE code stops working; a REDEEMED one also loses its unused time.

    Support revokes a redeemed code for fraud, so the redeemer keeps only what
    was already used (as with a refund). Codes revoked here are never restored
    by a failed refund or a won dispute.
    """
    if reason is not None and len(reason) > MAX_SUPPORT_REASON:
        raise BillingError(
            ErrorCode.INVALID_INPUT,
            f"reason must be at most {MAX_SUPPORT_REASON} characters.",
            ["input", "reason"],
        )
    normalised = normalise(text)
    code = await GiftCode.get_or_none(code=normalised) if normalised else None
    if code is None:
        raise BillingError(ErrorCode.GIFT_CODE_NOT_FOUND, "No gift code matches.", ["input", "code"])
    status = gift_code_status({"status": code.status, "expires_at": code.expires_at}, services.clock.now())
    if status == GiftCodeStatus.REVOKED:
        raise BillingError(
            ErrorCode.GIFT_CODE_REVOKED, "This gift code is already revoked.", ["input", "code"]
        )
    if status == GiftCodeStatus.EXPIRED:
        raise BillingError(ErrorCode.GIFT_CODE_EXPIRED, "This gift code has expired.", ["input", "code"])
    text_reason = (reason or "").strip() or "no reason given"
    revoked = await revoke_code(services, code, f"{SUPPORT_REASON_PREFIX} ({admin_id[:64]}): {text_reason}")
    log.info("gift code revoked by support", extra={"code_id": code.id, "admin": admin_id})
    return revoked
