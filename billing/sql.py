"""Hand-written read statements that return exactly what Tortoise's `.values()` returns.

Why: on the hottest reads (a payments page, the app-start query) Tortoise
rebuilt the same SQL with pypika for every query; that, with its per-query
bookkeeping, cost more CPU than asyncpg's own work for the statement
(`python -m bench profile S1`, README "Benchmarks"). A `Statement` is written
once, in PostgreSQL's ``$n`` style; for SQLite the placeholders become ``?n``
(numbered, so a parameter may repeat) unless a SQLite text is given.

Rows are dicts of column -> value, each column converted with its model
field's own `to_python_value` exactly when Tortoise's `.values()` would
convert it (fields that are not native to the database: enums everywhere,
datetimes and booleans on SQLite, …). So a row equals, in value and type, what
the equivalent ``Model.filter(…).values(…)`` returns;
tests/graphql/test_read_sql.py compares them over random data on both
databases. Statements go through ``connections.get("default")``, so inside
``in_transaction()`` they run on the transaction's connection like any ORM query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise import Model, connections
from tortoise.fields import Field
from tortoise.fields.data import CharEnumFieldInstance, DatetimeField
from tortoise.timezone import get_default_timezone, get_use_tz

Row = dict[str, Any]
Converter = Callable[[Any], Any]
_MISSING = object()
_PLACEHOLDER = re.compile(r"\$(\d+)")


def converter(field: Field) -> Converter:
    """`field.to_python_value` for a value that is not None, with its common case inlined.

    Same result: an enum field calls its enum on the value; a datetime field
    given an aware datetime in UTC (what asyncpg returns) moves it to Tortoise's
    time zone when ``use_tz`` is on, as `DatetimeField.to_python_value` does.
    Everything else is handed to the field.
    """
    slow = field.to_python_value
    if isinstance(field, CharEnumFieldInstance):
        enum_type = field.enum_type
        members = enum_type._value2member_map_  # where Enum's own lookup by value starts

        def to_member(value: Any) -> Any:
            member = members.get(value, _MISSING)
            return enum_type(value) if member is _MISSING else member

        return to_member
    if isinstance(field, DatetimeField):

        def to_datetime(value: Any) -> Any:
            if value.__class__ is datetime and value.tzinfo is UTC and get_use_tz():
                return value.astimezone(get_default_timezone())
            return slow(value)

        return to_datetime
    return slow


def sqlite_text(postgres: str) -> str:
    """``$1`` -> ``?1``: SQLite's numbered parameters bind like PostgreSQL's."""
    return _PLACEHOLDER.sub(r"?\1", postgres)


class Statement:
    """One read statement and the model fields its result columns come from.

    `columns`: result column -> (model, field name), for the conversion; a
    column not listed is returned as the driver gives it. `sqlite`: the SQLite
    text when it differs by more than its placeholders, or a function of the
    arguments giving (text, arguments) (an ``IN`` list, for example).
    """

    def __init__(
        self,
        postgres: str,
        columns: Mapping[str, tuple[type[Model], str]],
        *,
        sqlite: str | Callable[[Sequence[Any]], tuple[str, list[Any]]] | None = None,
    ) -> None:
        self.postgres = postgres
        self.sqlite = sqlite if sqlite is not None else sqlite_text(postgres)
        self.columns = dict(columns)
        self._converters: dict[str, list[tuple[str, Converter]]] = {}

    def _converters_for(self, dialect: str) -> list[tuple[str, Converter]]:
        """What `.values()` converts on this dialect (ValuesQuery.resolve_to_python_value)."""
        found = self._converters.get(dialect)
        if found is None:
            found = []
            for column, (model, name) in self.columns.items():
                meta = model._meta
                if name not in {native for _, native, _ in meta.db_native_fields}:
                    found.append((column, converter(meta.fields_map[name])))
            self._converters[dialect] = found
        return found

    async def fetch(self, *args: Any) -> list[Row]:
        client = connections.get("default")
        dialect = client.capabilities.dialect
        if dialect == "postgres":
            sql, params = self.postgres, list(args)
        elif callable(self.sqlite):
            sql, params = self.sqlite(args)
        else:
            sql, params = self.sqlite, list(args)
        rows = await client.execute_query_dict(sql, params)
        converters = self._converters_for(dialect)
        for row in rows:
            for column, convert in converters:
                value = row[column]
                if value is not None:
                    row[column] = convert(value)
        return rows


def select_list(fields: Sequence[str], prefix: str = "") -> str:
    """``"id","user_id",…``: the columns of `fields` (field name = column name in our models)."""
    return ",".join(f'{prefix}"{name}"' for name in fields)
