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
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from billing.errors import BillingError
from billing.errors import ErrorCode as BillingErrorCode


class TopLevelCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_FOUND = "NOT_FOUND"
    # Persisted operations (Apollo's protocol and codes; see schema/persisted.py)
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"


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


# Strawberry's own refusals of a request (an operation name not in the document, an
# operation type the transport does not allow): the client's mistake, worded by the library.
_CLIENT_REQUEST_ERRORS = (CannotGetOperationTypeError, InvalidOperationTypeError)


def is_expected_error(error: GraphQLError) -> bool:
    """True for errors the client may see as they are.

    During execution only our deliberate `ApiError`s pass; anything else (an
    exception, a null in a non-null field, a value the scalar cannot represent)
    is a server bug and gets masked.

    Errors without a path are the client's own mistakes only when GraphQL made
    them: parsing, validation and variable coercion give errors with no
    original exception, or wrapping graphql-core's own error. A server-side
    exception can arrive without a path too: Strawberry wraps one raised by an
    extension hook, or by a subscription's source stream, as
    ``GraphQLError(str(exc), original_error=exc)``; its text (a driver message,
    a DSN) must never reach the client, so it is masked like any other fault.
    """
    original = error.original_error
    if isinstance(error, ApiError) or isinstance(original, ApiError):
        return True
    if error.path is not None:
        return False
    return original is None or isinstance(original, (GraphQLError, *_CLIENT_REQUEST_ERRORS))


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
