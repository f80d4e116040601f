"""Allowed key sets per Stripe object name (see :mod:`.derive`, ``keys.json``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

KEYS_PATH = Path(__file__).resolve().parent / "keys.json"


@cache
def allowed_keys() -> dict[str, frozenset[str]]:
    raw = json.loads(KEYS_PATH.read_text())
    return {name: frozenset(keys) for name, keys in raw.items()}


def extra_keys(obj: dict[str, Any]) -> set[str]:
    """Keys of ``obj`` outside its resource's allowed set (empty when clean)."""
    keys = allowed_keys().get(obj.get("object", ""))
    if keys is None:
        return {f"<unknown object {obj.get('object')!r}>"}
    return set(obj) - keys
