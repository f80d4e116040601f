"""Mutation inputs and payloads, exactly as the contract names them.

Payloads always carry ``userErrors``: expected business failures are data,
never exceptions (only UNAUTHENTICATED/FORBIDDEN and masked bugs are errors).
"""

from __future__ import annotations

import strawberry

from schema.types.enums import CancellationReason, Currency, PlanChangeTiming, ProductType, RefundReason
from schema.types.errors import UserError
from schema.types.gift_code import GiftCode
from schema.types.payment import Payment
from schema.types.premium import Premium
from schema.types.subscription import Subscription
from schema.types.user_billing import UserBilling


@strawberry.input
class CreateCheckoutInput:
    product_type: ProductType
    success_url: str
    cancel_url: str
    is_gift: bool = False
    currency: Currency = Currency.USD
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Same viewer + same key => the same checkout session, never a second one.",
    )
    promotion_code: str | None = strawberry.field(
        default=None,
        description="Applied to the checkout; an unusable code is a userError, no session is made.",
    )


@strawberry.type
class CreateCheckoutPayload:
    checkout_url: str | None = None
    session_id: str | None = None
    payment: Payment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelSubscriptionInput:
    feedback: str | None = strawberry.field(default=None, description="Free text, at most 1000 characters.")
    reason: CancellationReason | None = None


@strawberry.type
class SubscriptionPayload:
    subscription: Subscription | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdatePaymentMethodInput:
    return_url: str


@strawberry.type
class UpdatePaymentMethodPayload:
    url: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RedeemGiftInput:
    code: str


@strawberry.type
class RedeemGiftPayload:
    gift_code: GiftCode | None = None
    premium: Premium | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RefundPaymentInput:
    payment_id: strawberry.ID
    reason: RefundReason = RefundReason.REQUESTED_BY_CUSTOMER
    note: str | None = None


@strawberry.type
class RefundPaymentPayload:
    payment: Payment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetPurchaseRestrictionInput:
    user_id: strawberry.ID
    restricted: bool
    reason: str | None = None


@strawberry.type
class SetPurchaseRestrictionPayload:
    user: UserBilling | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeGiftCodeInput:
    code: str
    reason: str | None = None


@strawberry.type
class RevokeGiftCodePayload:
    gift_code: GiftCode | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ChangePlanInput:
    product_type: ProductType
    timing: PlanChangeTiming = PlanChangeTiming.NOW
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Same viewer + same key => the same change and payment, never a second charge.",
    )


@strawberry.type
class ChangePlanPayload:
    subscription: Subscription | None = None
    payment: Payment | None = strawberry.field(
        default=None,
        description="The PLAN_CHANGE payment of an immediate change with something to pay.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
