"""Stripe's form encoding: ``items[0][price]=…``, ``expand[]=…``, ``metadata[k]=v``.

Why: Stripe's v1 API (and the SDK) send nested parameters as bracketed keys in
``application/x-www-form-urlencoded`` bodies or query strings.  This module
turns them into nested dicts and lists so handlers see structured params.
A container whose keys are all decimal indices (or ``[]``) becomes a list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")

Params = dict[str, Any]


def parse_pairs(pairs: list[tuple[str, str]]) -> Params:
    """Build nested params from ``(bracketed key, value)`` pairs."""
    root: dict[str, Any] = {}
    append_counters: dict[tuple[int, str], int] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if not match:
            raise invalid(f"Invalid parameter name: {raw_key}", param=raw_key)
        parts = [match.group(1), *_PART.findall(match.group(2))]
        node: dict[str, Any] = root
        for depth, part in enumerate(parts):
            if part == "":
                counter_key = (id(node), "[]")
                part = str(append_counters.get(counter_key, 0))
                append_counters[counter_key] = int(part) + 1
                # Mark as an append slot so mixed "[]"/"[0]" still become a list.
            last = depth == len(parts) - 1
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def parse_body(body: bytes) -> Params:
    """Parse a form-encoded request body."""
    try:
        text = body.decode("utf-8") if body else ""
    except UnicodeDecodeError:
        raise invalid("The request body is not valid UTF-8 form data.") from None
    return parse_pairs(parse_qsl(text, keep_blank_values=True))


def parse_query(query: str) -> Params:
    """Parse a query string the same way."""
    return parse_pairs(parse_qsl(query, keep_blank_values=True))
