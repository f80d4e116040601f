"""`FastPath`, the schema extension that plans and serves known queries, and what it accounts for.

A known query is answered without graphql-core's executor: in the view by
`FastPath` (after parsing and validation, inside the other extensions'
hooks) or, once known, before the view by `gateway.graphql_view` (no
extension hook runs there at all). Either way every schema extension that
would act on the request must be accounted for: an audit or rate-limit
extension added later must not be skipped silently on known queries. So:

- `replicates(extension_class, how)` declares one extension class as
  accounted for, and how (below for this package's and Strawberry's own;
  `gateway.graphql_view` declares the metrics it records itself);
- `FastPath` serves only a schema all of whose extensions are declared
  (anything else: the executor answers, with every extension);
- `require_replicated(schema)` raises `FastPathRefused` naming the others:
  the view calls it at start, so an app with an extension the fast path does
  not replicate refuses to start until the fast path is turned off
  (`SchemaOptions(fast_path=False)`) or taught the extension.

The class must match exactly (a subclass may change what its base did), and
an extension with a `resolve` hook cannot be declared: it runs around every
field the executor resolves, which the compiled completion does not do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import OperationDefinitionNode, get_operation_ast
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from schema.fast_path.completion import Unsupported
from schema.fast_path.plans import KnownOperations, OperationPlan, compile_operation, run_plan
from schema.no_suggestions import NoSuggestions
from schema.strawberry_adapter import graphql_schema

REPLICATED: dict[type[SchemaExtension], str] = {}
_VERDICTS_SIZE = 64
_verdicts: dict[tuple[object, ...], bool] = {}


class FastPathRefused(RuntimeError):
    """The schema has extensions the fast path would skip on known queries."""


def replicates(extension_class: type[SchemaExtension], how: str) -> None:
    """Declare that known queries get what `extension_class` does on any other (`how`: why or where)."""
    if extension_class.resolve is not SchemaExtension.resolve:
        raise ValueError(
            f"{extension_class.__qualname__} has a resolve hook (it runs around each field the "
            "executor resolves): the fast path cannot replicate it"
        )
    REPLICATED[extension_class] = how


def unreplicated(schema: Schema) -> list[str]:
    """The extensions of `schema` (as Strawberry instantiates them per request) not declared."""
    return [
        f"{type(extension).__module__}.{type(extension).__qualname__}"
        for extension in schema.get_extensions()
        if type(extension) not in REPLICATED
    ]


def require_replicated(schema: Schema) -> None:
    """Raise FastPathRefused, naming them, when `schema` has extensions the fast path would skip."""
    missing = unreplicated(schema)
    if missing:
        raise FastPathRefused(
            f"the fast path does not replicate the schema extension(s) {', '.join(missing)}: known "
            "queries answered without the executor would skip them. Build the schema without the "
            "fast path (SchemaOptions(fast_path=False)), or make the fast path do what the "
            "extension does and declare it with schema.fast_path.replicates(extension_class, how)."
        )


def serves(schema: Schema) -> bool:
    """Whether the fast path may answer for `schema`: every extension declared (remembered per set)."""
    key = (*schema.extensions, len(schema.directives))
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = not unreplicated(schema)
        if len(_verdicts) >= _VERDICTS_SIZE:
            _verdicts.clear()
        _verdicts[key] = verdict
    return verdict


class FastPath(SchemaExtension):
    """Answers supported read queries without the executor (see `schema.fast_path`)."""

    known = KnownOperations()
    served = 0  # answers given without the executor (per process; for tests and benchmarks)

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        await self._answer()
        yield

    async def _answer(self) -> None:
        context = self.execution_context
        document = context.graphql_document
        query = context.query
        if document is None or context.result is not None or query is None or not serves(context.schema):
            return
        gql_schema = graphql_schema(context.schema)
        # The operation Strawberry executes: the request's operationName, else the document's first.
        name = context.operation_name

        def build() -> tuple[OperationPlan, bool]:
            operation = get_operation_ast(document, name)
            if operation is None:
                raise Unsupported("no such operation")
            first = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
            return compile_operation(gql_schema, document, operation), operation is first

        plan = self.known.plan_for(query, name, build)
        if plan is None:
            return
        try:
            data = await run_plan(plan, gql_schema, context.context, context.variables, context.root_value)
        except Unsupported:
            return
        context.result = GraphQLExecutionResult(data=data, errors=None)
        type(self).served += 1


replicates(FastPath, "the fast path itself")
replicates(MaskErrors, "it rewrites errors; a fast-path answer has none (any error: the executor answers)")
replicates(NoSuggestions, "it rewrites error messages; a fast-path answer has none")
replicates(MaxTokensLimiter, "it limits the text, which passed it when the query became known")
replicates(ParserCache, "a known query is not parsed again")
replicates(AddValidationRules, "rules see the document alone, which passed them when it became known")
replicates(ValidationCache, "a known query is not validated again (it passed when it became known)")
