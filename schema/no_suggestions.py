"""No schema names an error did not get from the query, when introspection is off.

graphql-core's validation (and variable coercion) suggest the names closest
to a mistyped one: "Cannot query field 'userBillin' on type 'Query'. Did you
mean 'userBilling'?", also in the middle of a message ("… unknown field
'productTyp'. Did you mean 'productType'? Found: …"), and name what is
missing: "… to include required field 'cancelUrl' …", "Argument
'Query.giftCode(code:)' … is required". With introspection switched off that
hands the schema out one name at a time, so those names go: the message still
says what is wrong and where (its locations), not what the schema holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

# (pattern, replacement): every message graphql-core 3.2 words with a name the query lacks.
_REWRITES = (
    (re.compile(r"\s*Did you mean [^?]*\?"), ""),
    (re.compile(r"to include required field '[^']*'"), "to include all of its required fields"),
    (
        re.compile(r"Field '[^']*' of required type '[^']*' was not provided"),
        "A required field was not provided",
    ),
    (
        re.compile(r"Argument '([^'(]*)\([^')]*:\)' of type '[^']*' is required, but it was not provided"),
        r"Field '\1' is missing a required argument",
    ),
)


def _rewritten(message: str) -> str:
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    return message


def without_suggestion(error: GraphQLError) -> GraphQLError:
    message = _rewritten(error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


def _strip(errors: list[GraphQLError] | None) -> None:
    """In place: the list may already be the one Strawberry returns (and ValidationCache keeps).
    Messages that became the same at the same place (one per missing field) are kept once."""
    if not errors:
        return
    seen: set[tuple[str, str]] = set()
    kept: list[GraphQLError] = []
    for error in errors:
        error = without_suggestion(error)
        key = (error.message, repr(error.locations))
        if key not in seen:
            seen.add(key)
            kept.append(error)
    errors[:] = kept


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
