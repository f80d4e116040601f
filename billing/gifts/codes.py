"""Gift code text: 80 bits from `secrets`, easy to read aloud.

The alphabet has 32 symbols (5 bits each) and leaves out 0/O and 1/I, so
16 symbols carry 80 bits; shown in four groups: ``ABCD-EFGH-JKLM-NPQR``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from models.enums import GiftCodeStatus

#: The metadata key under which a gift purchase's Stripe objects keep the code it issues.
GIFT_CODE_KEY = "gift_code"

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SYMBOLS = 16  # 16 * log2(32) = 80 bits
GROUP = 4


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return "-".join(raw[i : i + GROUP] for i in range(0, SYMBOLS, GROUP))


def normalise(text: str) -> str | None:
    """The canonical form of what a user typed, or None if it cannot be a code.

    Case, spaces and dashes are forgiven, and the letters people confuse with
    the missing digits are read as those digits' look-alikes (O->0 is not in
    the alphabet, so it cannot be mistyped into a valid code).
    """
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(cleaned) != SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + GROUP] for i in range(0, SYMBOLS, GROUP))


def gift_code_status(row: Mapping[str, Any], now: datetime) -> GiftCodeStatus:
    """EXPIRED is never stored: an AVAILABLE code past its expiry is EXPIRED."""
    status = GiftCodeStatus(row["status"])
    if status is GiftCodeStatus.AVAILABLE and row["expires_at"] <= now:
        return GiftCodeStatus.EXPIRED
    return status
