"""docs/reliability.md names the test that proves each promise: every name it gives must exist, so
the table cannot go on citing a test that was renamed or deleted."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `tests/x/test_y.py::test_z` names a file and a test; a following `::test_w` is in the same file.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?[^`]*`")


def _cited() -> list[tuple[str, str | None]]:
    cited, current = [], None
    for line in (ROOT / "docs" / "reliability.md").read_text().splitlines():
        for path, name in REFERENCE.findall(line):
            if path:
                current = path
            if (path or name) and current:
                cited.append((current, name or None))
    return cited


def _names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_test_the_reliability_table_cites_exists() -> None:
    cited = _cited()
    assert len(cited) > 30  # the parser found the table
    missing = []
    for path, name in cited:
        file = ROOT / path
        if not file.exists():
            missing.append(path)
        elif name and name not in _names(file):
            missing.append(f"{path}::{name}")
    assert not missing, missing
