"""The console speaks Dutch, Danish and English; the compiled catalogues in the repo are complete
and match their sources."""
from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import REQUIRE_SERVICES

LOCALE = Path(__file__).resolve().parents[3] / "backend" / "console" / "locale"


def entries(po: Path) -> list[str]:
    """The raw entries of a .po file (the header first)."""
    return [block for block in po.read_text(encoding="utf-8").split("\n\n") if "msgid" in block]


@pytest.mark.parametrize("language", ["nl", "da"])
def test_every_string_is_translated_and_none_is_fuzzy(language) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"

    blocks = entries(po)[1:]

    assert len(blocks) > 150
    assert [b for b in blocks if "#, fuzzy" in b] == []
    assert [b for b in blocks if 'msgstr ""\n' in b + "\n" or 'msgstr[0] ""' in b or 'msgstr[1] ""' in b] == []


@pytest.mark.parametrize("language", ["nl", "da"])
def test_the_compiled_catalogue_is_the_source_compiled(language, tmp_path) -> None:
    if shutil.which("msgfmt") is None:
        if REQUIRE_SERVICES:
            pytest.fail("msgfmt (Debian gettext) is required here (RELAY_REQUIRE_SERVICES=1)")
        pytest.skip("msgfmt is not installed")
    folder = LOCALE / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"

    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(folder / "django.po")], check=True, timeout=60)

    with (folder / "django.mo").open("rb") as shipped, fresh.open("rb") as compiled:
        shipped_catalog = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]  # no public accessor
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]  # no public accessor
    assert shipped_catalog == compiled_catalog


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "waiting", "sign_out"), [
    ("nl", "Wachtend", "Afmelden"), ("da", "Venter", "Log ud"), ("en", "Waiting", "Sign out")])
def test_the_queue_page_in_each_language(bank, browser_for, language, waiting, sign_out) -> None:
    client = browser_for(bank.sam, language=None)
    client.post(reverse("console:language"), {"language": language})

    html = client.get(reverse("console:queue", args=[bank.sales_nl.pk])).content.decode()

    assert f'<html lang="{language}">' in html
    assert waiting in html and sign_out in html


@pytest.mark.django_db
def test_without_a_choice_the_console_uses_the_persons_app_language(bank, browser_for) -> None:
    html = browser_for(bank.sofie, language=None).get(reverse("console:queue", args=[bank.support.pk])).content.decode()

    assert '<html lang="da">' in html and "Venter" in html


@pytest.mark.django_db
def test_the_console_language_does_not_leak_into_the_api(bank, browser_for, client_for) -> None:
    browser_for(bank.sofie, language="da").get(reverse("console:queue", args=[bank.support.pk]))

    response = client_for(bank.sofie).post("/api/v1/signals/", {}, format="json")

    assert response.json()["error"]["message"] == "Some fields are not valid."
