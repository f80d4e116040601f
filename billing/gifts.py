"""Gift codes: issued once per completed gift purchase, redeemed once by anyone signed in.

Issuance is exactly-once because `gift_codes.payment_id` is unique: duplicate
or concurrent deliveries of the completing event race on the insert and the
losers read the winner's code. Redemption is a single conditional UPDATE on
`status = AVAILABLE`, so exactly one of any number of concurrent redeemers
(on any number of replicas) wins.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from billing import catalog, rate_limit
from billing.customers import ensure_customer
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.gift_codes import new_code, normalise
from billing.premium import PremiumState, record_access
from billing.read_queries import gift_code_status
from billing.services import Services
from billing.stripe_calls import call
from billing.telemetry import telemetry
from models import Customer, GiftCode, Payment, StaleVersionError, Subscription
from models.enums import GiftCodeStatus, SubscriptionLiveness

log = logging.getLogger("billing.gifts")


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamping the day (Jan 31 + 1 month = Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


async def issue_for(payment: Payment, now: datetime, ttl: timedelta) -> GiftCode:
    """The code of a completed gift payment, created on first call (exactly once)."""
    existing = await GiftCode.get_or_none(payment_id=payment.id)
    if existing is not None:
        return existing
    entry = catalog.find(payment.product_type, is_gift=True, currency=payment.currency)
    purchased_at = payment.completed_at or now
    for _ in range(5):
        try:
            return await GiftCode.create(
                code=new_code(),
                payment_id=payment.id,
                purchaser_user_id=payment.user_id,
                product_type=payment.product_type,
                duration_months=entry.duration_months,
                status=GiftCodeStatus.AVAILABLE,
                expires_at=purchased_at + ttl,
                created_at=now,
                updated_at=now,
            )
        except IntegrityError:
            existing = await GiftCode.get_or_none(payment_id=payment.id)
            if existing is not None:
                return existing  # a concurrent delivery issued it
            # else: an 80-bit collision on `code`; draw again
    raise RuntimeError(f"could not issue a gift code for payment {payment.id}")


@dataclass(frozen=True)
class Redemption:
    gift_code: GiftCode
    premium: PremiumState


async def _fail(services: Services, user_id: str, code: ErrorCode, message: str) -> BillingError:
    """The error of a failed attempt (it keeps the unit it reserved from the guessing allowance)."""
    return BillingError(code, message, ["input", "code"])


async def redeem(services: Services, user_id: str, text: str) -> Redemption:
    """Redeem `text` for `user_id`; every attempt is counted by outcome (`billing.telemetry`)."""
    try:
        redemption = await _redeem(services, user_id, text)
    except BillingError as error:
        telemetry().gift_redemption(str(error.code).lower())
        raise
    telemetry().gift_redemption("redeemed")
    return redemption


async def _redeem(services: Services, user_id: str, text: str) -> Redemption:
    now = services.clock.now()
    rule = services.config.redeem_rate_limit
    key = rate_limit.redeem_key(user_id)
    if not await rate_limit.reserve(key, rule, now):  # before the lookup, as giftCode does
        raise BillingError(ErrorCode.RATE_LIMITED, "Too many failed attempts; try again later.")
    normalised = normalise(text)
    code = await GiftCode.get_or_none(code=normalised) if normalised else None
    if code is None:
        raise await _fail(services, user_id, ErrorCode.GIFT_CODE_NOT_FOUND, "No gift code matches.")
    status = gift_code_status({"status": code.status, "expires_at": code.expires_at}, now)
    if status == GiftCodeStatus.REVOKED:
        raise await _fail(services, user_id, ErrorCode.GIFT_CODE_REVOKED, "This gift code was revoked.")
    if status == GiftCodeStatus.REDEEMED:
        raise await _fail(
            services, user_id, ErrorCode.GIFT_CODE_ALREADY_REDEEMED, "This gift code was already redeemed."
        )
    if status == GiftCodeStatus.EXPIRED:
        raise await _fail(services, user_id, ErrorCode.GIFT_CODE_EXPIRED, "This gift code has expired.")

    # The claim: one conditional UPDATE, one winner.
    won = await GiftCode.filter(id=code.id, status=GiftCodeStatus.AVAILABLE, expires_at__gt=now).update(
        status=GiftCodeStatus.REDEEMED,
        redeemed_by_user_id=user_id,
        redeemed_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    if won != 1:
        raise await _fail(
            services, user_id, ErrorCode.GIFT_CODE_ALREADY_REDEEMED, "This gift code was already redeemed."
        )
    await rate_limit.give_back(key, rule, now)  # a redemption is no guess
    await code.refresh_from_db()
    try:
        granted_from, granted_until = await _grant(services, user_id, code.duration_months, now)
    except PaymentProviderError:
        # Put the code back so it can be redeemed when Stripe answers again.
        await GiftCode.filter(id=code.id, redeemed_by_user_id=user_id, status=GiftCodeStatus.REDEEMED).update(
            status=GiftCodeStatus.AVAILABLE,
            redeemed_by_user_id=None,
            redeemed_at=None,
            updated_at=now,
            version=F("version") + 1,
        )
        raise
    await code.save_versioned(granted_from=granted_from, granted_until=granted_until, updated_at=now)
    premium = await record_access(user_id, now)
    return Redemption(code, premium)


async def _grant(services: Services, user_id: str, months: int, now: datetime) -> tuple[datetime, datetime]:
    """Give `months` of access: move a live subscription's next charge, or extend gift time."""
    live = (
        await Subscription.filter(user_id=user_id, status__in=list(SubscriptionLiveness.GIVES_ACCESS))
        .order_by("-current_period_end")
        .first()
    )
    if live is not None and live.current_period_end > now:
        start = live.current_period_end
        end = add_months(start, months)
        await call(
            "subscriptions.update(trial_end)",
            services.stripe.v1.subscriptions.update_async(
                live.stripe_subscription_id,
                params={"trial_end": int(end.timestamp()), "proration_behavior": "none"},
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
        await move_period_end(live, end, now)
        return start, end
    customer = await ensure_customer(user_id, now)
    for _ in range(8):
        start = max(now, customer.gift_until or now)
        end = add_months(start, months)
        try:
            await customer.save_versioned(gift_until=end, updated_at=now)
            return start, end
        except StaleVersionError:
            customer = await Customer.get(id=customer.id)
    raise StaleVersionError(f"customer {user_id}: gift time kept changing")


async def move_period_end(sub: Subscription, end: datetime, now: datetime) -> None:
    """Show the moved charge at once; the subscription webhook brings Stripe's full state."""
    for _ in range(8):
        if sub.current_period_end >= end:
            return
        try:
            await sub.save_versioned(current_period_end=end, updated_at=now)
            return
        except StaleVersionError:
            await sub.refresh_from_db()
