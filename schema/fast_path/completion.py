"""Completion compiled to Python: what graphql-core's `complete_value` does, for one selection.

A plan's completion is written as Python source once (when the plan is made)
and compiled: for our plain types (objects whose fields are attributes or
argument-free methods, lists, scalars, enums) it makes the same checks and the
same coercions as the executor, without an info object, a path or an await per
field. Anything it cannot reproduce exactly raises `Unsupported` when the plan
is made; anything unexpected in a value raises it while completing, and the
executor then answers with its own error.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    SelectionSetNode,
)
from graphql.pyutils import Undefined, is_iterable
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)

from schema.strawberry_adapter import object_origin, plain_reader
from schema.types.scalars import serialize_datetime

Completer = Callable[[Any], Any]


class Unsupported(Exception):
    """This operation (or this answer) is left to the executor."""


def check_selection(node: FieldNode) -> None:
    if node.directives:
        raise Unsupported("directives")


def _checked(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A leaf's output coercion as the executor applies it (None or Undefined out is its error)."""

    def leaf(value: Any) -> Any:
        out = coerce(value)
        if out is None or out is Undefined:
            raise Unsupported("leaf coerced to null")  # the executor reports the error
        return out

    return leaf


def _memoised_enum(coerce: Callable[[Any], Any], size: int = 256) -> Callable[[Any], Any]:
    """An enum's output coercion, remembered per (class, value): it depends on nothing else."""
    seen: dict[tuple[type, Any], Any] = {}
    checked = _checked(coerce)

    def leaf(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            return seen[key]
        except KeyError:
            out = checked(value)
            if len(seen) < size:
                seen[key] = out
            return out
        except TypeError:  # unhashable
            return checked(value)

    return leaf


# How the fast path's answers must be written with orjson: UTC datetimes it left unwritten
# come out as serialize_datetime writes them ("2026-11-25T18:00:00+00:00": seconds, offset).
DATETIME_JSON_OPTION = orjson.OPT_OMIT_MICROSECONDS


def utc_zones() -> frozenset[tzinfo]:
    """The tzinfo objects that are UTC itself (datetime's, zoneinfo's, Tortoise's default)."""
    from tortoise.timezone import get_default_timezone

    zones: set[tzinfo] = {UTC, ZoneInfo("UTC")}
    default = get_default_timezone()
    if getattr(default, "key", None) == "UTC":
        zones.add(default)
    return frozenset(zones)


def _raise_null() -> Any:
    raise Unsupported("null in a non-null position")  # the executor reports the error


# graphql-core's own coercions whose result for a value of exactly this type is the value itself.
_IDENTITY_FOR: dict[Any, str] = {
    serialize_string: "str",
    serialize_id: "str",
    serialize_boolean: "bool",
}


class _Compiler:
    """Writes the completion of one selection as Python source, once per plan.

    The generated functions do what graphql-core's `complete_value` does for
    our plain types (null checks, list checks, type checks, each leaf through
    the type's `coerce_output_value`), without an info object, a path or an
    await per field. Leaves of exactly the Python type graphql-core returns
    unchanged (str for String/ID, bool for Boolean, int in 32 bits for Int)
    are taken as they are, which is what the coercion would return; every
    other value goes through the coercion. Any exception while completing
    becomes Unsupported (the executor then answers, with its own error).
    """

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {
            "Unsupported": Unsupported,
            "is_iterable": is_iterable,
            "_null": _raise_null,
        }
        self.lines: list[str] = []
        self.count = 0

    def _name(self, prefix: str, obj: Any = None) -> str:
        self.count += 1
        name = f"_{prefix}{self.count}"
        if obj is not None:
            self.ns[name] = obj
        return name

    def expr(self, gql_type: Any, selection: SelectionSetNode | None, var: str) -> str:
        """Source of an expression completing the value held in `var`."""
        if isinstance(gql_type, GraphQLNonNull):
            inner = self._not_null(gql_type.of_type, selection, var)
            return f"({inner} if {var} is not None else _null())"
        return f"(None if {var} is None else {self._not_null(gql_type, selection, var)})"

    def _not_null(self, gql_type: Any, selection: SelectionSetNode | None, var: str) -> str:
        if isinstance(gql_type, GraphQLNonNull):
            raise Unsupported("non-null of non-null")
        if isinstance(gql_type, GraphQLList):
            return f"{self._list(gql_type.of_type, selection)}({var})"
        if isinstance(gql_type, (GraphQLScalarType, GraphQLEnumType)):
            return self._leaf(gql_type, var)
        if isinstance(gql_type, GraphQLObjectType) and selection is not None:
            return f"{self._object(gql_type, selection)}({var})"
        raise Unsupported(f"type {gql_type}")

    def _leaf(self, gql_type: GraphQLScalarType | GraphQLEnumType, var: str) -> str:
        coerce = gql_type.coerce_output_value
        if coerce is serialize_datetime:
            # A UTC datetime is left for orjson to write (DATETIME_JSON_OPTION): the same text
            # serialize_datetime makes, in C. Any other time zone goes through the scalar.
            self.ns["_datetime"], self.ns["_utc_zones"] = datetime, utc_zones()
            leaf = self._name("leaf", _checked(coerce))
            return (
                f"({var} if {var}.__class__ is _datetime and {var}.tzinfo in _utc_zones else {leaf}({var}))"
            )
        if isinstance(gql_type, GraphQLEnumType):
            return f"{self._name('enum', _memoised_enum(coerce))}({var})"
        leaf = self._name("leaf", _checked(coerce))
        if coerce is serialize_int:
            in_range = f"{GRAPHQL_MIN_INT} <= {var} <= {GRAPHQL_MAX_INT}"
            return f"({var} if {var}.__class__ is int and {in_range} else {leaf}({var}))"
        exact = _IDENTITY_FOR.get(coerce)
        if exact is not None:
            return f"({var} if {var}.__class__ is {exact} else {leaf}({var}))"
        return f"{leaf}({var})"

    def _list(self, item_type: Any, selection: SelectionSetNode | None) -> str:
        name = self._name("list")
        item = self.expr(item_type, selection, "item")
        self.lines += [
            f"def {name}(value):",
            "    if not is_iterable(value):",
            "        raise Unsupported('not a list')",
            f"    return [{item} for item in value]",
        ]
        return name

    def _object(self, gql_type: GraphQLObjectType, selection: SelectionSetNode) -> str:
        origin = object_origin(gql_type)
        if origin is None:
            raise Unsupported("not a Strawberry object type")
        name = self._name("object")
        cls = self._name("type", origin)
        body = [
            f"def {name}(value):",
            f"    if value.__class__ is not {cls} and not isinstance(value, {cls}):",
            "        raise Unsupported('value of another type')",
        ]
        items: list[str] = []
        keys: set[str] = set()
        for n, node in enumerate(selection.selections):
            if not isinstance(node, FieldNode):
                raise Unsupported("fragments")
            check_selection(node)
            key = node.alias.value if node.alias else node.name.value
            if key in keys:  # the executor merges repeated response keys; not done here
                raise Unsupported("a response key selected twice")
            keys.add(key)
            field_name = node.name.value
            if field_name == "__typename":
                items.append(f"{key!r}: {gql_type.name!r}")
                continue
            gql_field = gql_type.fields.get(field_name)
            if gql_field is None or node.arguments:
                raise Unsupported("unknown field or arguments below the root")
            reader = plain_reader(gql_field)
            var = f"v{n}"
            if reader is None:
                raise Unsupported("field is not a plain attribute or method")
            if not isinstance(reader, str):
                body.append(f"    {var} = {self._name('method', reader)}(value)")
            elif reader.isidentifier() and not keyword.iskeyword(reader):
                body.append(f"    {var} = value.{reader}")
            else:
                body.append(f"    {var} = getattr(value, {reader!r})")
            items.append(f"{key!r}: {self.expr(gql_field.type, node.selection_set, var)}")
        body.append("    return {" + ", ".join(items) + "}")
        self.lines += body
        return name


def compile_completion(gql_type: Any, selection: SelectionSetNode | None) -> Completer:
    """A function from a Python value to exactly what the executor would put in the response."""
    compiler = _Compiler()
    expr = compiler.expr(gql_type, selection, "value")
    compiler.lines += [
        "def complete(value):",
        "    try:",
        f"        return {expr}",
        "    except Unsupported:",
        "        raise",
        "    except Exception as exc:  # the executor reports a field error",
        "        raise Unsupported('completion raised') from exc",
    ]
    exec(compile("\n".join(compiler.lines), "<fast path completion>", "exec"), compiler.ns)  # noqa: S102
    return compiler.ns["complete"]  # type: ignore[no-any-return]
