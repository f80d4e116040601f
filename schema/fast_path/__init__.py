"""A compiled fast path for plain read queries: the same answer without graphql-core's executor.

Why: with parsing and validation cached, graphql-core's executor is most of a
read request's CPU (see PERFORMANCE.md and `python -m bench profile S1`): it
builds an info object, checks and completes every field of a payments page.
Our list types are plain attributes filled by the top-level resolver, so once
the root resolvers have run, the answer is a walk over Python objects.

`FastPath` (extension.py) is a Strawberry extension. In `on_execute` it looks
at the already parsed and validated operation; if every part of it is
something it can answer exactly as the executor would, it runs the root
fields' resolvers itself and hands Strawberry the finished result, so the
executor is skipped. The plan is remembered (plans.py), and
`gateway.graphql_view` answers later requests with the same text from it,
before Strawberry's view. Supported, else the executor runs as always:

- a query operation (no mutations) whose root fields are read-only
  (`READ_ONLY_ROOT_FIELDS`), with arguments of scalar types (others only
  absent or null); each resolved through the field's own `resolve`, as the
  executor does: the same permission checks, field extensions and argument
  conversion (a denial raises, and the executor answers it);
- below the root, object types whose fields are plain attributes or
  argument-free sync methods of the object (`Money.formatted`), with no
  permission or field extension; lists, scalars, enums and `__typename`;
  no fragments, no directives, no interfaces or unions (completion.py);
- a schema whose every extension the fast path accounts for (extension.py:
  `replicates`, `require_replicated`);
- a resolver that raises, a null in a non-null position, or a value the
  executor would reject all fall back to the executor, which then produces
  its usual error. The fallback re-runs the root resolvers, so only reads
  (side-effect-free resolvers) may be served here.

Leaves are serialised with the schema's own scalar and enum `serialize`, so the
output is byte-for-byte the executor's (tests/bench/test_fast_path_differential.py
compares both over random data). What it needs of Strawberry beyond public API
is in `schema.strawberry_adapter`.
"""

from schema.fast_path.completion import DATETIME_JSON_OPTION, Unsupported
from schema.fast_path.extension import (
    REPLICATED,
    FastPath,
    FastPathRefused,
    replicates,
    require_replicated,
    serves,
    unreplicated,
)
from schema.fast_path.plans import READ_ONLY_ROOT_FIELDS, KnownOperations, OperationPlan, run_plan

__all__ = [
    "DATETIME_JSON_OPTION",
    "READ_ONLY_ROOT_FIELDS",
    "REPLICATED",
    "FastPath",
    "FastPathRefused",
    "KnownOperations",
    "OperationPlan",
    "Unsupported",
    "replicates",
    "require_replicated",
    "run_plan",
    "serves",
    "unreplicated",
]
