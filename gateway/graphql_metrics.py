"""Counting GraphQL operations by name and outcome, with their latency (a Strawberry extension).

Only `on_operation` is hooked: no per-field resolve hook, so the cost per
request is two clock reads, a look at the top level of the result and two
metric updates (a few microseconds against milliseconds of execution; see
PERFORMANCE.md on keeping per-request overhead small).

Outcome:
- ``error``: any error the client gets masked (a server fault; `is_expected_error` is false);
- ``user_error``: only the client's own mistakes (bad token, bad input, parse or
  validation errors, rate limits), or a mutation payload with non-empty ``userErrors``;
- ``ok``: otherwise.
A payload whose ``userErrors`` the client did not select cannot be told apart
from a success here; the frontends always select them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.metrics import GRAPHQL_DURATION, GRAPHQL_OPERATIONS, BoundedLabel
from schema.types.errors import is_expected_error

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_operation_names = BoundedLabel(200)


def name_label(name: str | None) -> str:
    """An operation name as a metric label: bounded in number and shape."""
    if name is None:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "invalid"
    return _operation_names(name)


def operation_label(context: ExecutionContext) -> tuple[str, str]:
    """(operation name, operation type) as metric labels, bounded and never raising."""
    try:
        name = context.operation_name
    except Exception:
        name = None
    try:
        kind = context.operation_type.value
    except Exception:  # no document (parse error) or no such operation in it
        kind = "unknown"
    return name_label(name), kind


def data_outcome(data: Any) -> str:
    """The outcome of an answer without errors: ``user_error`` if a payload has ``userErrors``."""
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, dict) and value.get("userErrors"):
                return "user_error"
    return "ok"


def outcome_of(context: ExecutionContext, raised: BaseException | None = None) -> str:
    """`raised`: what left the operation early (a parse error raised by the parser-cache extension,
    before any result exists; Strawberry turns a GraphQLError into the response's error)."""
    if raised is not None:
        return "user_error" if isinstance(raised, GraphQLError) and raised.path is None else "error"
    result = context.result
    errors = (getattr(result, "errors", None) or context.pre_execution_errors) or []
    if any(not is_expected_error(error) for error in errors):
        return "error"
    if errors:
        return "user_error"
    return data_outcome(getattr(result, "data", None))


def record_operation(name: str | None, kind: str, data: Any, seconds: float) -> None:
    """Count an operation answered without errors outside Strawberry (`gateway.graphql_view`)."""
    label = name_label(name)
    GRAPHQL_OPERATIONS.labels(label, kind, data_outcome(data)).inc()
    GRAPHQL_DURATION.labels(label, kind).observe(seconds)


class GraphQLMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        raised: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            raised = exc
            raise
        finally:
            context = self.execution_context
            name, kind = operation_label(context)
            GRAPHQL_OPERATIONS.labels(name, kind, outcome_of(context, raised)).inc()
            GRAPHQL_DURATION.labels(name, kind).observe(time.perf_counter() - started)


def instrument_schema(schema: Any) -> Any:
    """Add the metrics extension to a built Strawberry schema (once); returns the schema."""
    if GraphQLMetrics not in schema.extensions:
        schema.extensions = (*schema.extensions, GraphQLMetrics)
    return schema
