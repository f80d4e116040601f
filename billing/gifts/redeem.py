"""Gift codes: issued once per completed gift purchase, redeemed once by anyone signed in.

Issuance is exactly-once because `gift_codes.payment_id` is unique: duplicate
or concurrent deliveries of the completing event race on the insert and the
losers read the winner's code. Redemption is a single conditional UPDATE on
`status = AVAILABLE`, so exactly one of any number of concurrent redeemers
(on any number of replicas) wins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from billing import rate_limit
from billing.catalog import entries as catalog
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.gifts import grants as grants
from billing.gifts import in_stripe
from billing.gifts.codes import gift_code_status, new_code, normalise
from billing.months import add_months  # noqa: F401  (its old home: callers import it from here)
from billing.notifications.access import record_access
from billing.premium.rule import PremiumState
from billing.services import Services
from billing.telemetry import telemetry
from models import GiftCode, Payment
from models.enums import GiftCodeStatus

log = logging.getLogger("billing.gifts.redeem")


async def issue_for(payment: Payment, now: datetime, ttl: timedelta, *, code: str | None = None) -> GiftCode:
    """The code of a completed gift payment, created on first call (exactly once).

    `code` is the string reserved for the purchase when its checkout was made (its Stripe
    metadata, `gift_code`): issuing that one means a database restored from a backup, or rebuilt
    by `reconcile`, gets the very code the buyer may already have passed on. Its expiry follows
    from when Stripe says the payment completed, so it comes back the same too.
    """
    existing = await GiftCode.get_or_none(payment_id=payment.id)
    if existing is not None:
        return existing
    entry = catalog.find(payment.product_type, is_gift=True, currency=payment.currency)
    purchased_at = payment.completed_at or now
    reserved = normalise(code) if code else None
    for _ in range(5):
        try:
            return await GiftCode.create(
                code=reserved or new_code(),
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
            # else: an 80-bit collision on `code` (or the reserved code taken): draw again
            reserved = None
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
        grant = await grants.grant_gift(services, user_id, code, now)
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
    if grant is None:  # revoked (its payment reversed) between the claim and the grant
        raise await _fail(services, user_id, ErrorCode.GIFT_CODE_REVOKED, "This gift code was revoked.")
    await GiftCode.filter(id=code.id).update(granted_from=grant.starts_at, granted_until=grant.ends_at)
    await code.refresh_from_db()
    try:
        await in_stripe.record_redemption(services, code, grant)
    except PaymentProviderError:
        # The redemption stands; the next `reconcile` writes it to Stripe (it checks every one).
        log.warning("gift redemption not yet kept in Stripe", extra={"gift_code_id": code.id})
    premium = await record_access(user_id, now)
    return Redemption(code, premium)
