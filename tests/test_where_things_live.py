"""README's "Where things live" is what the code says: every GraphQL root field and every Stripe
event type the gateway handles, with the module answering it (scripts/where_things_live.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "where_things_live", ROOT / "scripts" / "where_things_live.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_names_the_module_of_every_field_and_event() -> None:
    script = _script()
    expected = script.section()
    readme = (ROOT / "README.md").read_text()
    start, end = readme.index(script.BEGIN), readme.index(script.END) + len(script.END)
    assert readme[start:end] == expected, "run: .venv/bin/python scripts/where_things_live.py --write"


def test_every_handled_event_and_root_field_is_listed() -> None:
    from webhooks.handlers import HANDLERS

    section = _script().section()
    assert all(f"| `{event}` |" in section for event in HANDLERS)
    for field in (
        "Query.premium",
        "Mutation.createCheckout",
        "Mutation.redeemGift",
        "LiveUpdates.premiumChanged",
    ):
        assert f"| `{field}` |" in section
