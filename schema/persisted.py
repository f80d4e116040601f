"""Persisted operations: the hash that names an operation, and the allow-list mode.

An operation is named by the SHA-256 of its exact text, lowercase hex: the id
of Apollo's automatic persisted queries (``extensions.persistedQuery.sha256Hash``)
and of Apollo's persisted query manifests. With GRAPHQL_PERSISTED_ONLY the
gateway runs only operations whose hash is in its checked-in manifests
(`gateway.persisted_queries`); `persisted_only_rule` refuses the rest for every
transport the schema serves (HTTP and websockets).
"""

from __future__ import annotations

import hashlib
from typing import Any

from graphql import BREAK, DocumentNode, GraphQLError, ValidationRule

from schema.types.errors import TopLevelCode

NOT_IN_LIST_MESSAGE = (
    "This gateway runs only the operations of its published clients (GRAPHQL_PERSISTED_ONLY), "
    "and this one is not among them."
)


def operation_hash(text: str) -> str:
    """The operation's id: SHA-256 of its UTF-8 text, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def not_in_list() -> GraphQLError:
    return GraphQLError(
        NOT_IN_LIST_MESSAGE, extensions={"code": str(TopLevelCode.PERSISTED_QUERY_NOT_IN_LIST)}
    )


def persisted_only_rule(allowed: frozenset[str]) -> type[ValidationRule]:
    """A validation rule refusing any document whose text is not one of `allowed` (their hashes).

    A rule, not an operation hook: validation errors reach every transport alike (an HTTP
    answer, a websocket `error` message) and are cached with the document's other results.
    """

    class PersistedOnlyRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            source = node.loc.source.body if node.loc is not None else None
            if source is None or operation_hash(source) not in allowed:
                self.report_error(not_in_list())
            return BREAK

    return PersistedOnlyRule
