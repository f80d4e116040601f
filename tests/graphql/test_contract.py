"""The live schema against the public contract and the checked-in snapshot."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema.root import print_sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "CONTRACT.graphql"  # the public contract, as far as the project implements it
SNAPSHOT = ROOT / "schema.graphql"
REGENERATE = (
    "schema.graphql is out of date. Regenerate it with:\n"
    "    .venv/bin/python -c 'from schema.root import print_sdl; "
    'open("schema.graphql", "w").write(print_sdl())\'\n'
    "(or `billing-gateway schema > schema.graphql`) and commit it: frontends generate code from it."
)


def test_no_breaking_change_against_the_contract():
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    live = build_schema(print_sdl())
    changes = [f"{c.type.name}: {c.description}" for c in find_breaking_changes(contract, live)]
    assert changes == [], "the live schema breaks the contract:\n" + "\n".join(changes)


def test_snapshot_is_current():
    # Trailing newlines aside (`billing-gateway schema > schema.graphql` may add one).
    assert SNAPSHOT.read_text(encoding="utf-8").rstrip("\n") == print_sdl().rstrip("\n"), REGENERATE


def test_printed_sdl_names_its_roots():
    printed = print_sdl()
    assert printed.startswith(
        "schema {\n  query: Query\n  mutation: Mutation\n  subscription: LiveUpdates\n}\n"
    )
    rebuilt = build_schema(printed)
    assert rebuilt.query_type.name == "Query"
    assert rebuilt.mutation_type.name == "Mutation"
    assert rebuilt.subscription_type.name == "LiveUpdates"  # the billing `Subscription` is not a root
    assert rebuilt.get_type("Subscription") is not None
