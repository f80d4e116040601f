"""The repository carries everything its code and tests read.

A user's clone has nothing beside it: a path that climbs out of the checkout
(the specification folder a developer happens to have next to it, say) works
on one machine and fails everywhere else. CI also runs the suite from a fresh
`git clone` into an empty folder (scripts/test under CI=true), which catches a
missing file; this test names the line that reaches out.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Text that names a place outside the checkout: a parent folder by relative path, or the
# specification folder that sits beside the checkout on developers' machines.
_OUTSIDE = re.compile(r"\.\./(?!\.\.)|\"shared\"|'shared'|\bshared/(?:stripe|CONTRACT|DESIGN|SANDBOX)")
_PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")
_SKIP = ("gateway/static/vendor/",)


def _tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # an export without .git: walk the tree
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    files = []
    for name in names:
        if name.startswith(_SKIP) or name == "tests/test_self_contained.py":
            continue
        path = ROOT / name
        if path.suffix in (
            ".py",
            ".toml",
            ".cfg",
            ".ini",
            ".sh",
            ".md",
            ".json",
            ".graphql",
            ".yml",
            ".yaml",
        ) or (path.parent.name in ("scripts", ".ci") and path.suffix == ""):
            files.append(path)
    return files


def test_no_file_refers_to_a_path_outside_the_repository() -> None:
    offending = []
    for path in _tracked_text_files():
        relative = path.relative_to(ROOT)
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _OUTSIDE.search(line):
                offending.append(f"{relative}:{number}: {line.strip()}")
            for match in _PARENTS.finditer(line):
                # For a file k folders deep, parents[k] is the checkout's root; anything higher is outside.
                if int(match[1]) > len(relative.parts) - 1:
                    offending.append(f"{relative}:{number}: {line.strip()}")
    assert offending == [], "lines that reach outside the repository:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "path",
    ["CONTRACT.graphql", "stripe_sandbox/shapes/stripe_openapi/fixtures3.json"],
)
def test_the_specifications_the_tests_read_are_in_the_repository(path: str) -> None:
    assert (ROOT / path).is_file(), f"{path} is missing from the repository"


def test_stripe_fixtures_carry_their_licence() -> None:
    licence = (ROOT / "stripe_sandbox/shapes/stripe_openapi/LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Stripe, Inc." in licence
