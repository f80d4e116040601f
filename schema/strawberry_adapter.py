"""What the gateway relies on of Strawberry (and graphql-core) beyond their documented API.

The one module that reads Strawberry's internals; everything else uses public
API or these functions. Each function states what it relies on, and
tests/graphql/test_strawberry_adapter.py checks every one of those assumptions
against the installed versions: after an upgrade that test names what changed
and which function here to adapt. Nothing here is called per field: the
compiled fast path asks these questions once per plan, and per request only
`graphql_schema` (once per view) and `resolve_info` (once per root field) run.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.pyutils import Path
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry import Schema
from strawberry.types.field import StrawberryField

# Where Strawberry keeps its own definition beside a graphql-core type or field
# (`GraphQLCoreConverter.DEFINITION_BACKREF`, in an internal module).
DEFINITION_KEY = "strawberry-definition"

# The fields of graphql-core's GraphQLResolveInfo that `resolve_info` fills, in order.
RESOLVE_INFO_FIELDS = (
    "field_name",
    "field_nodes",
    "return_type",
    "parent_type",
    "path",
    "schema",
    "fragments",
    "root_value",
    "operation",
    "variable_values",
    "context",
    "is_awaitable",
    "abort_signal",
    "async_helpers",
)


def graphql_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema a Strawberry schema executes with.

    Relies on: `Schema._schema` (Strawberry has no public accessor; its own
    ValidationCache reads the same attribute).
    """
    gql_schema = schema._schema
    if not isinstance(gql_schema, GraphQLSchema):
        raise TypeError(f"strawberry.Schema._schema is {type(gql_schema).__name__}, not a GraphQLSchema")
    return gql_schema


def field_definition(gql_field: GraphQLField) -> StrawberryField | None:
    """The Strawberry field behind a graphql-core field (None for one Strawberry did not make).

    Relies on: the converter storing it in the field's `extensions` under `DEFINITION_KEY`.
    """
    definition = gql_field.extensions.get(DEFINITION_KEY)
    return definition if isinstance(definition, StrawberryField) else None


def object_origin(gql_type: GraphQLObjectType) -> type | None:
    """The Python class of a Strawberry object type (None for anything else).

    Relies on: the type's `extensions[DEFINITION_KEY]` being Strawberry's object
    definition, whose `origin` is the decorated class.
    """
    origin = getattr(gql_type.extensions.get(DEFINITION_KEY), "origin", None)
    return origin if isinstance(origin, type) else None


def plain_reader(gql_field: GraphQLField) -> str | Callable[[Any], Any] | None:
    """How the executor reads this field of an object when it needs nothing but the object.

    An attribute name (a field without a resolver, read with `getattr`, the
    default resolver), or the function of an argument-free sync method
    (`def formatted(self) -> str`). None for anything more: a resolver taking
    arguments, `info`, `root` or `parent`, an async one, a permission, a field
    extension, a custom default resolver.

    Relies on: StrawberryField's `permission_classes`, `extensions`,
    `default_resolver`, `base_resolver`, `python_name`, and StrawberryResolver's
    `is_async`, `arguments`, `info_parameter`, `root_parameter`,
    `self_parameter` and `wrapped_func`.
    """
    definition = field_definition(gql_field)
    if (
        definition is None
        or definition.permission_classes
        or definition.extensions
        or definition.default_resolver is not getattr
    ):
        return None
    resolver = definition.base_resolver
    if resolver is None:
        return definition.python_name
    if (
        resolver.is_async
        or resolver.arguments
        or resolver.info_parameter is not None
        or resolver.root_parameter is not None
        or resolver.self_parameter is None
        or len(inspect.signature(resolver.wrapped_func).parameters) != 1
    ):
        return None
    return resolver.wrapped_func  # type: ignore[no-any-return]


async def _gather(values: Sequence[Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*values))


def _track(values: Sequence[Any]) -> None:
    # Work a resolver leaves running behind its answer: the executor would wait for it;
    # this raises instead, so the fast path gives the request to the executor.
    raise RuntimeError("async work tracked outside the executor")


_HELPERS = GraphQLResolveInfoHelpers(gather=_gather, track=_track)


def resolve_info(
    *,
    field_nodes: list[FieldNode],
    field: GraphQLField,
    parent_type: GraphQLObjectType,
    response_key: str,
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    root_value: Any,
    operation: OperationDefinitionNode,
    variable_values: Any,
    context: Any,
) -> GraphQLResolveInfo:
    """The info graphql-core's executor passes to the resolver of a root field.

    Relies on: GraphQLResolveInfo's constructor taking `RESOLVE_INFO_FIELDS`
    (it gained `abort_signal` and `async_helpers` in graphql-core 3.3), as
    `Executor.build_resolve_info` fills them.
    """
    return_type: GraphQLOutputType = field.type
    return GraphQLResolveInfo(
        field_nodes[0].name.value,
        field_nodes,
        return_type,
        parent_type,
        Path(None, response_key, parent_type.name),
        schema,
        fragments,
        root_value,
        operation,
        variable_values,
        context,
        inspect.isawaitable,
        None,
        _HELPERS,
    )


def http_streaming(view: Any) -> bool:
    """Whether a Strawberry HTTP view may answer a POST as a stream (SSE, multipart subscriptions).

    Relies on: the view's `protocols` and the class's
    `stream_transport_classes_by_protocol` (no leading underscore, but not documented).
    """
    transports = view.stream_transport_classes_by_protocol
    return any(protocol in transports for protocol in view.protocols)
