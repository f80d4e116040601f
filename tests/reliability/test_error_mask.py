"""The error mask's side door: errors without a path.

`is_expected_error` lets path-less errors through unchanged, because parsing,
validation and variable coercion (the client's own mistakes) make them. But a
server-side exception can also arrive without a path: Strawberry wraps one
raised by an extension hook, or by a subscription's source stream, as
``GraphQLError(str(exc), original_error=exc)``. These tests raise such an
exception (a message holding a fake password and host, as a driver error
would) inside the real schema and check that the client never sees its text,
while the client's own mistakes keep their useful messages.

The websocket end of it (a subscription whose source fails because PostgreSQL
is cut off) is in test_live_attacks.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from graphql import GraphQLError
from rel_support import Figures
from strawberry.extensions import SchemaExtension

from schema.root import MASKED_MESSAGE, GatewaySchema, build_schema

pytestmark = [pytest.mark.reliability]

SECRET = "password=hunter2 host=db.internal:5432"


class FailsOnExecute(SchemaExtension):
    """A bug in an extension: its on_execute hook raises (as FastPath would if it broke)."""

    def on_execute(self) -> Iterator[None]:
        raise RuntimeError(f"connection failed: {SECRET}")
        yield  # pragma: no cover


def _schema_with(extension: type[SchemaExtension]) -> GatewaySchema:
    schema = build_schema()
    schema.extensions = [*schema.extensions, extension]
    return schema


def _messages(errors: list[GraphQLError] | None) -> list[str]:
    return [error.message for error in errors or []]


async def _first(stream: Any) -> Any:
    assert isinstance(stream, AsyncIterator), stream
    try:
        return await anext(stream)
    finally:
        await stream.aclose()


async def test_an_extension_failure_in_a_subscription_is_masked(figures: Figures) -> None:
    schema = _schema_with(FailsOnExecute)
    tried = 0
    for query in (
        "subscription { premiumChanged { active } }",
        "subscription { paymentUpdated { id status } }",
    ):
        result = await _first(await schema.subscribe(query))
        assert _messages(result.errors) == [MASKED_MESSAGE], result.errors
        assert SECRET not in str(result.errors)
        tried += 1
    figures.record(
        "path-less server errors: extension hook failing under a subscription",
        tried,
        fixed="is_expected_error masks a path-less error carrying a server exception (113cac8);"
        " and GatewaySchema.execute masks the same under a query or mutation",
    )


async def test_an_extension_failure_in_a_query_is_masked() -> None:
    """The same fault under a query: MaskErrors never sees it, GatewaySchema.execute must."""
    schema = _schema_with(FailsOnExecute)
    result = await schema.execute("{ prices { lookupKey } }")
    assert _messages(result.errors) == [MASKED_MESSAGE], result.errors
    assert SECRET not in str(result.errors)


async def test_the_clients_own_mistakes_keep_their_messages(figures: Figures) -> None:
    """The control: the stricter rule must not hide what the client needs to fix its request."""
    schema = build_schema()
    cases = {
        "syntax": ("{ prices { lookupKey ", None, "Syntax Error"),
        "unknown field": ("{ prices { nope } }", None, "Cannot query field 'nope'"),
        "variable type": (
            "query($f: Int) { payments(first: $f) { edges { node { id } } } }",
            {"f": "ten"},
            "Variable '$f' has invalid value",
        ),
        "subscription validation": ("subscription { premiumChanged { nope } }", None, "Cannot query field"),
    }
    for name, (query, variables, expected) in cases.items():
        if query.startswith("subscription"):
            result = await schema.subscribe(query, variable_values=variables)
            if isinstance(result, AsyncIterator):
                result = await _first(result)
        else:
            result = await schema.execute(query, variable_values=variables)
        messages = _messages(result.errors)
        assert messages and expected in messages[0] and MASKED_MESSAGE not in messages, (name, messages)
    figures.record("path-less client errors keep their message (control)", len(cases))
