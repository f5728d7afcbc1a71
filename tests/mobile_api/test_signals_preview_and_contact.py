"""Issue 16.3: a number typed into the text without consent is not lost for good.

`POST /api/v1/signals/preview/` tells the app, before sending, what the signal would be and whether
to ask for consent; `POST /api/v1/signals/{id}/contact/` lets the submitter add the contact with
consent within 24 hours.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.listening.models import Signal, SignalContact, SignalEvent
from notifications.models import LiveEvent, Notification
from tests.factories import SignalContactFactory, SignalFactory

pytestmark = pytest.mark.django_db
PREVIEW = "/api/v1/signals/preview/"
LEAD_WITH_NUMBER = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, bel hem op 0612345678"


def contact_url(signal_id: int) -> str:
    return f"/api/v1/signals/{signal_id}/contact/"


# --- preview ---------------------------------------------------------------------------------------
def test_preview_names_kind_urgency_contact_found_and_that_consent_is_needed(bank, client_for) -> None:
    client = client_for(bank.emma)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(PREVIEW, {"text": LEAD_WITH_NUMBER}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["language"], body["urgent"]) == ("lead", "nl", False)
    assert body["suggested_contact"] == {"phone": "+31612345678"}
    assert body["consent_needed"] is True
    assert 0 < body["confidence"] <= 1
    # It stores nothing: no signal, no history, no notification, and no write was even tried.
    assert not Signal.objects.exists() and not SignalEvent.objects.exists()
    assert not Notification.objects.exists() and not LiveEvent.objects.exists()
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_preview_without_contact_details_needs_no_consent_and_flags_an_urgent_complaint(bank, client_for) -> None:
    body = client_for(bank.emma).post(PREVIEW, {
        "text": "Mijn schoonzus haar pinpas is gestolen en er is al 500 euro van haar rekening gehaald!"},
        format="json").json()

    assert (body["kind"], body["urgent"], body["consent_needed"], body["suggested_contact"]) == (
        "complaint", True, False, {})


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": 123}, {"text": ["a", "b"]}, {"text": "x"}])
def test_preview_refuses_what_is_not_text(bank, client_for, payload) -> None:
    response = client_for(bank.emma).post(PREVIEW, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_preview_needs_sign_in(api_client) -> None:
    assert api_client.post(PREVIEW, {"text": LEAD_WITH_NUMBER}, format="json").status_code == 401


# --- adding the contact afterwards ----------------------------------------------------------------------
def _submitted_without_consent(bank, client_for) -> int:
    response = client_for(bank.emma).post("/api/v1/signals/", {"text": LEAD_WITH_NUMBER}, format="json")
    assert response.status_code == 201
    assert "0612345678" not in Signal.objects.get(pk=response.json()["id"]).text
    return response.json()["id"]


def test_the_submitter_adds_the_contact_with_consent_and_the_team_can_call(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)

    response = client_for(bank.emma).post(contact_url(signal_id), {
        "contact": {"name": "Henk", "phone": "0612345678"}, "contact_consent": True}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+31612345678"
    contact = SignalContact.objects.get(signal_id=signal_id)
    assert (contact.name, contact.phone, contact.consent) == ("Henk", "+31612345678", True)
    assert contact.consent_at is not None and contact.consent_wording_version
    team_view = client_for(bank.sam).get(f"/api/v1/signals/{signal_id}/").json()
    assert team_view["contact"]["phone"] == "+31612345678"
    event = SignalEvent.objects.get(signal_id=signal_id, type="contact_added")
    assert event.actor == bank.emma and "0612345678" not in str(event.data) + event.note
    # The team's screens are told to refresh, without the details.
    assert LiveEvent.objects.filter(type="signal.updated").exists()
    assert not [e for e in LiveEvent.objects.all() if "612345678" in str(e.payload)]


def test_without_consent_true_nothing_is_stored(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)
    client = client_for(bank.emma)

    for consent in (False, "yes", "true", 1, None):
        response = client.post(contact_url(signal_id), {"contact": {"phone": "0612345678"},
                                                        "contact_consent": consent}, format="json")
        assert response.status_code == 400, consent
    missing = client.post(contact_url(signal_id), {"contact": {"phone": "0612345678"}}, format="json")

    assert missing.status_code == 400
    assert not SignalContact.objects.exists()


def test_after_24_hours_it_is_a_409(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)
    Signal.objects.filter(pk=signal_id).update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    response = client_for(bank.emma).post(contact_url(signal_id), {
        "contact": {"phone": "0612345678"}, "contact_consent": True}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "contact_window_closed"
    assert not SignalContact.objects.exists()


def test_only_the_submitter_may_add_the_contact(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)

    for person in (bank.lars, bank.sam, bank.pieter, bank.admin):
        response = client_for(person).post(contact_url(signal_id), {
            "contact": {"phone": "0612345678"}, "contact_consent": True}, format="json")
        assert response.status_code == 404, person
    assert not SignalContact.objects.exists()


def test_a_contact_needs_a_phone_or_an_email(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)

    response = client_for(bank.emma).post(contact_url(signal_id), {
        "contact": {"name": "Henk"}, "contact_consent": True}, format="json")

    assert response.status_code == 400
    assert not SignalContact.objects.exists()


def test_a_closed_signal_takes_no_contact(bank, client_for) -> None:
    signal_id = _submitted_without_consent(bank, client_for)
    assert client_for(bank.emma).post(f"/api/v1/signals/{signal_id}/withdraw/").status_code == 200

    response = client_for(bank.emma).post(contact_url(signal_id), {
        "contact": {"phone": "0612345678"}, "contact_consent": True}, format="json")

    assert response.status_code == 409
    assert not SignalContact.objects.exists()


# --- the console's queue shows a phone-only contact ------------------------------------------------------
def test_the_console_queue_row_shows_a_phone_only_contact(bank) -> None:
    from django.test import Client

    signal = SignalFactory.create(kind="lead", team=bank.sales_nl)
    SignalContactFactory.create(signal=signal, name="", phone="+31612345678", email="")
    sam = Client()
    sam.force_login(bank.sam)

    html = sam.get(reverse("console:queue", args=[bank.sales_nl.pk])).content.decode()

    assert 'href="tel:+31612345678"' in html
