"""Issue 15, item 4: contact details typed into a signal's free text, in the forms people really
type them, leave no trace without consent — not in the stored text, the push that goes through
FCM, the live events, the inbox, the submitter's and the team's view, or the insights drill-down.

End to end: the API, the real routing and outbox, firebase-admin against a fake FCM on 127.0.0.1.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from firebase_admin import messaging
from google.auth import _regional_access_boundary_utils

from backend.listening.models import Signal
from notifications.models import Device, LiveEvent, Notification, QuietHours
from tests.notifications.conftest import service_account
from tests.notifications.fake_fcm import FakeFCM

pytestmark = pytest.mark.django_db

# (text, what must not appear anywhere: as typed, in digits only, and in its parts)
CASES = {
    "nl-spaced-dash-parentheses-fullwidth-at": (
        "Mijn buurman wil zijn hypotheek oversluiten naar jullie, bel hem op 06 - 4829 1736 of "
        "(020) 555 0143, of mail naar henk.dijkstra＠ziggo.nl",
        ["4829 1736", "48291736", "4829", "555 0143", "5550143", "ziggo", "dijkstra"],
    ),
    "da-bare-eight-digits-non-ascii-local-part": (
        "Min nabo vil gerne låne til et nyt køkken og vil have et tilbud, hans nummer er 28173946, "
        "mail søren.nielsen@firmaet.dk",
        ["28173946", "2817", "søren", "nielsen", "firmaet"],
    ),
    "en-uk-mobile-spelled-out-email": (
        "My British neighbour wants a mortgage offer for a flat, call her on 07700 900461 "
        "or write to jane.porter (at) example (dot) co (dot) uk",
        ["07700", "900461", "7700900461", "porter", "example"],
    ),
    "nl-fullwidth-digits-spaced-at": (
        "Collega van mijn vrouw wil een offerte voor een lening, bel ０６１２７３８４９５ of mail "
        "piet @ gmail.com",
        ["０６１２７３８４９５", "0612738495", "12738495", "piet", "gmail"],
    ),
    # Dictation and speech-to-text spell the number out; the words are the contact detail.
    "nl-dictated-in-words": (
        "Dictaat: de zoon van mijn buurvrouw wil een lening voor een auto, bel hem op nul zes, "
        "drieënveertig eenentachtig, dubbel twee, negentien",
        ["nul zes", "drieënveertig", "eenentachtig", "dubbel twee", "negentien", "0643812219", "643812219"],
    ),
    "da-glued-to-phone-word-snabel-a": (
        "Min svoger vil gerne have et tilbud på bilforsikring, mobil27364518 eller mads snabel-a "
        "postkassen punktum dk",
        ["27364518", "2736", "mads", "postkassen"],
    ),
}


@pytest.fixture
def fake_fcm(monkeypatch, tmp_path: Path, settings) -> Iterator[FakeFCM]:
    fake = FakeFCM(ca_dir=tmp_path / "ca").start()
    monkeypatch.setenv("SSL_CERT_FILE", fake.ca_file)
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", fake.url + "/v1/projects/{0}/messages:send")
    monkeypatch.setattr(
        _regional_access_boundary_utils, "get_service_account_rab_endpoint",
        lambda email: f"http://127.0.0.1:{fake.token_port}/v1/projects/-/serviceAccounts/{email}/allowedLocations",
    )
    settings.FIREBASE_CREDENTIALS = str(service_account(tmp_path / "service-account.json", fake.token_url))
    yield fake
    fake.stop()


@pytest.mark.parametrize("case", CASES)
def test_contacts_in_free_text_leave_no_trace_without_consent(
    case, bank, client_for, fake_fcm, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    text, secrets = CASES[case]
    staff = [bank.sam, bank.pieter, bank.rasmus, bank.sofie, bank.rita, bank.mark, bank.triager, bank.admin]
    for i, person in enumerate(staff):
        Device.objects.create(user=person, token=f"device-{i}-" + "t" * 40, platform="android")
        QuietHours.objects.create(user=person, enabled=False)
    submitter = bank.lars if case.startswith("da") else bank.emma

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(submitter).post("/api/v1/signals/", {"text": text}, format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    # What was found goes back once, to the person who typed it, so the app can ask for consent.
    suggested = created.pop("suggested_contact")
    assert suggested.get("phone") or suggested.get("email")
    signal = Signal.objects.get(pk=created["id"])
    pushed = Notification.objects.filter(type="signal.routed")
    assert pushed.exists() and fake_fcm.received  # the push path really ran, through FCM
    first = pushed.first()
    assert first is not None
    recipient = first.user
    editor = Client()
    editor.force_login(bank.mark)
    seen = {
        "stored text": signal.text,
        "submit response": json.dumps(created, ensure_ascii=False),
        "submitter's view": client_for(submitter).get(f"/api/v1/signals/{signal.pk}/").content.decode(),
        "push bodies": json.dumps(list(pushed.values("title", "body")), ensure_ascii=False),
        "FCM messages": json.dumps(fake_fcm.received, ensure_ascii=False),
        "live events": json.dumps(list(LiveEvent.objects.values_list("payload", flat=True)), ensure_ascii=False),
        "inbox": client_for(recipient).get("/api/v1/notifications/").content.decode(),
        "insights drill-down": editor.get(
            reverse("console:insights-drill") + f"?kind={signal.kind}").content.decode(),
    }
    # The drill-down really lists this signal (names are redacted there too, so look for the
    # placeholders the contact left behind rather than the text's first words).
    assert "[phone]" in seen["insights drill-down"] or "[email]" in seen["insights drill-down"]
    for place, content in seen.items():
        for secret in secrets:
            assert secret.casefold() not in content.casefold(), f"{secret!r} leaked into the {place}"
