"""Taking back what a refunded or disputed payment granted, and giving it back if the reversal fails.

`converge_grants(services, payment)` is the one entry point: it looks at the
payment's status and makes the world agree with it, and does nothing when it
already does, so every charge/refund/dispute event can call it (redeliveries,
any order, a crash half way are healed by the next call).

Decisions (see the report / issue note):
- REFUNDED or DISPUTED subscription payment: the Stripe subscription is
  cancelled at once (Stripe's `subscriptions.cancel`); the mirrored row ends,
  and with it the access that payment paid for. Gift time that had been
  stacked on the subscription (trial_end moved) is kept, as gift time from
  now. A PARTIALLY_REFUNDED payment is a goodwill credit: nothing is taken back.
- Gift payment: an unredeemed code is REVOKED. A redeemed code is REVOKED too
  and its grant's unused part is taken back (`billing.gifts.grants`: from the gift
  time, or from the subscription it is stacked on by moving Stripe's
  `trial_end` back, to "now" if that is less than a minute away).
- Reversal undone (refund.failed, dispute won): codes this module revoked are
  restored (AVAILABLE again, or REDEEMED with exactly the taken-back time given
  back once). A cancelled subscription cannot be revived in Stripe and is not
  re-created: support decides (logged).

What was granted, taken and given back is the ledger's (`models.Grant`); this
module only decides when, from the payment's status.
"""

from __future__ import annotations

import logging

import stripe
from tortoise.expressions import F

from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.gifts import grants as grants
from billing.gifts.codes import gift_code_status, normalise
from billing.notifications.access import record_access
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import call
from billing.subscriptions.sync import apply_subscription, fetch_subscription
from models import GiftCode, Payment, Subscription
from models.enums import GiftCodeStatus, PaymentStatus, SubscriptionLiveness, SubscriptionStatus

log = logging.getLogger("billing.reversals.granted_time")

REFUNDED_REASON = "Purchase refunded."
DISPUTED_REASON = "Purchase disputed (chargeback)."
# Codes revoked for these reasons come back when the reversal is undone; support's revocations do not.
REVERSAL_REASONS = frozenset({REFUNDED_REASON, DISPUTED_REASON})
TAKES_BACK = {PaymentStatus.REFUNDED: REFUNDED_REASON, PaymentStatus.DISPUTED: DISPUTED_REASON}
SUPPORT_REASON_PREFIX = "Revoked by support"
MAX_SUPPORT_REASON = 400  # GiftCode.revoked_reason is 500, the prefix and admin id take the rest


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
    """Cancel the Stripe subscription at once (if it has not ended), mirror it, and unstack its gifts.

    Gift time that had been stacked on it (grants moving its trial_end) is not the refunded
    payment's to take: those grants move to the user's gift time (`billing.gifts.grants.unstack`, once
    per grant, so a repeated or concurrent reversal moves nothing twice, and a re-run after a
    crash between the cancel and the move still moves it).
    """
    row = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
    if row is None or row.status in SubscriptionLiveness.NOT_ENDED:
        timeout = services.config.stripe_timeout_seconds
        current = await call(
            "subscriptions.retrieve", fetch_subscription(services, subscription_id), timeout=timeout
        )
        if current.get("status") != "canceled":
            try:
                canceled = await call(
                    "subscriptions.cancel",
                    services.stripe.v1.subscriptions.cancel_async(subscription_id),
                    timeout=timeout,
                )
                current = so.as_dict(canceled)
            except PaymentProviderError as exc:
                if not isinstance(exc.__cause__, stripe.InvalidRequestError):
                    raise
                # Cancelled meanwhile (a concurrent reversal): Stripe's state is what we mirror.
                current = await fetch_subscription(services, subscription_id)
        row = await apply_subscription(services, current)
    if row is None:
        return
    now = services.clock.now()
    moved = await grants.unstack(row.user_id, subscription_id, now)
    if moved:
        await record_access(row.user_id, now)
    log.info(
        "subscription ended for a reversed payment",
        extra={"subscription": subscription_id, "gift_time_kept": str(moved)},
    )


async def revoke_code(services: Services, code: GiftCode, reason: str) -> GiftCode:
    """REVOKE a code: an unredeemed one simply stops working; a redeemed one loses its unused time."""
    now = services.clock.now()
    if code.status == GiftCodeStatus.AVAILABLE:
        await GiftCode.filter(id=code.id, status=GiftCodeStatus.AVAILABLE).update(
            status=GiftCodeStatus.REVOKED, revoked_reason=reason, updated_at=now, version=F("version") + 1
        )
        await code.refresh_from_db()  # redeemed meanwhile? then its time is taken back below
    if code.status == GiftCodeStatus.REDEEMED and code.redeemed_by_user_id:
        await GiftCode.filter(id=code.id, status=GiftCodeStatus.REDEEMED).update(
            status=GiftCodeStatus.REVOKED, revoked_reason=reason, updated_at=now, version=F("version") + 1
        )
        await code.refresh_from_db()
    if code.status == GiftCodeStatus.REVOKED and code.redeemed_by_user_id:
        # The ledger takes the grant back once, whoever revoked the code and however often.
        await grants.take_back(services, code.payment_id, code.redeemed_by_user_id, now)
        await record_access(code.redeemed_by_user_id, now)
    return code


async def give_back(services: Services, payment: Payment) -> None:
    """The reversal did not happen after all: restore the code it revoked and the time it took."""
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
    if code.redeemed_by_user_id is not None:
        # The ledger first: a re-run after a crash still finds the code REVOKED and comes back here.
        await grants.give_back(services, payment.id, code.redeemed_by_user_id, now)
    restored = GiftCodeStatus.REDEEMED if code.redeemed_by_user_id else GiftCodeStatus.AVAILABLE
    await GiftCode.filter(id=code.id, status=GiftCodeStatus.REVOKED).update(
        status=restored, revoked_reason=None, updated_at=now, version=F("version") + 1
    )
    if code.redeemed_by_user_id is not None:
        await record_access(code.redeemed_by_user_id, now)


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
