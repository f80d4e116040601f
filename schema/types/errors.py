"""Errors of the API, in the two forms the contract uses.

- Top-level GraphQL errors (`ApiError`) carry ``extensions.code``:
  UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED. They are the only
  resolver errors that pass the error mask unchanged (see `is_expected_error`).
- Expected business failures of mutations come back as `UserError` values in
  the payload's ``userErrors`` with an `ErrorCode`; they never raise.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry
from graphql import GraphQLError


class TopLevelCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_FOUND = "NOT_FOUND"


class ApiError(GraphQLError):
    """A deliberate, client-facing GraphQL error with ``extensions.code``."""

    def __init__(self, code: TopLevelCode, message: str) -> None:
        super().__init__(message, extensions={"code": str(code)})
        self.code = code


def unauthenticated(message: str = "Authentication required.") -> ApiError:
    return ApiError(TopLevelCode.UNAUTHENTICATED, message)


def forbidden(message: str = "Not allowed.") -> ApiError:
    return ApiError(TopLevelCode.FORBIDDEN, message)


def bad_user_input(message: str) -> ApiError:
    return ApiError(TopLevelCode.BAD_USER_INPUT, message)


def rate_limited(message: str = "Too many attempts; try again later.") -> ApiError:
    return ApiError(TopLevelCode.RATE_LIMITED, message)


def is_expected_error(error: GraphQLError) -> bool:
    """True for errors the client may see as they are.

    Errors without a path come from parsing, validation or variable coercion:
    the client's own mistakes. During execution only our deliberate `ApiError`s
    pass; anything else (an exception, a null in a non-null field, a value the
    scalar cannot represent) is a server bug and gets masked.
    """
    if error.path is None:
        return True
    return isinstance(error.original_error, ApiError)


@strawberry.enum(name="ErrorCode")
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


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None = None
    message: str = ""


def user_error(code: ErrorCode, message: str, *field: str) -> UserError:
    """A payload error; `field` is the path into the input, e.g. ``"input", "successUrl"``."""
    return UserError(code=code, field=list(field) or None, message=message)
