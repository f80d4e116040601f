"""Stripe's error JSON and status codes.

Why: the gateway reacts to the SDK's exception classes, and the SDK picks the
class from the HTTP status and ``error.type``/``error.code``; producing the
same body and status makes the SDK raise exactly what it raises against
Stripe (``InvalidRequestError``, ``CardError``, ``IdempotencyError``, …).
"""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An error answered to the client in Stripe's JSON shape."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 ``invalid_request_error``."""
    return StripeError(message, param=param, code=code)


def missing(kind: str, object_id: str, param: str | None = None) -> StripeError:
    """A 404 ``resource_missing`` for an unknown id, as Stripe words it."""
    return StripeError(
        f"No such {kind}: '{object_id}'",
        status=404 if param is None else 400,
        code="resource_missing",
        param=param or "id",
    )


def unknown_parameter(param: str) -> StripeError:
    return StripeError(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")


def not_implemented(param: str) -> StripeError:
    """A parameter Stripe accepts here (the pinned SDK declares it) that the sandbox does not model:
    refused loudly, never silently ignored."""
    return StripeError(
        f"The sandbox does not implement parameter {param}, which Stripe accepts here: implement it "
        "in stripe_sandbox or do not send it.",
        param=param,
        code="sandbox_parameter_not_implemented",
    )


def required(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def authentication(message: str) -> StripeError:
    return StripeError(message, status=401, type="invalid_request_error")


def card_declined(
    *, decline_code: str = "generic_decline", charge: str | None = None, payment_intent: Any = None
) -> StripeError:
    extra: dict[str, Any] = {"decline_code": decline_code}
    if charge:
        extra["charge"] = charge
    if payment_intent is not None:
        extra["payment_intent"] = payment_intent
    return StripeError(
        "Your card was declined.", status=402, type="card_error", code="card_declined", extra=extra
    )


def idempotency_mismatch(key: str) -> StripeError:
    return StripeError(
        "Keys for idempotent requests can only be used with the same parameters they were first "
        f"used with. Try using a key other than '{key}' if you meant to execute a different "
        "request.",
        type="idempotency_error",
    )
