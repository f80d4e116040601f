"""Every assumption schema/strawberry_adapter.py makes about Strawberry and graphql-core, checked.

The fast path reads a few things of Strawberry that are not documented API.
They all live in `schema.strawberry_adapter`; when an upgrade changes one of
them, a test here fails and its message says what changed and which function
of the adapter to adapt (the fast path would otherwise misread a schema or
fall back on every request without a word). The last test keeps production
code from reaching into Strawberry anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import graphql
import pytest
import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLString,
    get_argument_values,
    get_variable_values,
    parse,
)
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from schema import strawberry_adapter as adapter
from schema.fast_path import FastPath
from schema.root import build_schema
from schema.types.errors import ApiError

ROOT = Path(__file__).resolve().parents[2]


def changed(what: str, adapt: str, where: str = "schema/strawberry_adapter.py") -> str:
    """The failure message: what the upgrade changed, and where the gateway must follow."""
    return (
        f"Strawberry {version('strawberry-graphql')} / graphql-core {graphql.__version__}: {what}. "
        f"Adapt {adapt} in {where} (the fast path relies on it)."
    )


def test_the_graphql_core_schema_is_where_the_adapter_reads_it() -> None:
    schema = build_schema()
    try:
        gql_schema = adapter.graphql_schema(schema)
    except (AttributeError, TypeError) as exc:
        pytest.fail(
            changed(
                f"strawberry.Schema no longer holds its GraphQLSchema in `_schema` ({exc})", "graphql_schema"
            )
        )
    assert gql_schema.query_type is not None and "payments" in gql_schema.query_type.fields, changed(
        "`Schema._schema` is not the schema Strawberry built", "graphql_schema"
    )


def test_types_and_fields_point_back_to_their_strawberry_definitions() -> None:
    from strawberry.schema.schema_converter import GraphQLCoreConverter

    assert GraphQLCoreConverter.DEFINITION_BACKREF == adapter.DEFINITION_KEY, changed(
        f"the definition back-reference key is now {GraphQLCoreConverter.DEFINITION_BACKREF!r}",
        "DEFINITION_KEY",
    )
    gql_schema = adapter.graphql_schema(build_schema())
    payments = gql_schema.query_type.fields["payments"]  # type: ignore[union-attr]
    assert isinstance(adapter.field_definition(payments), StrawberryField), changed(
        "a field's extensions no longer hold its StrawberryField", "field_definition"
    )
    payment_type = gql_schema.type_map["Payment"]
    from schema.types.payment import Payment

    assert isinstance(payment_type, GraphQLObjectType)
    assert adapter.object_origin(payment_type) is Payment, changed(
        "an object type's definition no longer names its class as `origin`", "object_origin"
    )


class Deny(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    kind: str = strawberry.field(name="type")
    guarded: str = strawberry.field(default="x", permission_classes=[Deny])

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def with_info(self, info: strawberry.Info) -> str:
        return info.field_name

    @strawberry.field
    def with_argument(self, times: int) -> str:
        return self.name * times

    @strawberry.field
    async def later(self) -> str:
        return self.name


@strawberry.type
class ItemQuery:
    @strawberry.field
    def item(self) -> Item:
        return Item(name="a", kind="k")


def test_a_plain_field_is_read_as_the_executor_reads_it() -> None:
    item = adapter.graphql_schema(strawberry.Schema(query=ItemQuery)).type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    readers = {name: adapter.plain_reader(field) for name, field in item.fields.items()}
    expected_plain = {"name": "name", "type": "kind", "shout": Item.shout}
    for name, reader in expected_plain.items():
        wanted = reader if isinstance(reader, str) else "the method's function"
        got = readers[name]
        ok = (
            got == reader
            if isinstance(reader, str)
            else callable(got) and got(Item(name="a", kind="k")) == "A"
        )
        assert ok, changed(f"field {name!r} is no longer read as {wanted} (got {got!r})", "plain_reader")
    for name in ("guarded", "withInfo", "withArgument", "later"):
        assert readers[name] is None, changed(
            f"field {name!r} (permission, info, argument or async) now looks plain", "plain_reader"
        )


def _captured_executor_info() -> tuple[GraphQLResolveInfo, GraphQLSchema, Any]:
    """The info graphql-core's executor passes to a root resolver, and what it was run with."""
    captured: list[GraphQLResolveInfo] = []

    def resolve(root: Any, info: GraphQLResolveInfo, **args: Any) -> str:
        captured.append(info)
        return "ok"

    query_type = GraphQLObjectType(
        "Query",
        {"thing": GraphQLField(GraphQLString, args={"n": GraphQLArgument(GraphQLInt)}, resolve=resolve)},
    )
    gql_schema = GraphQLSchema(query_type)
    document = parse("query Q($n: Int) { alias: thing(n: $n) }")
    result = graphql.execute(
        gql_schema, document, root_value="root", context_value="context", variable_values={"n": 3}
    )
    assert not getattr(result, "errors", None), result
    return captured[0], gql_schema, document


