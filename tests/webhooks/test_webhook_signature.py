"""The `Stripe-Signature` check, against the SDK's own signer and verifier."""

from __future__ import annotations

import time

import pytest
import stripe

from webhooks.signature import (
    SignatureError,
    SignatureFailure,
    compute_signature,
    parse_header,
    sign_header,
    verify,
)

SECRET = "whsec_unit_primary"
OTHER = "whsec_unit_other"
BODY = b'{"id": "evt_1", "object": "event"}'


def reason(body: bytes, header: str | None, secrets: list[str], **kw: object) -> SignatureFailure:
    with pytest.raises(SignatureError) as caught:
        verify(body, header, secrets, **kw)  # type: ignore[arg-type]
    return caught.value.reason


def test_accepts_a_header_made_by_the_stripe_sdk() -> None:
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), SECRET)
    assert verify(BODY, header, [SECRET]) == int(header.split(",")[0][2:])


def test_the_stripe_sdk_accepts_our_header() -> None:
    assert stripe.WebhookSignature.verify_header(BODY, sign_header(BODY, SECRET), SECRET, 300)


def test_every_configured_secret_is_tried_for_rotation() -> None:
    header = sign_header(BODY, OTHER)
    assert verify(BODY, header, [SECRET, OTHER])
    assert reason(BODY, header, [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH


def test_any_v1_signature_may_match_and_other_schemes_are_ignored() -> None:
    ts = int(time.time())
    good = compute_signature(BODY, SECRET, ts)
    header = f"t={ts},v1={'0' * 64},v0={good},v1={good}"
    assert verify(BODY, header, [SECRET]) == ts
    assert parse_header(header) == (ts, ["0" * 64, good])


def test_signature_covers_the_raw_bytes_even_when_not_utf8() -> None:
    body = b"\xff\xfe not utf-8"
    assert verify(body, sign_header(body, SECRET), [SECRET])
    assert reason(body + b"!", sign_header(body, SECRET), [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH


def test_tampered_body_or_wrong_secret_is_a_mismatch() -> None:
    header = sign_header(BODY, SECRET)
    assert reason(BODY.replace(b"evt_1", b"evt_2"), header, [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH
    assert reason(BODY, sign_header(BODY, "whsec_attacker"), [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    assert reason(BODY, header, [SECRET]) is SignatureFailure.MISSING_HEADER


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "v1=abc",  # no timestamp
        "t=abc,v1=abc",
        "t=-5,v1=abc",
        "t=1_700_000_000,v1=abc",
        "t=1,t=2,v1=abc",
        "t=1700000000,,v1=abc",
        "t=1700000000,v1=" + "a" * 5000,
    ],
)
def test_malformed_header(header: str) -> None:
    assert reason(BODY, header, [SECRET]) is SignatureFailure.MALFORMED_HEADER


def test_header_without_a_v1_signature() -> None:
    ts = int(time.time())
    assert reason(BODY, f"t={ts},v0={compute_signature(BODY, SECRET, ts)}", [SECRET]) is (
        SignatureFailure.NO_V1_SIGNATURE
    )


def test_non_ascii_signature_is_a_mismatch_not_a_crash() -> None:
    assert reason(BODY, f"t={int(time.time())},v1=é€", [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH


def test_timestamp_tolerance_is_300_seconds_both_ways_on_the_wall_clock() -> None:
    now = time.time()
    assert verify(BODY, sign_header(BODY, SECRET, int(now) - 299), [SECRET])
    assert verify(BODY, sign_header(BODY, SECRET, int(now) + 299), [SECRET])
    assert reason(BODY, sign_header(BODY, SECRET, int(now) - 301), [SECRET]) is (
        SignatureFailure.TIMESTAMP_TOO_OLD
    )
    assert reason(BODY, sign_header(BODY, SECRET, int(now) + 301), [SECRET]) is (
        SignatureFailure.TIMESTAMP_IN_FUTURE
    )


def test_a_stale_header_with_a_bad_signature_reports_the_mismatch() -> None:
    header = sign_header(BODY, "whsec_attacker", int(time.time()) - 3600)
    assert reason(BODY, header, [SECRET]) is SignatureFailure.SIGNATURE_MISMATCH


def test_no_usable_secret_is_refused() -> None:
    assert reason(BODY, sign_header(BODY, SECRET), []) is SignatureFailure.NO_SECRET_CONFIGURED
    assert reason(BODY, sign_header(BODY, SECRET), ["", " "]) is SignatureFailure.NO_SECRET_CONFIGURED


def test_errors_never_echo_secrets_or_body() -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY, sign_header(BODY, SECRET, int(time.time()) - 1000), [SECRET])
    text = str(caught.value)
    assert SECRET not in text and "evt_1" not in text
