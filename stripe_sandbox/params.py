"""Declarative checking of request parameters.

Why: Stripe rejects any parameter it does not know with a 400 naming it
(``param``), and the gateway relies on that to catch typos.  Each endpoint
declares a *spec*; :func:`check` walks the parsed form against it, converts
strings to ints/bools, and raises Stripe's error for unknown, malformed or
missing parameters.  An empty string means "unset" (how the SDK clears a
field) and becomes ``None``.

A spec is one of: a leaf converter (:data:`STR`, :data:`INT`, :data:`BOOL`,
:func:`one_of`, …), a ``dict`` of field -> spec (a nested hash), a one-item
``list`` ``[spec]`` (an array), or :data:`METADATA` (free string map).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import StripeError, invalid, required, unknown_parameter

Leaf = Callable[[Any, str], Any]
Spec = Any


def _scalar(value: Any, param: str) -> str:
    if isinstance(value, dict | list):
        raise invalid(f"Invalid string: {param} must be a string", param=param)
    return value


def STR(value: Any, param: str) -> str:
    return _scalar(value, param)


def INT(value: Any, param: str) -> int:
    text = _scalar(value, param)
    try:
        return int(text)
    except (TypeError, ValueError):
        raise StripeError(f"Invalid integer: {text}", param=param, code="parameter_invalid_integer") from None


def BOOL(value: Any, param: str) -> bool:
    text = _scalar(value, param)
    if text in ("true", "false"):
        return text == "true"
    raise invalid(f"Invalid boolean: {text}", param=param)


def TIMESTAMP_OR_NOW(value: Any, param: str) -> int | str:
    text = _scalar(value, param)
    return "now" if text == "now" else INT(text, param)


def timestamp_or(*choices: str) -> Leaf:
    """A unix timestamp, or one of a few named moments (``cancel_at=min_period_end``)."""

    def convert(value: Any, param: str) -> int | str:
        text = _scalar(value, param)
        return text if text in choices else INT(text, param)

    return convert


def one_of(*choices: str) -> Leaf:
    def convert(value: Any, param: str) -> str:
        text = _scalar(value, param)
        if text not in choices:
            raise invalid(f"Invalid {param}: must be one of {', '.join(choices)}", param=param)
        return text

    return convert


def METADATA(value: Any, param: str) -> dict[str, str]:
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid object: {param} must be a hash", param=param)
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict | list):
            raise invalid(f"Invalid string: {param}[{key}]", param=f"{param}[{key}]")
        out[key] = item
    return out


def ANY(value: Any, param: str) -> Any:
    return value


#: ``expand[]`` is accepted by every endpoint.
EXPAND: Spec = [STR]


def check(
    params: dict[str, Any], spec: dict[str, Spec], required_fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Validate ``params`` against ``spec`` (plus ``expand``); return converted params."""
    full = {"expand": EXPAND, **spec}
    out = _walk(params, full, "")
    for name in required_fields:
        if out.get(name) in (None, "", [], {}):
            raise required(name)
    return out


def _walk(value: Any, spec: Spec, path: str) -> Any:
    if value == "" and not isinstance(spec, list | dict) and spec is not METADATA:
        return None
    if isinstance(spec, dict):
        if value == "":
            return None
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {path} must be a hash", param=path)
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = f"{path}[{key}]" if path else key
            if key not in spec:
                raise unknown_parameter(child)
            out[key] = _walk(item, spec[key], child)
        return out
    if isinstance(spec, list):
        if value == "":
            return []
        if isinstance(value, dict):
            # A sparse index ("items[1]" without "items[0]") stays a dict; order by index.
            if all(k.isdigit() for k in value):
                value = [value[k] for k in sorted(value, key=int)]
            else:
                raise invalid(f"Invalid array: {path} must be an array", param=path)
        if not isinstance(value, list):
            value = [value]
        return [_walk(item, spec[0], f"{path}[{i}]") for i, item in enumerate(value)]
    return spec(value, path)
