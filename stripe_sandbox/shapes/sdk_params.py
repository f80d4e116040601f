"""What Stripe accepts on each endpoint, read from the pinned SDK's generated code.

Why: the sandbox's parameter specs were written by hand, from the same memory
that wrote the gateway, so a misunderstanding of Stripe sat in both (the
gateway sent `payment_method_types` to Checkout, which the pinned API version
no longer has, and the sandbox took it). The SDK's services and params classes
are generated from Stripe's OpenAPI spec at the version it pins: they decide.

- `operations()`: every ``(METHOD, path template)`` the SDK's services call, with
  the params TypedDict that method takes (``stripe/_*_service.py``, read with
  `ast`: ``self._request_async("post", "/v1/…")`` and ``params: "XParams"``).
- `declared(cls)`: that TypedDict as a tree: objects with their fields and
  required keys, arrays, maps (``Dict[str, str]``: metadata), strings with their
  ``Literal`` values (the SDK writes enums as ``Literal[...] | str``: the literals
  are the allowed set), integers, booleans, and whether ``""`` (unset) is admitted.
- `violations(...)`: what in a request's form parameters the SDK does not
  declare, as readable lines (used by the sandbox to tell "not implemented here"
  from Stripe's ``parameter_unknown``, and by the test suite's recorder).
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, ForwardRef, Literal, Union

import stripe

Node = dict[str, Any]
_TEMPLATE = re.compile(r"\{[^}]*\}")
_REQUEST_OPTION_KEYS = frozenset(getattr(stripe.RequestOptions, "__annotations__", {}))


def normalize(path: str) -> str:
    """`/v1/customers/{customer}` and `/v1/customers/{id}` alike: `/v1/customers/{}`."""
    return _TEMPLATE.sub("{}", path)


# -- the SDK's services -------------------------------------------------------------------------


def _service_modules() -> Iterator[Path]:
    root = Path(stripe.__file__).parent
    for path in sorted(root.rglob("_*_service.py")):
        if "params" not in path.relative_to(root).parts:
            yield path


def _params_name(node: ast.AsyncFunctionDef) -> str | None:
    for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
        if arg.arg != "params" or arg.annotation is None:
            continue
        text = ast.unparse(arg.annotation)
        match = re.search(r"[\"']?(\w+Params)[\"']?", text)
        return match.group(1) if match else None
    return None


def _request_call(node: ast.AsyncFunctionDef) -> tuple[str, str] | None:
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr != "_request_async" or len(call.args) < 2:
            continue
        method, path = call.args[0], call.args[1]
        if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute):
            path = path.func.value  # "/v1/x/{id}".format(...)
        if isinstance(method, ast.Constant) and isinstance(path, ast.Constant):
            return str(method.value).upper(), str(path.value)
    return None


def _imports(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stripe.params"):
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
    return found


@cache
def operations() -> dict[tuple[str, str], type | None]:
    """``(METHOD, normalized path)`` -> the params TypedDict of the SDK method that calls it."""
    found: dict[tuple[str, str], type | None] = {}
    for path in _service_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = _imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            call = _request_call(node)
            if call is None:
                continue
            name = _params_name(node)
            cls = None
            if name is not None and name in imports:
                cls = getattr(importlib.import_module(imports[name]), name)
            found.setdefault((call[0], normalize(call[1])), cls)
    return found


# -- params classes as trees --------------------------------------------------------------------


def _namespace(cls: type) -> dict[str, Any]:
    namespace = dict(vars(typing))
    namespace.update(vars(sys.modules[cls.__module__]))
    return namespace


def _evaluate(tp: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(tp, str):
        return eval(tp, namespace)  # noqa: S307 - the SDK's own annotations
    if isinstance(tp, ForwardRef):
        return eval(tp.__forward_arg__, namespace)  # noqa: S307
    return tp


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _node(tp: Any, namespace: dict[str, Any], depth: int = 0) -> Node:
    if depth > 30:
        return {"type": "any"}
    tp = _evaluate(tp, namespace)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    name = getattr(origin, "_name", None) or getattr(origin, "__name__", None)
    if name in ("NotRequired", "Required"):
        return _node(args[0], namespace, depth)
    if origin is Union or isinstance(tp, types.UnionType):
        return _union([_node(a, namespace, depth + 1) for a in args])
    if origin is Literal:
        return {"type": "string", "enum": sorted(str(v) for v in args)}
    if origin in (list, typing.List):  # noqa: UP006
        return {"type": "array", "items": _node(args[0], namespace, depth + 1)}
    if origin in (dict, typing.Dict):  # noqa: UP006
        return {"type": "map"}
    if _is_typeddict(tp):
        return _object(tp, depth + 1)
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp in (float, Decimal):
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    return {"type": "map"} if "StripeObject" in str(tp) else {"type": "any"}


def _union(options: list[Node]) -> Node:
    unsettable = any(o.get("enum") == [""] for o in options)
    rest = [o for o in options if o.get("enum") != [""]]
    strings = [o for o in rest if o["type"] == "string"]
    others = [o for o in rest if o["type"] != "string"]
    merged: list[Node] = list(others)
    if strings:
        enums = [o["enum"] for o in strings if "enum" in o]
        # `Literal[...] | str`: the literals are the allowed set.
        merged.append(
            {"type": "string", "enum": sorted({v for e in enums for v in e})} if enums else strings[0]
        )
    # Dict[...] | UntypedStripeObject[...]: one map.
    unique: list[Node] = []
    for option in merged:
        if option not in unique:
            unique.append(option)
    node: Node = unique[0] if len(unique) == 1 else {"type": "any_of", "options": unique}
    return {**node, "unsettable": True} if unsettable else node


def _object(cls: type, depth: int = 0) -> Node:
    namespace = _namespace(cls)
    fields = {
        key: _node(tp, namespace, depth)
        for key, tp in cls.__annotations__.items()
        if key not in _REQUEST_OPTION_KEYS
    }
    required = sorted(k for k in cls.__required_keys__ if k in fields)  # type: ignore[attr-defined]
    return {"type": "object", "fields": fields, "required": required}


@cache
def declared(cls: type) -> Node:
    """The params class as a tree (see the module docstring)."""
    return _object(cls)


@cache
def declared_for(method: str, path: str) -> Node | None:
    """The tree of what `method path` accepts; None if the SDK has no such call."""
    key = (method.upper(), normalize(path))
    if key not in operations():
        return None
    cls = operations()[key]
    return declared(cls) if cls is not None else {"type": "object", "fields": {}, "required": []}


# -- checking a request -------------------------------------------------------------------------


def violations(method: str, path: str, params: dict[str, Any]) -> list[str]:
    """Lines naming what in `params` (the parsed form) the SDK does not declare for this call."""
    tree = declared_for(method, path)
    if tree is None:
        return [f"{method} {path}: no such call in the SDK"]
    found: list[str] = []
    _check(params, tree, "", found)
    return [f"{method} {path}: {line}" for line in found]


def declares(method: str, path: str, param: str) -> bool:
    """Whether the SDK declares `param` (a form path such as ``a[b][0][c]``) for this call."""
    tree = declared_for(method, path)
    if tree is None:
        return False
    for part in re.findall(r"[^\[\]]+", param):
        if tree.get("type") == "any_of":
            tree = next((o for o in tree["options"] if o["type"] in ("object", "array")), tree)
        if tree["type"] == "array":
            tree = tree["items"]
            if part.isdigit():
                continue
        if tree["type"] == "map":
            return True
        if tree["type"] != "object" or part not in tree["fields"]:
            return False
        tree = tree["fields"][part]
    return True


def _check(value: Any, node: Node, path: str, found: list[str]) -> None:
    if value == "" and (node.get("unsettable") or node["type"] in ("string", "any", "map")):
        return
    kind = node["type"]
    if kind == "any_of":
        attempts = []
        for option in node["options"]:
            lines: list[str] = []
            _check(value, option, path, lines)
            if not lines:
                return
            attempts.append(lines)
        found.extend(min(attempts, key=len))
        return
    if kind == "object":
        if not isinstance(value, dict):
            found.append(f"{path or 'params'}: a hash expected")
            return
        for key, item in value.items():
            child = f"{path}[{key}]" if path else key
            if key == "expand" and not path:
                continue
            if key not in node["fields"]:
                found.append(f"unknown parameter {child}")
            else:
                _check(item, node["fields"][key], child, found)
        return
    if kind == "array":
        items = value.values() if isinstance(value, dict) else value
        if not isinstance(items, list | type({}.values())):
            found.append(f"{path}: an array expected")
            return
        for index, item in enumerate(items):
            _check(item, node["items"], f"{path}[{index}]", found)
        return
    if kind == "map" or kind == "any":
        return
    if isinstance(value, dict | list):
        found.append(f"{path}: a {kind} expected")
    elif value == "":
        found.append(f'{path}: "" (unset) is not admitted here')
    elif kind == "string" and "enum" in node and value not in node["enum"]:
        shown = node["enum"] if len(node["enum"]) <= 12 else [*node["enum"][:12], "…"]
        found.append(f"{path}: {value!r} is not one of {shown}")
    elif kind == "integer" and not re.fullmatch(r"-?\d+", str(value)):
        found.append(f"{path}: {value!r} is not an integer")
    elif kind == "boolean" and str(value) not in ("true", "false"):
        found.append(f"{path}: {value!r} is not a boolean")
