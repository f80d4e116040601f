"""No "Did you mean …?" in error messages when introspection is off.

graphql-core's validation (and variable coercion) suggest the names closest
to a mistyped one: "Cannot query field 'userBillin' on type 'Query'. Did you
mean 'userBilling'?". With introspection switched off that hands the schema
out one name at a time, so the suggestions go with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)


def without_suggestion(error: GraphQLError) -> GraphQLError:
    if "Did you mean" not in error.message:
        return error
    return GraphQLError(
        _SUGGESTION.sub("", error.message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


def _strip(errors: list[GraphQLError] | None) -> None:
    """In place: the list may already be the one Strawberry returns (and ValidationCache keeps)."""
    for index, error in enumerate(errors or []):
        errors[index] = without_suggestion(error)  # type: ignore[index]


class NoSuggestions(SchemaExtension):
    """Removes suggestions from validation and execution errors (used when introspection is off)."""

    def on_validate(self) -> Iterator[None]:  # type: ignore[override]
        yield
        _strip(self.execution_context.pre_execution_errors)

    def on_operation(self) -> Iterator[None]:  # type: ignore[override]
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            _strip(result.errors)
