"""What Stripe returns, read from the pinned SDK's resource classes, and a recursive check of it.

Why: ``keys.json`` holds only the top-level keys of each resource, so a nested
object of the wrong shape, or a status Stripe never sends, passed. The SDK's
resource classes (``stripe/_invoice.py`` …), generated from Stripe's OpenAPI
spec at the pinned version, declare every field, nested object classes
(``Invoice.AutomaticTax``), lists (``ListObject[...]``), references
(``ExpandableField[...]``: an id, or the object when expanded) and ``Literal``
values (statuses: the SDK writes ``Literal[...] | str``; the literals are the
allowed set), and which fields may be null (``Optional[...]``; Stripe sends
``null`` in no other field).

`violations(obj, expand)` walks an object the sandbox is about to return (or
send as an event) against its class and lists, with a path: fields the class
does not declare, at any depth; values outside a ``Literal`` set; ``null`` in
a field the SDK does not type ``Optional``; an object
whose ``object`` is not its class's; and an *includable* field present without
being asked for. Stripe's API reference marks some fields "includable": not in
a response unless named in ``expand`` (and never in events). The SDK does not
mark them, so they are listed here (`INCLUDABLE`), from the reference pages of
those objects.
"""

from __future__ import annotations

import importlib
import sys
import types
import typing
from collections.abc import Iterable
from functools import cache
from typing import Any, ForwardRef, Literal, Union

import stripe
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES

#: Fields Stripe leaves out unless expanded (API reference, "includable"; e.g. Invoice's
#: confirmation_secret: "This field is not included by default").
INCLUDABLE: dict[str, frozenset[str]] = {
    "checkout.session": frozenset({"line_items"}),
    "coupon": frozenset({"applies_to", "currency_options"}),  # absent from Stripe's coupon fixture
    "customer": frozenset(
        {"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"}
    ),
    "invoice": frozenset({"confirmation_secret", "payments"}),
    "price": frozenset({"currency_options", "tiers"}),
}

_SKIP = frozenset({"OBJECT_NAME"})


@cache
def class_of(object_name: str) -> type | None:
    """The SDK's class for an ``object`` value (``"invoice"`` -> ``stripe.Invoice``)."""
    entry = OBJECT_CLASSES.get(object_name)
    if entry is None:
        return None
    module, name = entry
    return getattr(importlib.import_module(module), name)


@cache
def _classes_by_name() -> dict[str, type]:
    found: dict[str, type] = {}
    for name in OBJECT_CLASSES:
        cls = class_of(name)
        if cls is not None:
            found.setdefault(cls.__name__, cls)
    return found


def _namespace(owner: type) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(vars(typing))
    namespace.update(_classes_by_name())
    namespace.update(vars(sys.modules[owner.__module__]))
    # Nested classes refer to their siblings and to the outer classes' by bare name.
    parts = owner.__qualname__.split(".")
    outer: Any = sys.modules[owner.__module__]
    for part in parts:
        outer = getattr(outer, part, None)
        if outer is None:
            break
        namespace.update({k: v for k, v in vars(outer).items() if isinstance(v, type)})
    return namespace


def _evaluate(tp: Any, owner: type) -> Any:
    if isinstance(tp, str | ForwardRef):
        text = tp if isinstance(tp, str) else tp.__forward_arg__
        try:
            return eval(text, _namespace(owner))  # noqa: S307 - the SDK's own annotations
        except Exception:  # an annotation naming something outside the SDK's object classes
            return Any
    return tp


@cache
def fields_of(cls: type) -> dict[str, Any]:
    """The declared fields of a StripeObject class (own and inherited annotations)."""
    fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if (
            isinstance(klass, type)
            and issubclass(klass, stripe.StripeObject)
            and klass is not stripe.StripeObject
        ):
            for name, tp in vars(klass).get("__annotations__", {}).items():
                if name not in _SKIP:
                    fields[name] = (tp, klass)
    return fields


def _is_stripe_class(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, stripe.StripeObject)


