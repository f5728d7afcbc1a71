"""Issue 15 (low): a display name cannot carry bidi overrides or invisible characters, and an agent
sees the e-mail beside a name, which anyone may choose freely (even another person's)."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backend.console.access import SESSION_LANGUAGE
from tests.factories import SignalFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("sent", "stored"), [
    ("Emma \u202eknaB\u202c", "Emma knaB"),            # right-to-left override and pop
    ("Pie\u200bter\u2060 de\ufeff Vries", "Pieter de Vries"),  # zero-width characters
    ("  Sam\n\tJansen  ", "Sam Jansen"),                # one line, single spaces
    ("Lars \u2066Ole\u2069", "Lars Ole"),              # bidi isolates
])
def test_display_names_are_cleaned_like_signal_text(bank, client_for, sent: str, stored: str) -> None:
    response = client_for(bank.emma).patch("/api/v1/me/", {"display_name": sent}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"] == stored
    bank.emma.profile.refresh_from_db()
    assert bank.emma.profile.display_name == stored


def test_a_name_of_only_invisible_characters_is_refused(bank, client_for) -> None:
    response = client_for(bank.emma).patch("/api/v1/me/", {"display_name": "\u200b\u202e\u200d"}, format="json")

    assert response.status_code == 400
    assert "display_name" in response.json()["error"]["fields"]


def test_the_console_shows_the_email_beside_a_borrowed_name(bank, client_for) -> None:
    client_for(bank.emma).patch("/api/v1/me/", {"display_name": bank.sam.profile.display_name}, format="json")
    signal = SignalFactory.create(submitter=bank.emma, team=bank.sales_nl, kind="lead", assignee=bank.pieter,
                                  status="claimed")
    browser = Client()
    browser.force_login(bank.sam)
    session = browser.session
    session[SESSION_LANGUAGE] = "en"
    session.save()

    html = browser.get(reverse("console:signal", args=[signal.pk])).content.decode()

    assert f"&lt;{bank.emma.email}&gt;" in html
    assert f"&lt;{bank.pieter.email}&gt;" in html
