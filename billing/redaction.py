"""The one secret redactor: for log lines and for every text the gateway stores.

Why one place: the webhook inbox keeps a handler's error text in the database,
where operators and `webhooks list` read it; logs go to whoever collects them.
Both must mask the same things, so a weaker copy can never guard either path.

Masked anywhere in text: Stripe keys of any mode (``sk_…``, ``rk_…``,
``pk_…``), webhook signing secrets (``whsec_…``), ``Bearer``/``Basic``
credentials, anything shaped like a JWT, and digit runs of card-number length
that pass the Luhn check. It lives in `billing` (the lowest layer both the
webhooks and the gateway shell may import) and imports nothing of ours.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_TEXT_SECRETS = re.compile(
    r"""
      (?P<bearer>\b(?:Bearer|Basic)\s+)[^\s"',;]+                  # Authorization values
    | \b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z_]+                   # Stripe API keys
    | \b(?:sk|rk)_[0-9A-Za-z_]{8,}                                 # other sk_/rk_ shaped keys
    | \bwhsec_[0-9A-Za-z+/=_-]+                                    # webhook signing secrets
    | \beyJ[0-9A-Za-z_-]{5,}\.eyJ[0-9A-Za-z_-]{5,}\.[0-9A-Za-z_-]* # JWTs (header.payload.signature)
    """,
    re.VERBOSE,
)
# 13 to 19 digits, optionally grouped by single spaces or dashes (how card numbers are written).
_PAN = re.compile(r"(?<![\d.])\d(?:[ -]?\d){12,18}(?![\d.])")
# Anything `_TEXT_SECRETS` or `_PAN` could match contains one of these; most text contains none.
_MAYBE_SECRET = re.compile(r"Bearer|Basic|[srp]k_|whsec_|eyJ|\d{4}")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return "[REDACTED-PAN]" if _luhn_ok(digits) else match.group()


def _mask_secret(match: re.Match[str]) -> str:
    prefix = match.group("bearer")
    return f"{prefix}{REDACTED}" if prefix else REDACTED


def redact_text(text: str) -> str:
    """`text` with keys, secrets, tokens and card numbers masked (one cheap search when there are none)."""
    if not _MAYBE_SECRET.search(text):
        return text
    text = _TEXT_SECRETS.sub(_mask_secret, text)
    return _PAN.sub(_mask_pan, text)