def _check(value: Any, tp: Any, owner: type, path: str, out: list[str]) -> None:
    tp = _evaluate(tp, owner)
    if tp is Any or value is None:
        return
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or isinstance(tp, types.UnionType):
        options = [_evaluate(a, owner) for a in args if a is not type(None)]
        literals = [v for a in options if typing.get_origin(a) is Literal for v in typing.get_args(a)]
        if isinstance(value, str) and literals:
            if value not in literals:
                out.append(f"{path}: {value!r} is not one of {sorted(map(str, literals))}")
            return
        if isinstance(value, str) and str in options:
            return
        candidates = [a for a in options if a is not str and typing.get_origin(a) is not Literal]
        if isinstance(value, dict) and isinstance(value.get("object"), str):
            named = class_of(value["object"])
            if named is not None and any(_is_stripe_class(a) and issubclass(named, a) for a in candidates):
                _check(value, named, owner, path, out)
                return
        attempts = []
        for candidate in candidates:
            found: list[str] = []
            _check(value, candidate, owner, path, found)
            if not found:
                return
            attempts.append(found)
        if attempts:
            out.extend(min(attempts, key=len))
        return
    if origin is Literal:
        if value not in args:
            out.append(f"{path}: {value!r} is not one of {sorted(map(str, args))}")
        return
    if origin is list or origin is typing.List:  # noqa: UP006
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check(item, args[0], owner, f"{path}[{index}]", out)
        return
    if isinstance(origin, type) and issubclass(origin, ListObject):
        if isinstance(value, dict):
            for index, item in enumerate(value.get("data") or []):
                _check(item, args[0], owner, f"{path}.data[{index}]", out)
        return
    if _is_stripe_class(tp) and tp is not stripe.StripeObject and isinstance(value, dict):
        _check_object(value, tp, path, out)


def _check_object(value: dict[str, Any], cls: type, path: str, out: list[str]) -> None:
    declared = fields_of(cls)
    if not declared:  # an untyped StripeObject (metadata and the like)
        return
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        if key not in declared:
            out.append(f"{here}: not a field of {cls.__qualname__}")
            continue
        tp, owner = declared[key]
        if item is None:
            if not _nullable(tp, owner):
                never = f"{cls.__qualname__}.{key} is never null (not Optional in the SDK)"
                out.append(f"{here}: null, but {never}")
            continue
        _check(item, tp, owner, here, out)


def _nullable(tp: Any, owner: type) -> bool:
    """Whether the SDK types a field ``Optional[...]``: the others Stripe never sends as null."""
    tp = _evaluate(tp, owner)
    return tp is Any or type(None) in typing.get_args(tp)


def violations(obj: dict[str, Any], expand: Iterable[str] = (), *, path: str = "") -> list[str]:
    """Every way `obj` (with the `expand` paths asked for) differs from what the SDK declares."""
    out: list[str] = []
    if obj.get("object") == "list":
        inner = [e[len("data.") :] for e in expand if e.startswith("data.")]
        for index, item in enumerate(obj.get("data") or []):
            if isinstance(item, dict):
                out += violations(item, inner, path=f"{path}data[{index}]")
        return out
    name = obj.get("object")
    cls = class_of(name) if isinstance(name, str) else None
    if cls is None:
        return out
    _check_object(obj, cls, path.rstrip("."), out)
    asked = {e.split(".", 1)[0] for e in expand}
    for field in sorted(INCLUDABLE.get(name, frozenset()) & obj.keys() - asked):
        out.append(f"{path}{'.' if path else ''}{field}: includable, present without expand")
    return [f"{name} {line}" for line in out]


def event_violations(event: dict[str, Any]) -> list[str]:
    """An event as sent: its own fields, its object (no expansions, so no includable field), and
    `previous_attributes` naming only fields of that object."""
    out = violations({k: v for k, v in event.items() if k != "data"})
    data = event.get("data") or {}
    obj = data.get("object") or {}
    out += [f"{event.get('type')}: {line}" for line in violations(obj)]
    cls = class_of(obj.get("object", "")) if isinstance(obj.get("object"), str) else None
    if cls is not None:
        declared = fields_of(cls)
        for key in data.get("previous_attributes") or {}:
            if key not in declared:
                out.append(f"{event.get('type')}: previous_attributes.{key}: not a field of {cls.__name__}")
    return out
