"""A compiled fast path for plain read queries: the same answer without graphql-core's executor.

Why: with parsing and validation cached, graphql-core's executor is most of a
read request's CPU (PERFORMANCE.md, `python -m bench profile S1`): it builds an
info object, checks and completes every one of ~480 fields of a payments page.
Our list types are plain attributes filled by the top-level resolver, so once
the root resolvers have run, the answer is a walk over Python objects.

`FastPath` is a Strawberry extension. In `on_execute` it looks at the already
parsed and validated operation; if every part of it is something it can answer
exactly as the executor would, it runs the root resolvers itself and hands
Strawberry the finished result, so the executor is skipped. Everything else of
a request (HTTP view, auth, extensions such as metrics and error masking,
`process_errors`, JSON encoding) runs unchanged. Supported, else the executor
runs as always:

- a query operation (no mutations) whose root fields are plain resolvers
  taking `info` and scalar arguments, guarded only by permission classes,
  which must all grant access (a denial is left to the executor to report);
- below the root, object types whose fields are plain attributes or
  argument-free sync methods of the object (`Money.formatted`), with no
  permission or field extension; lists, scalars, enums and `__typename`;
  no fragments, no directives, no interfaces or unions;
- a resolver that raises, a null in a non-null position, or a value the
  executor would reject all fall back to the executor, which then produces
  its usual error. The fallback re-runs the root resolvers, so only reads
  (side-effect-free resolvers) may be served here: `READ_ONLY_ROOT_FIELDS`.

Leaves are serialised with the schema's own scalar and enum `serialize`, so the
output is byte-for-byte the executor's (tests/bench/test_fast_path_differential.py
compares both over random data).
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Undefined, is_iterable
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension
from strawberry.types.field import StrawberryField

from schema.types.scalars import serialize_datetime

DEFINITION = "strawberry-definition"
# Root query fields whose resolvers only read: re-running them on fallback is harmless.
READ_ONLY_ROOT_FIELDS = frozenset({"payments", "premium", "subscription", "invoices", "giftCodes"})
_SCALAR_ARGUMENT_TYPES = frozenset({"Int", "String", "Boolean", "ID", "Float"})
_PLAN_CACHE_SIZE = 256


class Unsupported(Exception):
    """This operation (or this answer) is left to the executor."""


@dataclass(frozen=True, slots=True)
class FastInfo:
    """What our root resolvers and permission classes read of `Info`: the context."""

    context: Any
    field_name: str


Completer = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class RootPlan:
    response_key: str
    field_name: str
    field: GraphQLField
    node: FieldNode
    resolver: Callable[..., Any]
    python_args: dict[str, str]  # GraphQL argument name -> resolver parameter name
    permissions: tuple[type, ...]
    complete: Completer


@dataclass(frozen=True, slots=True)
class OperationPlan:
    operation: OperationDefinitionNode
    roots: tuple[RootPlan, ...]
    # The operation's name as Strawberry reports it (given, else the document's): for metrics.
    name: str | None


def _plain_field(gql_field: GraphQLField) -> tuple[StrawberryField, Callable[[Any], Any] | None]:
    """The field and, for a computed one, its method: only `def name(self)` (sync, no arguments)."""
    definition = gql_field.extensions.get(DEFINITION)
    if not isinstance(definition, StrawberryField) or definition.permission_classes or definition.extensions:
        raise Unsupported("field is not a plain attribute")
    resolver = definition.base_resolver
    if resolver is None:
        return definition, None
    if (
        resolver.is_async
        or resolver.arguments
        or resolver.info_parameter is not None
        or resolver.root_parameter is not None
        or resolver.self_parameter is None
        or len(inspect.signature(resolver.wrapped_func).parameters) != 1
    ):
        raise Unsupported("field with a resolver that needs more than its object")
    return definition, resolver.wrapped_func


def _check_selection(node: FieldNode) -> None:
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
        origin = getattr(gql_type.extensions.get(DEFINITION), "origin", None)
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
            _check_selection(node)
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
            definition, method = _plain_field(gql_field)
            var = f"v{n}"
            if method is not None:
                body.append(f"    {var} = {self._name('method', method)}(value)")
            elif definition.python_name.isidentifier() and not keyword.iskeyword(definition.python_name):
                body.append(f"    {var} = value.{definition.python_name}")
            else:
                body.append(f"    {var} = getattr(value, {definition.python_name!r})")
            items.append(f"{key!r}: {self.expr(gql_field.type, node.selection_set, var)}")
        body.append("    return {" + ", ".join(items) + "}")
        self.lines += body
        return name


def _compile_type(gql_type: Any, selection: SelectionSetNode | None) -> Completer:
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


def _compile_root(schema: GraphQLSchema, node: FieldNode, name_of: Callable[[Any], str]) -> RootPlan:
    _check_selection(node)
    name = node.name.value
    query_type = schema.query_type
    assert query_type is not None
    gql_field = query_type.fields.get(name)
    if name not in READ_ONLY_ROOT_FIELDS or gql_field is None:
        raise Unsupported("root field not served here")
    definition = gql_field.extensions.get(DEFINITION)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        raise Unsupported("root field without a resolver")
    if any(not isinstance(ext, PermissionExtension) for ext in definition.extensions):
        raise Unsupported("field extensions")
    resolver = definition.base_resolver.wrapped_func
    params = inspect.signature(resolver).parameters
    if "info" not in params or "root" in params or "self" in params:
        raise Unsupported("resolver signature")
    python_args: dict[str, str] = {}
    for argument in definition.arguments:
        graphql_name = name_of(argument)
        arg_type = gql_field.args[graphql_name].type
        while isinstance(arg_type, (GraphQLNonNull, GraphQLList)):
            if isinstance(arg_type, GraphQLList):
                arg_type = None
                break
            arg_type = arg_type.of_type
        python_args[graphql_name] = (
            argument.python_name
            if arg_type is not None and getattr(arg_type, "name", None) in _SCALAR_ARGUMENT_TYPES
            else ""
        )
    return RootPlan(
        response_key=node.alias.value if node.alias else name,
        field_name=name,
        field=gql_field,
        node=node,
        resolver=resolver,
        python_args=python_args,
        permissions=tuple(definition.permission_classes),
        complete=_compile_type(gql_field.type, node.selection_set),
    )


def compile_operation(
    schema: GraphQLSchema, operation: OperationDefinitionNode, name_of: Callable[[Any], str]
) -> OperationPlan:
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise Unsupported("not a plain query")
    roots = []
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode) or node.name.value == "__typename":
            raise Unsupported("fragments or __typename at the root")
        roots.append(_compile_root(schema, node, name_of))
    keys = [r.response_key for r in roots]
    if len(set(keys)) != len(keys):
        raise Unsupported("a root field selected twice")
    return OperationPlan(operation, tuple(roots), operation.name.value if operation.name else None)


class KnownOperations:
    """Plans by (query text, operationName) of documents the real schema parsed and validated.

    Filled only by `FastPath`, which runs after Strawberry's parser, the
    token/depth/alias limits and validation accepted the document; those
    depend on nothing but the text, so a later request with the same text and
    operation name would pass them again, and `gateway.graphql_view` may answer it
    from here without parsing or validating it (see `GatewayGraphQL`).
    ``None`` is remembered too: a document this module cannot answer.
    Bounded: when full, the oldest entry goes.
    """

    def __init__(self, size: int = _PLAN_CACHE_SIZE) -> None:
        self.size = size
        self.entries: dict[tuple[str, str | None], OperationPlan | None] = {}

    def get(self, query: str, operation_name: str | None) -> OperationPlan | None:
        """The plan for a known, supported document; None for anything else."""
        return self.entries.get((query, operation_name))

    def plan_for(
        self, query: str, operation_name: str | None, build: Callable[[], OperationPlan]
    ) -> OperationPlan | None:
        key = (query, operation_name)
        try:
            return self.entries[key]
        except KeyError:
            pass
        try:
            plan: OperationPlan | None = build()
        except Unsupported:
            plan = None
        if len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = plan
        return plan


async def run_plan(
    plan: OperationPlan, schema: GraphQLSchema, context: Any, raw_variables: Any
) -> dict[str, Any]:
    """The `data` of the response; Unsupported whenever the executor must answer instead."""
    variables = get_variable_values(schema, plan.operation.variable_definitions or (), raw_variables or {})
    if isinstance(variables, list):  # coercion errors: the executor reports them
        raise Unsupported("variables")
    data: dict[str, Any] = {}
    for root in plan.roots:
        info = FastInfo(context=context, field_name=root.field_name)
        for permission_class in root.permissions:
            granted = permission_class().has_permission(None, info)
            if inspect.isawaitable(granted):
                granted = await granted
            if not granted:
                raise Unsupported("permission denied")  # the executor raises the right error
        try:
            arguments = get_argument_values(root.field, root.node, variables)
        except Exception as exc:
            raise Unsupported("arguments") from exc
        kwargs: dict[str, Any] = {}
        for graphql_name, value in arguments.items():
            python_name = root.python_args.get(graphql_name)
            if not python_name:
                if value is None:
                    continue
                raise Unsupported("non-scalar argument")
            kwargs[python_name] = value
        try:
            value = root.resolver(info=info, **kwargs)
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            raise Unsupported("resolver raised") from exc
        data[root.response_key] = root.complete(value)
    return data


# Strawberry keeps the operationName of the request apart from the one it derives.
_PROVIDED_NAME = "_provided_operation_name"


class FastPath(SchemaExtension):
    """Answers supported read queries without the executor (see the module docstring)."""

    known = KnownOperations()
    served = 0  # answers given without the executor (per process; for tests and benchmarks)

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        await self._answer()
        yield

    async def _answer(self) -> None:
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.result is not None or context.query is None:
            return
        if not hasattr(context, _PROVIDED_NAME):  # a Strawberry without it: executor only
            return
        provided_name = getattr(context, _PROVIDED_NAME)
        strawberry_schema = context.schema
        gql_schema: GraphQLSchema = strawberry_schema._schema
        name_of = strawberry_schema.config.name_converter.get_graphql_name

        def build() -> OperationPlan:
            operation = get_operation_ast(document, provided_name)
            if operation is None:
                raise Unsupported("no such operation")
            return compile_operation(gql_schema, operation, name_of)

        plan = self.known.plan_for(context.query, provided_name, build)
        if plan is None:
            return
        try:
            data = await run_plan(plan, gql_schema, context.context, context.variables)
        except Unsupported:
            return
        context.result = GraphQLExecutionResult(data=data, errors=None)
        type(self).served += 1
