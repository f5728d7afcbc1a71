"""POST /api/v1/signals/: capture, classification, routing, idempotency, consent and bad input."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.listening.models import Signal, SignalContact, SignalEvent
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"

LEAD_NL = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"
LEAD_DA = "Min nabo vil gerne flytte sit boliglån til os, kan en rådgiver ringe til ham?"
COMPLAINT_URGENT = "Mijn schoonzus haar pinpas is gestolen en er is al 500 euro van haar rekening gehaald!"


def test_a_clear_lead_is_classified_routed_and_answered_in_the_contract_shape(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD_NL, "heard_via": "in_person"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "kind", "language", "urgent", "status", "team", "confidence", "suggested_contact"} <= set(body)
    assert body["kind"] == "lead"
    assert body["language"] == "nl"
    assert body["urgent"] is False
    assert body["status"] == "new"
    assert body["team"] == {"id": bank.sales_nl.id, "name": "Sales NL", "kind": "sales"}
    assert 0.6 <= body["confidence"] <= 1
    assert body["suggested_contact"] == {}
    signal = Signal.objects.get(pk=body["id"])
    assert signal.submitter == bank.emma
    assert signal.model_version.startswith("kind-")
    assert set(signal.scores) == {"complaint", "lead", "referral", "friend_discount", "feedback"}
    assert [e.type for e in signal.events.all()] == ["created", "routed"]


def test_danish_leads_go_to_sales_dk(bank, client_for) -> None:
    body = client_for(bank.lars).post(URL, {"text": LEAD_DA}, format="json").json()

    assert (body["kind"], body["language"], body["team"]["name"]) == ("lead", "da", "Sales DK")


def test_urgent_complaint_jumps_the_queue_with_a_short_due_time(bank, client_for) -> None:
    before = timezone.now()

    body = client_for(bank.emma).post(URL, {"text": COMPLAINT_URGENT}, format="json").json()

    assert (body["kind"], body["urgent"], body["team"]["name"]) == ("complaint", True, "Support")
    signal = Signal.objects.get(pk=body["id"])
    assert signal.due_at is not None
    assert before + timedelta(hours=4) <= signal.due_at <= timezone.now() + timedelta(hours=4)


def test_low_confidence_goes_to_triage(bank, client_for, settings) -> None:
    settings.RELAY_ROUTING_CONFIDENCE_THRESHOLD = 1.01  # nothing is sure enough

    body = client_for(bank.emma).post(URL, {"text": LEAD_NL}, format="json").json()

    assert body["in_triage"] is True
    assert (body["team"]["id"], body["team"]["name"]) == (bank.triage.id, "Triage")
    assert "unsure" in Signal.objects.get(pk=body["id"]).routing_reason


def test_employee_choice_wins_unless_the_classifier_strongly_disagrees(bank, client_for, settings) -> None:
    client = client_for(bank.emma)
    settings.RELAY_ROUTING_DISAGREEMENT_CONFIDENCE = 1.01  # never "strongly" disagree
    trusted = client.post(URL, {"text": LEAD_NL, "kind": "feedback"}, format="json").json()
    settings.RELAY_ROUTING_DISAGREEMENT_CONFIDENCE = 0.5

    overruled = client.post(URL, {"text": LEAD_NL + " snel graag", "kind": "feedback"}, format="json").json()

    assert (trusted["kind"], trusted["team"]["name"], trusted["in_triage"]) == ("feedback", "Marketing", False)
    assert (overruled["kind"], overruled["in_triage"]) == ("feedback", True)


def test_no_matching_rule_goes_to_triage(bank, client_for) -> None:
    bank.sales_nl.routing_rules.all().delete()
    bank.sales_dk.routing_rules.all().delete()

    body = client_for(bank.emma).post(URL, {"text": LEAD_NL}, format="json").json()

    assert body["in_triage"] is True
    assert "no routing rule" in Signal.objects.get(pk=body["id"]).routing_reason


# --- idempotency ---------------------------------------------------------------------------------
def test_retry_with_the_same_key_returns_the_first_signal_and_creates_nothing(bank, client_for) -> None:
    client = client_for(bank.emma)
    key = str(uuid.uuid4())

    first = client.post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = client.post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Signal.objects.count() == 1
    assert SignalEvent.objects.count() == 2


def test_a_used_key_with_a_different_body_is_a_409(bank, client_for) -> None:
    client = client_for(bank.emma)
    key = str(uuid.uuid4())
    client.post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    response = client.post(URL, {"text": COMPLAINT_URGENT}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Signal.objects.count() == 1


def test_the_same_key_from_another_person_is_another_signal(bank, client_for) -> None:
    key = str(uuid.uuid4())

    a = client_for(bank.emma).post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY=key).json()
    b = client_for(bank.lars).post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY=key).json()

    assert a["id"] != b["id"]


def test_a_key_that_is_not_a_uuid_is_a_400(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD_NL}, format="json", HTTP_IDEMPOTENCY_KEY="abc")

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Signal.objects.exists()


# --- contacts and consent ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("phone", "language", "expected"),
    [
        ("06-12345678", "nl", "+31612345678"),
        ("06 1234 5678", "", "+31612345678"),
        ("+31 6 1234 5678", "", "+31612345678"),
        ("0031 6 12345678", "", "+31612345678"),
        ("020-7654321", "nl", "+31207654321"),
        ("20 12 34 56", "da", "+4520123456"),
        ("+45 20 12 34 56", "", "+4520123456"),
    ],
)
def test_contact_phone_numbers_are_stored_in_e164(bank, client_for, phone, language, expected) -> None:
    response = client_for(bank.emma).post(
        URL,
        {"text": LEAD_NL, "contact": {"name": "Piet", "phone": phone, "language": language}, "contact_consent": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    contact = SignalContact.objects.get(signal_id=response.json()["id"])
    assert contact.phone == expected
    assert contact.consent is True
    assert contact.consent_wording_version
    assert contact.consent_at is not None


def test_contact_details_without_consent_are_refused_and_nothing_is_stored(bank, client_for) -> None:
    response = client_for(bank.emma).post(
        URL, {"text": LEAD_NL, "contact": {"name": "Piet", "phone": "0612345678"}}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "consent_required"
    assert "contact_consent" in error["fields"]
    assert not Signal.objects.exists()
    assert not SignalContact.objects.exists()


def test_a_name_alone_needs_no_consent(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD_NL, "contact": {"name": "Piet"}}, format="json")

    assert response.status_code == 201
    assert SignalContact.objects.get().name == "Piet"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "ok"}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({}, "text"),
        ({"text": LEAD_NL, "kind": "gossip"}, "kind"),
        ({"text": LEAD_NL, "heard_via": "telepathy"}, "heard_via"),
        ({"text": LEAD_NL, "captured_at": "yesterday"}, "captured_at"),
        ({"text": LEAD_NL, "captured_at": "2099-01-01T10:00:00Z"}, "captured_at"),
        ({"text": LEAD_NL, "story": -3}, "story"),
        ({"text": LEAD_NL, "contact": {"email": "not-an-email"}, "contact_consent": True}, "contact"),
        ({"text": LEAD_NL, "contact": {"phone": "12"}, "contact_consent": True}, "contact"),
        ({"text": LEAD_NL, "contact": {"phone": "hello"}, "contact_consent": True}, "contact"),
        ({"text": LEAD_NL, "contact": {"language": "fr"}}, "contact"),
        ({"text": LEAD_NL, "contact": "Piet"}, "contact"),
        ({"text": LEAD_NL, "contact_consent": "perhaps"}, "contact_consent"),
    ],
)
def test_bad_input_is_a_400_in_the_shared_shape_and_stores_nothing(bank, client_for, payload, field) -> None:
    response = client_for(bank.emma).post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] in {"validation_error", "consent_required"}
    assert field in error["fields"]
    assert not Signal.objects.exists()


def test_all_field_errors_are_reported_at_once(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": "", "kind": "gossip", "heard_via": "x"}, format="json")

    assert set(response.json()["error"]["fields"]) == {"text", "kind", "heard_via"}


def test_contact_details_in_the_text_are_suggested_and_not_stored_without_consent(bank, client_for) -> None:
    text = "Buurvrouw wil een hypotheekgesprek, haar nummer is 06-87654321 en mail anne.devries@ziggo.nl"

    body = client_for(bank.emma).post(URL, {"text": text}, format="json").json()

    assert body["suggested_contact"] == {"phone": "+31687654321", "email": "anne.devries@ziggo.nl"}
    stored = Signal.objects.get(pk=body["id"]).text
    assert "06-87654321" not in stored and "anne.devries@ziggo.nl" not in stored
    assert "hypotheekgesprek" in stored


def test_with_consent_the_text_is_kept_as_typed(bank, client_for) -> None:
    text = "Buurvrouw wil een hypotheekgesprek, bel haar op 06-87654321"

    body = client_for(bank.emma).post(
        URL, {"text": text, "contact": {"phone": "06-87654321"}, "contact_consent": True}, format="json"
    ).json()

    assert Signal.objects.get(pk=body["id"]).text == text
    assert body["suggested_contact"] == {}


def test_zero_width_and_control_characters_are_removed(bank, client_for) -> None:
    body = client_for(bank.emma).post(
        URL, {"text": "Klant\u200b wil\u0007 een\u200d hypotheek\u202e offerte 🏠"}, format="json"
    ).json()

    assert Signal.objects.get(pk=body["id"]).text == "Klant wil een hypotheek offerte 🏠"


def test_same_contact_and_kind_within_30_days_is_linked_as_a_possible_duplicate(bank, client_for) -> None:
    payload = {"text": LEAD_NL, "contact": {"phone": "0612345678"}, "contact_consent": True}
    first = client_for(bank.emma).post(URL, payload, format="json").json()

    second = client_for(bank.lars).post(
        URL, {**payload, "contact": {"phone": "+31 6 12345678"}}, format="json"
    ).json()

    assert first["duplicate_of"] is None
    assert Signal.objects.get(pk=second["id"]).duplicate_of_id == first["id"]  # linked, not dropped
    # Lars may not see Emma's signal, so he does not learn of it; the team that handles both does.
    assert second["duplicate_of"] is None
    assert second["already_known"] is False
    team_view = client_for(bank.sam).get(f"{URL}{second['id']}/").json()
    assert team_view["duplicate_of"] == first["id"]


def test_the_submitter_hears_we_already_know_only_about_their_own_earlier_signal(bank, client_for) -> None:
    payload = {"text": LEAD_NL, "contact": {"phone": "0612345678"}, "contact_consent": True}
    first = client_for(bank.emma).post(URL, payload, format="json").json()

    again = client_for(bank.emma).post(URL, payload, format="json").json()

    assert again["already_known"] is True
    assert again["duplicate_of"] == first["id"]  # hers: she may see it


def test_captured_at_and_heard_via_are_kept(bank, client_for) -> None:
    captured = (timezone.now() - timedelta(hours=5)).replace(microsecond=0)
    story = StoryFactory.create()  # in Emma's feed: a story she may not see would be a 400

    body = client_for(bank.emma).post(
        URL, {"text": LEAD_NL, "captured_at": captured.isoformat(), "heard_via": "social_media", "story": story.pk},
        format="json",
    ).json()

    signal = Signal.objects.get(pk=body["id"])
    assert (signal.captured_at, signal.heard_via, signal.story_ref) == (captured, "social_media", story.pk)


def test_alumni_can_pass_on_signals(bank, client_for) -> None:
    assert client_for(bank.olga).post(URL, {"text": LEAD_DA}, format="json").status_code == 201


def test_anonymous_cannot_submit(bank, api_client) -> None:
    assert api_client.post(URL, {"text": LEAD_NL}, format="json").status_code == 401
    assert not Signal.objects.exists()
