"""Plans of supported read operations, the cache of known ones, and running a plan.

A plan holds, per root field, what graphql-core's executor would use for it:
the field (its `resolve` is Strawberry's resolver, with the field's permission
classes, field extensions and argument conversion), the field node, and the
compiled completion of its selection. `run_plan` coerces the variables and
the arguments, builds the resolver's info and calls the field's `resolve` the
way the executor does; only the completion differs, and it is proven equal by
tests/bench/test_fast_path_differential.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_argument_values,
    get_variable_values,
)

from schema.fast_path.completion import Completer, Unsupported, check_selection, compile_completion
from schema.strawberry_adapter import resolve_info

# Root query fields whose resolvers only read: re-running them on fallback is harmless.
READ_ONLY_ROOT_FIELDS = frozenset({"payments", "premium", "subscription", "invoices", "giftCodes"})
_SCALAR_ARGUMENT_TYPES = frozenset({"Int", "String", "Boolean", "ID", "Float"})
_PLAN_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class RootPlan:
    response_key: str
    field_name: str
    field: GraphQLField
    nodes: list[FieldNode]
    # Arguments of other than scalar types: served only when absent or null.
    object_arguments: frozenset[str]
    complete: Completer


@dataclass(frozen=True, slots=True)
class OperationPlan:
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]  # the document's (none is used by the operation)
    query_type: GraphQLObjectType
    roots: tuple[RootPlan, ...]
    # The operation's name as Strawberry reports it (given, else the document's): for metrics.
    name: str | None


def _object_arguments(gql_field: GraphQLField) -> frozenset[str]:
    names = set()
    for name, argument in gql_field.args.items():
        arg_type = argument.type
        if isinstance(arg_type, GraphQLNonNull):
            arg_type = arg_type.of_type
        if isinstance(arg_type, GraphQLList) or getattr(arg_type, "name", None) not in _SCALAR_ARGUMENT_TYPES:
            names.add(name)
    return frozenset(names)


def _compile_root(query_type: GraphQLObjectType, node: FieldNode) -> RootPlan:
    check_selection(node)
    name = node.name.value
    gql_field = query_type.fields.get(name)
    if name not in READ_ONLY_ROOT_FIELDS or gql_field is None or gql_field.resolve is None:
        raise Unsupported("root field not served here")
    return RootPlan(
        response_key=node.alias.value if node.alias else name,
        field_name=name,
        field=gql_field,
        nodes=[node],
        object_arguments=_object_arguments(gql_field),
        complete=compile_completion(gql_field.type, node.selection_set),
    )


def compile_operation(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> OperationPlan:
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise Unsupported("not a plain query")
    query_type = schema.query_type
    if query_type is None:
        raise Unsupported("no query type")
    roots = []
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode) or node.name.value == "__typename":
            raise Unsupported("fragments or __typename at the root")
        roots.append(_compile_root(query_type, node))
    keys = [r.response_key for r in roots]
    if len(set(keys)) != len(keys):
        raise Unsupported("a root field selected twice")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    name = operation.name.value if operation.name else None
    return OperationPlan(operation, fragments, query_type, tuple(roots), name)


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
        self, query: str, operation_name: str | None, build: Callable[[], tuple[OperationPlan, bool]]
    ) -> OperationPlan | None:
        """The plan of (query, operation_name), built once. `build` also says whether the operation
        is the document's first: a request naming none runs that one, so it is known under None too."""
        key = (query, operation_name)
        try:
            return self.entries[key]
        except KeyError:
            pass
        try:
            plan, first = build()
        except Unsupported:
            self._remember(key, None)
            return None
        self._remember(key, plan)
        if first and operation_name is not None:
            self._remember((query, None), plan)
        return plan

    def _remember(self, key: tuple[str, str | None], plan: OperationPlan | None) -> None:
        if key not in self.entries and len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = plan


async def run_plan(
    plan: OperationPlan,
    schema: GraphQLSchema,
    context: Any,
    raw_variables: Any,
    root_value: Any = None,
) -> dict[str, Any]:
    """The `data` of the response; Unsupported whenever the executor must answer instead.

    Each root field is resolved as graphql-core's executor resolves it: the
    same coerced arguments, an info built as the executor builds it, and the
    field's own `resolve` (Strawberry's: argument conversion, the permission
    classes through Strawberry's PermissionExtension, field extensions, the
    resolver). A permission denied raises there like any resolver error, and the
    executor then answers (and reports it) as always.
    """
    variables = get_variable_values(schema, plan.operation.variable_definitions or (), raw_variables or {})
    if isinstance(variables, list):  # coercion errors: the executor reports them
        raise Unsupported("variables")
    data: dict[str, Any] = {}
    for root in plan.roots:
        try:
            arguments = get_argument_values(root.field, root.nodes[0], variables)
        except Exception as exc:
            raise Unsupported("arguments") from exc
        for name in root.object_arguments:
            if arguments.get(name) is not None:
                raise Unsupported("non-scalar argument")
        info = resolve_info(
            field_nodes=root.nodes,
            field=root.field,
            parent_type=plan.query_type,
            response_key=root.response_key,
            schema=schema,
            fragments=plan.fragments,
            root_value=root_value,
            operation=plan.operation,
            variable_values=variables,
            context=context,
        )
        try:
            value = root.field.resolve(root_value, info, **arguments)  # type: ignore[misc]
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            raise Unsupported("resolver raised") from exc
        data[root.response_key] = root.complete(value)
    return data
