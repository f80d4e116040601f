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

from billing import catalog, open_checkouts, stripe_budget
from billing.customers import ensure_customer, ensure_stripe_customer
from billing.errors import BillingError, ErrorCode, PaymentProviderError
from billing.payment_methods import payment_method_params
from billing.redirects import check_redirect
from billing.services import Services
from billing.stripe_calls import call
from models import CatalogPrice, Payment, Subscription
from models.enums import Currency, PaymentKind, PaymentStatus, ProductType, SubscriptionStatus

log = logging.getLogger("billing.checkout")

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

    def fingerprint(self) -> str:
        canonical = "|".join(
            [str(self.product_type), str(self.is_gift), str(self.currency), self.success_url, self.cancel_url]
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


async def _stripe_price_id(services: Services, entry: catalog.CatalogEntry) -> str:
    """The Stripe price carrying the entry's lookup key (synced by `catalog sync`)."""
    synced = await CatalogPrice.get_or_none(lookup_key=entry.lookup_key)
    if synced is not None:
        return synced.stripe_price_id
    prices = await call(
        "prices.list",
        services.stripe.v1.prices.list_async(params={"lookup_keys": [entry.lookup_key], "active": True}),
        timeout=services.config.stripe_timeout_seconds,
    )
    if not prices.data:
        log.error("catalog not synced to Stripe", extra={"lookup_key": entry.lookup_key})
        raise PaymentProviderError("This product is not available for purchase right now.")
    return prices.data[0].id


def _session_params(
    request: CheckoutRequest,
    *,
    user_id: str,
    customer_id: str,
    price_id: str,
    reference: str,
) -> dict[str, Any]:
    metadata = purchase_metadata(user_id, request, reference)
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


async def _replace_older_subscription_checkouts(services: Services, payment: Payment) -> None:
    """One open subscription checkout per user (Stripe would let both be paid): the newest replaces
    the older ones. Each older session is claimed by exactly one request (a conditional update of
    `superseded_at`) and expired once, so concurrent checkouts cost one expire per replaced session
    and the newest link keeps working; never a sweep that expires the sessions just handed out."""
    now = services.clock.now()
    older = await Payment.filter(
        user_id=payment.user_id,
        is_gift=False,
        kind=PaymentKind.CHECKOUT,
        status=PaymentStatus.PENDING,
        superseded_at=None,
        id__lt=payment.pk,
    ).values_list("id", "checkout_session_id")
    for row_id, session_id in older:
        claimed = await Payment.filter(id=row_id, superseded_at=None).update(superseded_at=now)
        if claimed and session_id:
            await open_checkouts.expire(services, str(session_id))


async def _open_gift_checkouts(user_id: str) -> int:
    return await Payment.filter(
        user_id=user_id, is_gift=True, kind=PaymentKind.CHECKOUT, status=PaymentStatus.PENDING
    ).count()


async def create_checkout(services: Services, user_id: str, request: CheckoutRequest) -> CheckoutResult:
    entry = _validate(request, services)
    now = services.clock.now()

    # A restricted account gets nothing, not even a session it was handed before (checked before
    # the idempotent replay); then the user's Stripe budget, counted before any Stripe call.
    customer = await ensure_customer(user_id, now)
    if customer.purchase_restricted:
        raise BillingError(ErrorCode.PURCHASE_BLOCKED, "Purchases are blocked on this account.")
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
        raise BillingError(
            ErrorCode.RATE_LIMITED,
            f"You have {MAX_OPEN_GIFT_CHECKOUTS} gift checkouts open: pay or abandon one first "
            "(an abandoned one closes within 24 hours).",
        )

    customer_id = await ensure_stripe_customer(services, customer)
    price_id = await _stripe_price_id(services, entry)
    if request.idempotency_key is not None:
        seed = hashlib.sha256(f"{user_id}\x00{request.idempotency_key}".encode()).hexdigest()
        reference, stripe_key = seed[:32], f"bg-checkout-{seed}"
    else:
        reference, stripe_key = uuid.uuid4().hex, f"bg-checkout-{uuid.uuid4().hex}"

    params = _session_params(
        request, user_id=user_id, customer_id=customer_id, price_id=price_id, reference=reference
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
        raise

    try:
        payment = await Payment.create(
            user_id=user_id,
            reference=reference,
            kind=PaymentKind.CHECKOUT,
            checkout_session_id=session.id,
            stripe_customer_id=customer_id,
            stripe_price_id=price_id,
            product_type=request.product_type,
            amount=session.amount_total if session.amount_total is not None else entry.amount,
            currency=request.currency,
            status=PaymentStatus.PENDING,
            is_gift=request.is_gift,
            idempotency_key=request.idempotency_key,
            idempotency_fingerprint=request.fingerprint() if request.idempotency_key else None,
            created_at=now,
            updated_at=now,
        )
    except IntegrityError:
        # A concurrent call with the same key (same session, thanks to Stripe's key) won,
        # or the webhook already created the row from the session's metadata.
        payment = await Payment.get(checkout_session_id=session.id)
    if not request.is_gift:
        await _replace_older_subscription_checkouts(services, payment)
    return CheckoutResult(session.url, session.id, payment)
