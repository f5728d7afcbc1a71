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


# Environment variables: `env.int("NAME", …)` in the settings module, `os.environ.get("NAME")` elsewhere.
_SETTINGS_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")
_ENVIRON_READ = re.compile(r"""(?:os\.environ(?:\.get)?\(|os\.getenv\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]+)["']""")
# A row of configuration.md's table names one or more variables in its first cell.
_TABLE_ROW = re.compile(r"^\| (`[A-Z][^|]*)\|", re.MULTILINE)
# Read by a library or a tool, not by our code: documented, but no `env(...)` call names them.
_READ_ELSEWHERE = {"PROMETHEUS_MULTIPROC_DIR", "TEST_DATABASE_NAME", "RELAY_REQUIRE_SERVICES", "PORT", "HOST"}


def _variables_the_code_reads() -> set[str]:
    names = set(_SETTINGS_READ.findall((ROOT / "backend" / "settings.py").read_text()))
    for folder in ("backend", "mobile_api", "notifications", "nlp"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(_ENVIRON_READ.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def _variables_documented() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    return {name for cell in _TABLE_ROW.findall(text) for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_configuration_md_lists_every_variable_the_code_reads() -> None:
    read = _variables_the_code_reads()
    assert {"SECRET_KEY", "METRICS_TOKEN", "RELAY_NLP_MODEL_DIR"} <= read  # the parser found them
    missing = sorted(read - _variables_documented())
    assert not missing, f"docs/configuration.md has no row for {missing}"


def test_configuration_md_lists_no_variable_nothing_reads() -> None:
    stale = sorted(_variables_documented() - _variables_the_code_reads() - _READ_ELSEWHERE)
    assert not stale, f"docs/configuration.md documents {stale}, which no code reads"


def test_readme_stays_short_and_its_configuration_table_names_only_real_variables() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200, "README gets a newcomer running; the depth goes in docs/"
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    named = {name for cell in _TABLE_ROW.findall(section) for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert {"AUTH_PASSWORD_LOGIN", "OIDC_ISSUER", "OIDC_CLIENT_ID"} <= named  # issue 17's contract
    unknown = sorted(named - _variables_documented())
    assert not unknown, f"README's configuration table names {unknown}, which docs/configuration.md does not"
