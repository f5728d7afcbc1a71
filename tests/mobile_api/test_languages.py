"""Errors and warnings are written in the person's language — their profile's when signed in, the
request's Accept-Language otherwise — and the error `code` is the same in every language."""
from __future__ import annotations

import pytest

from backend.listening.models import Signal
from tests.factories import GuidelinesFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"
NO_CONSENT = {"text": "Mijn buurman wil een hypotheek, bel hem", "contact": {"phone": "0612345678"}}


@pytest.mark.parametrize(("who", "accept", "message"), [
    ("emma", "en", "Contactgegevens worden alleen bewaard als de persoon ermee instemt benaderd te worden."),
    ("lars", "nl", "Kontaktoplysninger gemmes kun, når personen har sagt ja til at blive kontaktet."),
])
def test_a_refusal_speaks_the_profile_language_whatever_the_phone_asks(bank, client_for, who, accept, message) -> None:
    response = client_for(getattr(bank, who)).post(URL, NO_CONSENT, format="json", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "consent_required"
    assert error["message"] == message
    assert not Signal.objects.exists()


def test_the_error_code_is_the_same_in_every_language(bank, client_for) -> None:
    codes = {
        who: client_for(getattr(bank, who)).post(URL, NO_CONSENT, format="json").json()["error"]
        for who in ("emma", "lars", "admin")
    }

    assert {e["code"] for e in codes.values()} == {"consent_required"}
    assert len({e["message"] for e in codes.values()}) == 3
    assert codes["admin"]["message"] == "Contact details can only be stored when the person agreed to be contacted."


@pytest.mark.parametrize(("accept", "message"), [
    ("da-DK,da;q=0.9,en;q=0.5", "Ikke fundet."), ("nl", "Niet gevonden."), ("", "Not found.")])
def test_before_sign_in_accept_language_decides(api_client, accept, message) -> None:
    response = api_client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": message, "fields": {}}


def test_drf_s_own_messages_follow_the_profile_language_too(bank, client_for) -> None:
    response = client_for(bank.lars).post(URL, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["message"] == "Nogle felter er ikke gyldige."
    assert response.json()["error"]["fields"]["text"] == ["Dette felt er påkrævet."]


@pytest.mark.parametrize(("who", "text"), [
    ("emma", "Wees jezelf."), ("lars", "Vær dig selv."), ("admin", "Be yourself.")])
def test_the_guidelines_come_in_the_readers_language_with_the_original_as_fallback(bank, client_for, who, text) -> None:
    GuidelinesFactory.create(text="Be yourself.", translations={"nl": "Wees jezelf.", "da": "Vær dig selv."})

    body = client_for(getattr(bank, who)).get("/api/v1/guidelines/").json()

    assert body["text"] == text
