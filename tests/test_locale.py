"""Every catalogue — the API's in locale/, the console's in backend/console/locale/ — is complete,
compiled from its source, and knows every string the code marks for translation. Other changes add
English strings with gettext; this fails until `make messages` has run and they are translated."""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po"))
CATALOGUES = [p for p in CATALOGUES if ".venv" not in p.parts and "var" not in p.relative_to(ROOT).parts]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w*\}")


def _entries(po: Path) -> list[tuple[str, str, str]]:
    """(flags, msgid, msgstr) of each entry after the header; the forms of a plural msgstr are
    joined with NUL. Obsolete entries (`#~`) are left out."""
    out = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        flags, key = "", ""
        parts: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                parts[key] += line[1:-1]
            else:
                key, _, rest = line.partition(" ")
                parts[key] = rest[1:-1]
        if "msgid" in parts:
            msgstr = "\x00".join(v for k, v in parts.items() if k.startswith("msgstr"))
            out.append((flags, parts["msgid"], msgstr))
    return out[1:]


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{tool} (Debian gettext) is required here (RELAY_REQUIRE_SERVICES=1)")
        pytest.skip(f"{tool} is not installed (apt-get install gettext)")


def test_there_is_an_api_and_a_console_catalogue_per_language() -> None:
    assert {str(p.relative_to(ROOT)) for p in CATALOGUES} >= {
        f"{where}/{lang}/LC_MESSAGES/django.po"
        for where in ("locale", "backend/console/locale") for lang in ("nl", "da")
    }


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_entry_is_untranslated_or_fuzzy(po: Path) -> None:
    entries = _entries(po)

    assert len(entries) > 50
    assert [msgid for flags, msgid, _ in entries if "fuzzy" in flags] == []
    assert [msgid for _, msgid, msgstr in entries if not all(msgstr.split("\x00"))] == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_translation_keeps_the_placeholders_of_its_source(po: Path) -> None:
    wrong = [
        (msgid, msgstr) for _, msgid, msgstr in _entries(po)
        if any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(msgid)) for s in msgstr.split("\x00"))
    ]
    assert wrong == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_is_its_source_compiled(po: Path, tmp_path: Path) -> None:
    _require("msgfmt")
    fresh = tmp_path / "django.mo"

    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True, timeout=60)

    with po.with_suffix(".mo").open("rb") as shipped, fresh.open("rb") as compiled:
        shipped_catalog = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]  # no public accessor
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]  # no public accessor
    assert shipped_catalog == compiled_catalog


def test_every_string_marked_in_the_code_is_in_the_catalogues(tmp_path: Path, settings) -> None:
    """makemessages over a copy of the sources: any msgid it finds that a catalogue lacks is a
    string someone marked and nobody translated yet (run `make messages`)."""
    _require("xgettext")
    for folder in ("backend", "mobile_api", "notifications"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.po", "*.mo", "__pycache__"))
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["nl"], no_wrap=True, verbosity=0)
    finally:
        os.chdir(cwd)

    missing = {}
    for fresh in tmp_path.glob("**/locale/nl/LC_MESSAGES/django.po"):
        shipped = ROOT / fresh.relative_to(tmp_path)
        have = {msgid for _, msgid, _ in _entries(shipped)} if shipped.exists() else set()
        new = {msgid for _, msgid, _ in _entries(fresh)} - have
        if new:
            missing[str(shipped.relative_to(ROOT))] = sorted(new)
    assert missing == {}
