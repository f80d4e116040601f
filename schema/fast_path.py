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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

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
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension
from strawberry.types.field import StrawberryField

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


def _compile_type(gql_type: Any, selection: SelectionSetNode | None) -> Completer:
    """A function from a Python value to exactly what the executor would put in the response."""
    if isinstance(gql_type, GraphQLNonNull):
        inner = _compile_type(gql_type.of_type, selection)

        def non_null(value: Any) -> Any:
            if value is None:
                raise Unsupported("null in a non-null position")  # the executor reports the error
            return inner(value)

        return non_null
    if isinstance(gql_type, GraphQLList):
        item = _compile_type(gql_type.of_type, selection)

        def as_list(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, (str, bytes, dict)):
                raise Unsupported("not a list")
            return [item(v) for v in value]

        return as_list
    if isinstance(gql_type, (GraphQLScalarType, GraphQLEnumType)):
        serialize = gql_type.serialize

        def leaf(value: Any) -> Any:
            if value is None:
                return None
            try:
                return serialize(value)
            except Exception as exc:  # the executor would turn this into a field error
                raise Unsupported("leaf did not serialise") from exc

        return leaf
    if isinstance(gql_type, GraphQLObjectType) and selection is not None:
        return _compile_object(gql_type, selection)
    raise Unsupported(f"type {gql_type}")


def _compile_object(gql_type: GraphQLObjectType, selection: SelectionSetNode) -> Completer:
    origin = getattr(gql_type.extensions.get(DEFINITION), "origin", None)
    if origin is None:
        raise Unsupported("not a Strawberry object type")
    steps: list[tuple[str, str | Callable[[Any], Any] | None, Completer | None]] = []
    keys: set[str] = set()
    for node in selection.selections:
        if not isinstance(node, FieldNode):
            raise Unsupported("fragments")
        _check_selection(node)
        key = node.alias.value if node.alias else node.name.value
        if key in keys:  # the executor merges repeated response keys; not done here
            raise Unsupported("a response key selected twice")
        keys.add(key)
        name = node.name.value
        if name == "__typename":
            steps.append((key, None, None))
            continue
        gql_field = gql_type.fields.get(name)
        if gql_field is None or node.arguments:
            raise Unsupported("unknown field or arguments below the root")
        definition, method = _plain_field(gql_field)
        steps.append(
            (key, method or definition.python_name, _compile_type(gql_field.type, node.selection_set))
        )
    type_name = gql_type.name
    frozen = tuple(steps)

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, origin):
            raise Unsupported("value of another type")
        out: dict[str, Any] = {}
        for key, source, completer in frozen:
            if source is None:
                out[key] = type_name
            elif isinstance(source, str):
                out[key] = completer(getattr(value, source))  # type: ignore[misc]
            else:
                try:
                    computed = source(value)
                except Exception as exc:  # the executor reports a field error
                    raise Unsupported("computed field raised") from exc
                out[key] = completer(computed)  # type: ignore[misc]
        return out

    return complete


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
    operation name would pass them again, and `gateway.app` may answer it
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
