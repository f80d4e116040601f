"""Verify Stripe's `Stripe-Signature` header.

Why our own ~60 lines rather than `stripe.WebhookSignature.verify_header`: the
SDK checks one secret per call (rotation needs several), decodes the body as
UTF-8 before signing (a non-UTF-8 body raises `UnicodeDecodeError` instead of a
verification error), accepts timestamps from the far future, and mixes up the
failure reasons in free text. The scheme is the same and the SDK's
`generate_signature_header` produces headers this module accepts (tests check
both ways):

    Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…][,v0=…]

Several `v1` entries appear while Stripe rolls an endpoint secret; any one
matching any configured secret is enough. The timestamp is checked against the
*system* wall clock, never the billing clock: Stripe (and the sandbox) sign
with real time however far a test clock was advanced.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from enum import StrEnum

DEFAULT_TOLERANCE_SECONDS = 300
SCHEME = "v1"
_MAX_HEADER_CHARS = 4096  # a real header with a handful of signatures is ~200 characters
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureFailure(StrEnum):
    """Why a delivery was refused; the value is what the client and the logs see."""

    NO_SECRET_CONFIGURED = "no_webhook_secret_configured"  # noqa: S105 (a reason, not a secret)
    MISSING_HEADER = "missing_signature_header"
    MALFORMED_HEADER = "malformed_signature_header"
    NO_V1_SIGNATURE = "no_v1_signature"
    SIGNATURE_MISMATCH = "signature_mismatch"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"


class SignatureError(Exception):
    """The delivery cannot be trusted. `reason` never contains a secret or the body."""

    def __init__(self, reason: SignatureFailure, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


def compute_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"{timestamp}.{payload}"` keyed with the whole `whsec_…` string (as Stripe does)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def sign_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` value for `payload`: for tests, scripts and the dev loop."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},{SCHEME}={compute_signature(payload, secret, ts)}"


def parse_header(header: str | None) -> tuple[int, list[str]]:
    """Split a header into its timestamp and its `v1` signatures.

    Unknown schemes (`v0`, future ones) are skipped as Stripe's SDKs do; a
    missing or non-numeric `t`, or an element without `=`, is malformed.
    """
    if header is None or not header.strip():
        raise SignatureError(SignatureFailure.MISSING_HEADER)
    if len(header) > _MAX_HEADER_CHARS:
        raise SignatureError(SignatureFailure.MALFORMED_HEADER, "header too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for element in header.split(","):
        key, sep, value = element.strip().partition("=")
        if not sep or not key:
            raise SignatureError(SignatureFailure.MALFORMED_HEADER, "element without key=value")
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                raise SignatureError(SignatureFailure.MALFORMED_HEADER, "bad or repeated timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError(SignatureFailure.MALFORMED_HEADER, "no timestamp")
    if not signatures:
        raise SignatureError(SignatureFailure.NO_V1_SIGNATURE)
    return timestamp, signatures


def verify(
    payload: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    wall_clock: Callable[[], float] = time.time,
) -> int:
    """Check `header` against every secret; return the signed timestamp or raise `SignatureError`.

    The signature is checked before the timestamp, so "too old" / "in the
    future" are only reported for a delivery that really came from Stripe (a
    replay or a skewed clock), which is what an operator needs to know.
    Every comparison is constant time, and every secret is tried, so the time
    taken does not reveal which secret (if any) matched.
    """
    usable = [secret for secret in secrets if secret and secret.strip()]
    if not usable:
        raise SignatureError(SignatureFailure.NO_SECRET_CONFIGURED)
    timestamp, signatures = parse_header(header)
    candidates = [sig.encode("utf-8", "replace") for sig in signatures]
    matched = False
    for secret in usable:
        expected = compute_signature(payload, secret, timestamp).encode()
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError(SignatureFailure.SIGNATURE_MISMATCH)
    age = wall_clock() - timestamp
    if age > tolerance:
        raise SignatureError(SignatureFailure.TIMESTAMP_TOO_OLD, f"signed {int(age)} s ago")
    if age < -tolerance:
        raise SignatureError(SignatureFailure.TIMESTAMP_IN_FUTURE, f"signed {int(-age)} s ahead")
    return timestamp
