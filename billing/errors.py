"""Expected business failures: they reach the user as `userErrors`, never as exceptions.

`BillingError.code` is one of the contract's `ErrorCode` values (the GraphQL
layer maps it one to one); `field` is the path into the mutation's input.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    REDIRECT_URL_NOT_ALLOWED = "REDIRECT_URL_NOT_ALLOWED"
    ALREADY_SUBSCRIBED = "ALREADY_SUBSCRIBED"
    PURCHASE_BLOCKED = "PURCHASE_BLOCKED"
    NO_ACTIVE_SUBSCRIPTION = "NO_ACTIVE_SUBSCRIPTION"
    SUBSCRIPTION_ALREADY_CANCELING = "SUBSCRIPTION_ALREADY_CANCELING"
    SUBSCRIPTION_NOT_CANCELING = "SUBSCRIPTION_NOT_CANCELING"
    SUBSCRIPTION_NOT_REACTIVATABLE = "SUBSCRIPTION_NOT_REACTIVATABLE"
    GIFT_CODE_NOT_FOUND = "GIFT_CODE_NOT_FOUND"
    GIFT_CODE_ALREADY_REDEEMED = "GIFT_CODE_ALREADY_REDEEMED"
    GIFT_CODE_EXPIRED = "GIFT_CODE_EXPIRED"
    GIFT_CODE_REVOKED = "GIFT_CODE_REVOKED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_FOUND = "NOT_FOUND"
    REFUND_WINDOW_EXPIRED = "REFUND_WINDOW_EXPIRED"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    PAYMENT_PROVIDER_ERROR = "PAYMENT_PROVIDER_ERROR"
    SAME_PLAN = "SAME_PLAN"
    PLAN_CHANGE_NOT_ALLOWED = "PLAN_CHANGE_NOT_ALLOWED"
    NO_SCHEDULED_CHANGE = "NO_SCHEDULED_CHANGE"
    PROMOTION_CODE_INVALID = "PROMOTION_CODE_INVALID"
    PROMOTION_CODE_EXPIRED = "PROMOTION_CODE_EXPIRED"
    PROMOTION_CODE_NOT_APPLICABLE = "PROMOTION_CODE_NOT_APPLICABLE"


class BillingError(Exception):
    """A failure the user can act on. Raised by billing, turned into a userError by resolvers."""

    def __init__(self, code: ErrorCode, message: str, field: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class PaymentProviderError(BillingError):
    """Stripe was unreachable, too slow or refused; nothing was charged or changed."""

    def __init__(self, message: str = "The payment provider is unavailable; nothing was charged.") -> None:
        super().__init__(ErrorCode.PAYMENT_PROVIDER_ERROR, message)
