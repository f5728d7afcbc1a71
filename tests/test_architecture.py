"""The layering rules of STYLE.md, made mechanical with import-linter (.importlinter)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("backend", "mobile_api", "notifications", "nlp")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("importer", "imported"), [
    ("backend/listening/services.py", "mobile_api.throttles"),  # the domain never imports a way in
    ("backend/sharing/selectors.py", "backend.console.access"),
    ("backend/console/access.py", "mobile_api.throttles"),  # the ways in are independent
    ("mobile_api/v1/signals.py", "notifications.consumers"),
    ("backend/listening/routing.py", "backend.sharing.models"),  # domain apps are independent
    ("notifications/services.py", "backend.listening.models"),  # the outbox sits below the domain
    ("notifications/tasks.py", "backend.celery"),  # tasks are shared_task, not bound to the app
    ("backend/people/models.py", "notifications.models"),
    ("backend/core/errors.py", "backend.people.models"),
    ("nlp/__init__.py", "django.conf"),
])
def test_an_import_against_the_layers_breaks_a_contract(tmp_path: Path, importer: str, imported: str) -> None:
    """The contracts are strict enough to catch what they are there for: a copy of the code with one
    such import added fails."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    with (tmp_path / importer).open("a") as module:
        module.write(f"\nimport {imported}  # the import under test\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken." in result.stdout
