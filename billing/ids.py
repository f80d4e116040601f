"""Opaque Relay global IDs: base64url of ``Type:pk``.

Frontends treat IDs as opaque strings; decoding is forgiving in the sense that
anything malformed (bad base64, unknown type, non-numeric pk) decodes to None,
so a tampered ID behaves exactly like one that does not exist.
"""

from __future__ import annotations

import base64
import binascii

NODE_TYPES = frozenset({"Payment", "Subscription", "Invoice", "GiftCode"})
_MAX_PK = 2**63 - 1  # BIGINT; anything larger cannot exist and must not reach the driver


def encode(type_name: str, pk: int) -> str:
    raw = f"{type_name}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(global_id: str) -> tuple[str, int] | None:
    """``(type_name, pk)`` or None for anything that is not one of our IDs."""
    if not isinstance(global_id, str) or not global_id or len(global_id) > 64:
        return None
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, pk_text = raw.partition(":")
    if not sep or type_name not in NODE_TYPES or not pk_text.isascii() or not pk_text.isdigit():
        return None
    pk = int(pk_text)
    if not 0 < pk <= _MAX_PK:
        return None
    return type_name, pk


def decode_as(global_id: str, type_name: str) -> int | None:
    """The pk if `global_id` is an ID of `type_name`, else None."""
    decoded = decode(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
