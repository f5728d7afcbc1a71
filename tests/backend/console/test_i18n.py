"""The console speaks Dutch, Danish and English (the catalogues themselves are checked by
tests/test_locale.py)."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from backend.listening.models import SignalEvent
from tests.factories import SignalFactory


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
    browser_for(bank.sofie, language="nl").get(reverse("console:queue", args=[bank.support.pk]))

    response = client_for(bank.sofie).post("/api/v1/signals/", {}, format="json")

    # The API speaks Sofie's profile language (Danish), not the Dutch she chose in the console.
    assert response.json()["error"]["message"] == "Nogle felter er ikke gyldige."


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "kind", "status", "routed"), [
    ("nl", "Vrienden- en familiekorting", "nieuw", "Doorgestuurd"),
    ("da", "Venne- og familierabat", "ny", "Sendt videre")])
def test_the_signal_page_shows_words_not_stored_values_and_plain_numbers_in_attributes(
        bank, browser_for, language, kind, status, routed) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, kind="friend_discount",
                                  scores={"friend_discount": 0.96, "lead": 0.03, "complaint": 0.01})
    SignalEvent.objects.create(signal=signal, type="routed", to_status="new")

    html = browser_for(bank.sam, language=language).get(reverse("console:signal", args=[signal.pk])).content.decode()

    assert 'value="0.96"' in html and 'value="0,96"' not in html
    assert kind in html and routed in html
    assert f'<dd id="status">{status}</dd>' in html
    text = re.sub(r"<[^>]+>", " ", html)  # what a person reads, not attribute values
    assert "friend_discount" not in text and " new " not in text
