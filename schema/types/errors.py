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

from billing.errors import BillingError
from billing.errors import ErrorCode as BillingErrorCode


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


# The contract's ErrorCode is billing's, exposed as is: one list of codes, not two to keep in step.
ErrorCode = strawberry.enum(BillingErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None = None
    message: str = ""


def user_error(code: ErrorCode, message: str, *field: str) -> UserError:
    """A payload error; `field` is the path into the input, e.g. ``"input", "successUrl"``."""
    return UserError(code=code, field=list(field) or None, message=message)


def user_errors_from(error: BillingError) -> list[UserError]:
    """A billing failure as the payload's `userErrors`."""
    return [UserError(code=error.code, field=error.field, message=error.message)]