def test_the_resolve_info_is_the_one_the_executor_builds() -> None:
    assert GraphQLResolveInfo._fields == adapter.RESOLVE_INFO_FIELDS, changed(
        f"GraphQLResolveInfo's fields are now {GraphQLResolveInfo._fields}",
        "resolve_info (and RESOLVE_INFO_FIELDS)",
    )
    theirs, gql_schema, document = _captured_executor_info()
    operation = document.definitions[0]
    variables = get_variable_values(gql_schema, operation.variable_definitions, {"n": 3})  # type: ignore[attr-defined]
    assert not isinstance(variables, list)
    ours = adapter.resolve_info(
        field_nodes=list(theirs.field_nodes),
        field=gql_schema.query_type.fields["thing"],  # type: ignore[union-attr]
        parent_type=gql_schema.query_type,  # type: ignore[arg-type]
        response_key="alias",
        schema=gql_schema,
        fragments={},
        root_value="root",
        operation=operation,  # type: ignore[arg-type]
        variable_values=variables,
        context="context",
    )
    for name in ("field_name", "return_type", "parent_type", "schema", "fragments", "root_value", "context"):
        assert getattr(ours, name) == getattr(theirs, name), changed(
            f"the executor's info.{name} differs", "resolve_info"
        )
    assert ours.operation is theirs.operation
    assert list(ours.field_nodes) == list(theirs.field_nodes), changed(
        "info.field_nodes differs", "resolve_info"
    )
    assert (ours.path.as_list(), ours.path.typename) == (theirs.path.as_list(), theirs.path.typename), (
        changed("info.path differs", "resolve_info")
    )
    assert ours.variable_values.coerced == theirs.variable_values.coerced, changed(
        "info.variable_values differs", "resolve_info"
    )
    assert get_argument_values(gql_schema.query_type.fields["thing"], theirs.field_nodes[0], variables) == {
        "n": 3
    }  # type: ignore[union-attr]


async def test_a_root_field_resolve_runs_the_fields_permission_classes() -> None:
    """The fast path checks permissions by calling the field's `resolve`: Strawberry must apply them there."""
    gql_schema = adapter.graphql_schema(build_schema())
    query_type = gql_schema.query_type
    assert query_type is not None
    field = query_type.fields["premium"]
    node = parse("{ premium { active } }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]

    @dataclass
    class Anonymous:
        viewer: Any = None

    info = adapter.resolve_info(
        field_nodes=[node],
        field=field,
        parent_type=query_type,
        response_key="premium",
        schema=gql_schema,
        fragments={},
        root_value=None,
        operation=parse("{ premium { active } }").definitions[0],  # type: ignore[arg-type]
        variable_values=get_variable_values(gql_schema, (), {}),
        context=Anonymous(),
    )
    with pytest.raises(ApiError) as denied:
        result = field.resolve(None, info)  # type: ignore[misc]
        if hasattr(result, "__await__"):
            await result
    assert str(denied.value.code) == "UNAUTHENTICATED", changed(
        "a field's resolve no longer applies its permission classes (PermissionExtension)",
        "run_plan's permission checks",
        "schema/fast_path/plans.py",
    )


def test_the_operation_strawberry_runs_is_the_named_else_the_first() -> None:
    document = parse("query A { premium { active } } query B { premium { active } }")
    schema = build_schema()

    def name(provided: str | None) -> str | None:
        context = ExecutionContext(
            query="q", schema=schema, allowed_operations=(), provided_operation_name=provided
        )
        context.graphql_document = document
        return context.operation_name

    assert (name(None), name("B")) == ("A", "B"), changed(
        "ExecutionContext.operation_name is no longer 'the request's, else the first operation's'",
        "FastPath._answer's plan keys",
        "schema/fast_path/extension.py",
    )


def test_extensions_are_listed_and_resolve_hooks_recognisable() -> None:
    instances = build_schema().get_extensions()
    assert any(isinstance(extension, FastPath) for extension in instances), changed(
        "Schema.get_extensions() no longer lists the schema's extensions as instances",
        "unreplicated()",
        "schema/fast_path/extension.py",
    )
    assert callable(getattr(SchemaExtension, "resolve", None)), changed(
        "SchemaExtension has no `resolve` hook any more", "replicates()", "schema/fast_path/extension.py"
    )


def test_whether_the_view_streams_is_read_from_its_protocols() -> None:
    schema = build_schema()
    plain = GraphQL(schema, subscription_protocols=("graphql-transport-ws",))
    assert adapter.http_streaming(plain) is False
    streaming = sorted(GraphQL.stream_transport_classes_by_protocol)
    assert streaming, changed(
        "GraphQL.stream_transport_classes_by_protocol is empty or gone", "http_streaming"
    )
    assert adapter.http_streaming(GraphQL(schema, subscription_protocols=(streaming[0],))) is True, changed(
        "a view with a streaming protocol is not seen as streaming", "http_streaming"
    )


# Strawberry internals the adapter alone may use (attribute names and internal modules).
PRIVATE = re.compile(
    r"\._schema\b|_provided_operation_name|_stream_transport_map|_raw_info|_implements_resolve"
    r"|DEFINITION_BACKREF|strawberry-definition|strawberry\.schema\.schema_converter"
)
NOT_YET: set[str] = set()  # modules still to move onto the adapter (none)


def test_no_production_module_but_the_adapter_reaches_into_strawberry() -> None:
    offenders = []
    for package in ("gateway", "schema", "resolvers", "webhooks", "billing", "models"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ("schema/strawberry_adapter.py", *NOT_YET):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if PRIVATE.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "Strawberry internals outside schema/strawberry_adapter.py:\n" + "\n".join(
        offenders
    )
