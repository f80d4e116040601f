"""createCheckout: a Stripe Checkout Session and the PENDING payment row that tracks it.

Order matters for "nothing lost, nothing half-made": Stripe creates the session
first; only then is the row written, before the URL goes back. If Stripe fails,
no row exists. If the gateway dies in between, the session's metadata
(user, product, gift flag, payment reference) lets the webhook handler create
the row. The same `idempotencyKey` from the same user maps to one Stripe
idempotency key and one reference, so concurrent or repeated calls get the same
session and the same row.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import stripe
from tortoise.exceptions import IntegrityError

from billing.catalog import entries as catalog
from billing.catalog.prices import stripe_price_id
from billing.checkout import open_sessions as open_checkouts
from billing.checkout.payment_method_params import payment_method_params
from billing.checkout.redirects import check_redirect
from billing.customers.accounts import ensure_customer, ensure_stripe_customer
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.gifts.codes import GIFT_CODE_KEY, new_code
from billing.plans import promotions, trials
from billing.plans.trials import TRIAL_METADATA_KEY
from billing.services import Services
from billing.stripe import budget as stripe_budget
from billing.stripe.calls import call
from models import Payment, Subscription
from models.enums import Currency, PaymentKind, PaymentStatus, ProductType, SubscriptionStatus

log = logging.getLogger("billing.checkout.sessions")

MAX_IDEMPOTENCY_KEY = 255
# A subscription in one of these blocks a second subscription purchase.
BLOCKS_NEW_SUBSCRIPTION = frozenset(
    {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    }
)


#: Open (unpaid, unexpired) gift checkouts a user may hold at once: each is a Stripe session and a
#: PENDING row; a gift buyer needs one at a time, a script many.
MAX_OPEN_GIFT_CHECKOUTS = 5


@dataclass(frozen=True)
class CheckoutRequest:
    product_type: ProductType
    is_gift: bool
    success_url: str
    cancel_url: str
    currency: Currency
    idempotency_key: str | None = None
    promotion_code: str | None = None

    def fingerprint(self) -> str:
        canonical = "|".join(
            [
                str(self.product_type),
                str(self.is_gift),
                str(self.currency),
                self.success_url,
                self.cancel_url,
                self.promotion_code or "",
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class CheckoutResult:
    checkout_url: str | None
    session_id: str
    payment: Payment


def purchase_metadata(user_id: str, request: CheckoutRequest, reference: str) -> dict[str, str]:
    """What every Stripe object of this purchase carries, so any of its events finds the row."""
    return {
        "user_id": user_id,
        "product_type": str(request.product_type),
        "is_gift": "true" if request.is_gift else "false",
        "payment_reference": reference,
    }


def _validate(request: CheckoutRequest, services: Services) -> catalog.CatalogEntry:
    if request.idempotency_key is not None and not (
        0 < len(request.idempotency_key) <= MAX_IDEMPOTENCY_KEY and request.idempotency_key.isprintable()
    ):
        raise BillingError(
            ErrorCode.INVALID_INPUT,
            f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters.",
            ["input", "idempotencyKey"],
        )
    origins = services.config.redirect_allowed_origins
    check_redirect(request.success_url, origins, ["input", "successUrl"])
    check_redirect(request.cancel_url, origins, ["input", "cancelUrl"])
    try:
        return catalog.find(request.product_type, is_gift=request.is_gift, currency=request.currency)
    except (KeyError, ValueError):
        raise BillingError(
            ErrorCode.UNSUPPORTED_CURRENCY,
            f"{request.currency} is not sold for this product.",
            ["input", "currency"],
        ) from None


def _session_params(
    request: CheckoutRequest,
    *,
    user_id: str,
    customer_id: str,
    price_id: str,
    reference: str,
    trial_days: int = 0,
    promotion_code_id: str | None = None,
) -> dict[str, Any]:
    metadata = purchase_metadata(user_id, request, reference)
    if request.is_gift:
        # The code this purchase will issue, kept by Stripe from the start (session, payment
        # intent, invoice): after a restore, `reconcile` issues the same string. Metadata is not
        # shown to the buyer (nor returned to a publishable key); only this account sees it.
        metadata[GIFT_CODE_KEY] = new_code()
    params: dict[str, Any] = {
        "mode": "payment" if request.is_gift else "subscription",
        "customer": customer_id,
        "client_reference_id": user_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "metadata": metadata,
        "automatic_tax": {"enabled": True},
        "billing_address_collection": "required",
        "tax_id_collection": {"enabled": True},
        "customer_update": {"address": "auto", "name": "auto"},
    }
    if request.is_gift:
        params["invoice_creation"] = {"enabled": True, "invoice_data": {"metadata": metadata}}
        params["payment_intent_data"] = {"metadata": metadata}
    else:
        params["subscription_data"] = {"metadata": metadata}
        if trial_days > 0:
            params["subscription_data"] = {
                "metadata": {**metadata, TRIAL_METADATA_KEY: "true"},
                "trial_period_days": trial_days,
            }
    if promotion_code_id is not None:
        params["discounts"] = [{"promotion_code": promotion_code_id}]
    return params


async def _replay(services: Services, existing: Payment, request: CheckoutRequest) -> CheckoutResult:
    if existing.idempotency_fingerprint != request.fingerprint():
        raise BillingError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotencyKey was already used for a different checkout.",
            ["input", "idempotencyKey"],
        )
    session = await call(
        "checkout.sessions.retrieve",
        services.stripe.v1.checkout.sessions.retrieve_async(existing.checkout_session_id or ""),
        timeout=services.config.stripe_timeout_seconds,
    )
    return CheckoutResult(session.url, session.id, existing)


async def _open_gift_checkouts(user_id: str) -> int:
    return await Payment.filter(
        user_id=user_id, is_gift=True, kind=PaymentKind.CHECKOUT, status=PaymentStatus.PENDING
    ).count()


def _too_many_gift_checkouts() -> BillingError:
    return BillingError(
        ErrorCode.RATE_LIMITED,
        f"You have {MAX_OPEN_GIFT_CHECKOUTS} gift checkouts open: pay or abandon one first "
        "(an abandoned one closes within 24 hours).",
    )


def _blocked() -> BillingError:
    return BillingError(ErrorCode.PURCHASE_BLOCKED, "Purchases are blocked on this account.")


async def _keep_session(services: Services, user_id: str, session: Any, row: dict[str, Any]) -> Payment:
    """Write the PENDING row of a session Stripe just created, under the user's customer row lock.

    Why a lock (one per user, `open_checkouts.user_lock`): the rules about a user's open checkouts
    are only true if their checkouts are written one after the other:
    - one open subscription checkout: the new one replaces the open one, whose session is expired
      here (once: nobody else replaces it) before the new row is written, so 15 checkouts at once
      cost 15 creates and at most 14 expires, and the link answered last is the one still open;
    - at most MAX_OPEN_GIFT_CHECKOUTS open gift checkouts, counted where no other can slip in;
    - a restriction written meanwhile is seen here (`set_restriction` updates the same row), so
      the session is expired instead of handed out; or this row is written first and the
      restriction's `expire_all` finds it.
    A refused session is expired in Stripe before the error goes back.
    """
    refusal: BillingError | None = None
    try:
        async with open_checkouts.user_lock(user_id, services.config.stripe_timeout_seconds) as customer:
            existing = await Payment.get_or_none(checkout_session_id=session.id)
            if existing is not None:  # the same idempotency key won the race, or the webhook wrote it
                return existing
            if customer.purchase_restricted:
                refusal = _blocked()
            elif row["is_gift"] and await _open_gift_checkouts(user_id) >= MAX_OPEN_GIFT_CHECKOUTS:
                refusal = _too_many_gift_checkouts()
            else:
                if not row["is_gift"]:
                    await open_checkouts.replace_open_subscription_checkout(services, user_id)
                return await Payment.create(**row)
    except IntegrityError:  # the webhook wrote the row from the session's metadata meanwhile
        return await Payment.get(checkout_session_id=session.id)
    await open_checkouts.expire(services, session.id)
    raise refusal


async def create_checkout(services: Services, user_id: str, request: CheckoutRequest) -> CheckoutResult:
    entry = _validate(request, services)
    now = services.clock.now()

    # A restricted account gets nothing, not even a session it was handed before (checked before
    # the idempotent replay); then the user's Stripe budget, counted before any Stripe call.
    customer = await ensure_customer(user_id, now)
    if customer.purchase_restricted:
        raise _blocked()
    await stripe_budget.spend(services, user_id, now)

    if request.idempotency_key is not None:
        existing = await Payment.get_or_none(user_id=user_id, idempotency_key=request.idempotency_key)
        if existing is not None:
            return await _replay(services, existing, request)
    if (
        not request.is_gift
        and await Subscription.filter(user_id=user_id, status__in=list(BLOCKS_NEW_SUBSCRIPTION)).exists()
    ):
        raise BillingError(ErrorCode.ALREADY_SUBSCRIBED, "You already have a Premium subscription.")

    if request.is_gift and await _open_gift_checkouts(user_id) >= MAX_OPEN_GIFT_CHECKOUTS:
        raise _too_many_gift_checkouts()  # checked again under the lock (`_keep_session`)

    promotion = (
        await promotions.usable_code_limited(services, user_id, request.promotion_code, entry, now)
        if request.promotion_code is not None
        else None
    )
    trial_days = 0 if request.is_gift else await trials.trial_days_for(services, user_id)
    customer_id = await ensure_stripe_customer(services, customer)
    price_id = await stripe_price_id(services, entry)
    if request.idempotency_key is not None:
        seed = hashlib.sha256(f"{user_id}\x00{request.idempotency_key}".encode()).hexdigest()
        reference, stripe_key = seed[:32], f"bg-checkout-{seed}"
    else:
        reference, stripe_key = uuid.uuid4().hex, f"bg-checkout-{uuid.uuid4().hex}"

    params = _session_params(
        request,
        user_id=user_id,
        customer_id=customer_id,
        price_id=price_id,
        reference=reference,
        trial_days=trial_days,
        promotion_code_id=promotion.promotion_code_id if promotion else None,
    )
    params.update(payment_method_params(services.config))
    try:
        session = await call(
            "checkout.sessions.create",
            services.stripe.v1.checkout.sessions.create_async(
                params=params, options={"idempotency_key": stripe_key}
            ),
            timeout=services.config.stripe_timeout_seconds,
        )
    except PaymentProviderError as exc:
        if isinstance(exc.__cause__, stripe.IdempotencyError):
            raise BillingError(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This idempotencyKey was already used for a different checkout.",
                ["input", "idempotencyKey"],
            ) from None
        if promotion is not None and promotions.refused_discount(exc):
            raise promotions.stripe_refused_code() from None
        raise

    payment = await _keep_session(
        services,
        user_id,
        session,
        {
            "user_id": user_id,
            "reference": reference,
            "kind": PaymentKind.CHECKOUT,
            "checkout_session_id": session.id,
            "stripe_customer_id": customer_id,
            "stripe_price_id": price_id,
            "product_type": request.product_type,
            "amount": session.amount_total if session.amount_total is not None else entry.amount,
            "currency": request.currency,
            "status": PaymentStatus.PENDING,
            "is_gift": request.is_gift,
            "idempotency_key": request.idempotency_key,
            "idempotency_fingerprint": request.fingerprint() if request.idempotency_key else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    return CheckoutResult(session.url, session.id, payment)
