"""Print README's "Where things live": each GraphQL root field and each Stripe event type, with the
module that answers it and the billing module(s) doing the work.

    .venv/bin/python scripts/where_things_live.py          # print the section
    .venv/bin/python scripts/where_things_live.py --write  # rewrite it in README.md

tests/test_where_things_live.py fails when README's section differs from what this prints.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BEGIN = "<!-- where-things-live:begin (scripts/where_things_live.py writes this) -->"
END = "<!-- where-things-live:end -->"


# Shared by everything, so naming them says nothing about where a behaviour lives.
_PLUMBING = {"billing.errors", "billing.stripe.objects", "billing.ids"}


def _path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _billing_modules(func: Any) -> list[str]:
    """The billing modules whose functions or classes `func` names (one hop from its code)."""
    func = inspect.unwrap(func)
    names = set(func.__code__.co_names)
    for const in func.__code__.co_consts:  # nested functions (closures) name things too
        if inspect.iscode(const):
            names |= set(const.co_names)
    found = set()
    for name in names:
        value = func.__globals__.get(name)
        module = getattr(value, "__module__", None) if not inspect.ismodule(value) else value.__name__
        if isinstance(module, str) and module.startswith("billing.") and module not in _PLUMBING:
            found.add(module)
    return sorted(found)


def _cell(modules: list[str]) -> str:
    return ", ".join(f"`{_path(m)}`" for m in modules) or "-"


def graphql_rows() -> list[str]:
    from schema.root import build_schema

    schema = build_schema()
    names = schema.config.name_converter
    rows = []
    for type_name in ("Query", "Mutation", "LiveUpdates"):
        definition = schema.get_type_by_name(type_name)
        if definition is None:
            continue
        for field in definition.fields:
            resolver = field.base_resolver.wrapped_func if field.base_resolver else None
            if resolver is None:
                continue
            where = f"`{_path(resolver.__module__)}`"
            name = names.get_graphql_name(field)
            rows.append(f"| `{type_name}.{name}` | {where} | {_cell(_billing_modules(resolver))} |")
    return rows


def event_rows() -> list[str]:
    from webhooks.handlers import HANDLERS

    return [
        f"| `{event}` | `{_path(handler.__module__)}` | {_cell(_billing_modules(handler))} |"
        for event, handler in sorted(HANDLERS.items())
    ]


def section() -> str:
    lines = [
        BEGIN,
        "| GraphQL root field | answered in | the work, in |",
        "|---|---|---|",
        *graphql_rows(),
        "",
        "| Stripe event | handled in | the work, in |",
        "|---|---|---|",
        *event_rows(),
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    text = section()
    if "--write" not in sys.argv:
        print(text)
        return
    readme = ROOT / "README.md"
    current = readme.read_text()
    start, end = current.index(BEGIN), current.index(END) + len(END)
    readme.write_text(current[:start] + text + current[end:])


if __name__ == "__main__":
    main()
