"""A query's cost in items, counted before it runs (GRAPHQL_MAX_NODES), in the manner of GitHub's
node limit: each paginated field asks for up to `first` items for every item of the connection
around it, and aliases add up. Depth, alias and token limits alone let 30 aliases of
`payments(first: 100)` with every field through: a 10 KB request for a 2 MB answer.

Counted statically, so the rule runs in validation and its verdict is cached with the document
(a known or persisted query is costed once): a `first` given as a variable counts as the largest
page the API serves (`MAX_FIRST`), an omitted one as its default.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)

from billing.pagination import DEFAULT_FIRST, MAX_FIRST
from schema.types.errors import TopLevelCode


def _page_size(node: FieldNode, field: GraphQLField) -> int | None:
    """Items one occurrence of a paginated field may return; None for a field without `first`."""
    if "first" not in field.args:
        return None
    given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
    if given is None or isinstance(given, NullValueNode):
        return DEFAULT_FIRST
    if isinstance(given, IntValueNode):
        return max(0, int(given.value))
    return MAX_FIRST  # a variable: its largest allowed value


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode, document: Any) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)

    def walk(selections: SelectionSetNode, parent: Any, multiplier: int, seen: frozenset[str]) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                field = getattr(parent, "fields", {}).get(selection.name.value)
                if field is None:
                    continue  # validation names the unknown field
                page = _page_size(selection, field)
                inner = multiplier * page if page is not None else multiplier
                if page is not None:
                    total += inner
                if selection.selection_set is not None:
                    total += walk(selection.selection_set, get_named_type(field.type), inner, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                total += walk(selection.selection_set, target, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: other rules report it
                target = schema.get_type(fragment.type_condition.name.value)
                total += walk(fragment.selection_set, target, multiplier, seen | {name})
        return total

    return walk(operation.selection_set, root, 1, frozenset()) if root is not None else 0


def max_nodes_rule(limit: int) -> type[ValidationRule]:
    class MaxNodesRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = query_cost(self.context.schema, node, self.context.document)
            if cost > limit:
                self.report_error(
                    GraphQLError(
                        f"This query asks for up to {cost} items (page sizes times nesting, summed over "
                        f"aliases); one query may ask for at most {limit} (GRAPHQL_MAX_NODES). Ask for "
                        "smaller pages, fewer aliases or less nesting.",
                        node,
                        extensions={"code": str(TopLevelCode.BAD_USER_INPUT), "cost": cost, "limit": limit},
                    )
                )

    return MaxNodesRule
