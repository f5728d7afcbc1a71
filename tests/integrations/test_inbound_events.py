"""Status events in (issue 18): `POST /api/v1/integrations/{connection_key}/events/`, signed per
Standard Webhooks with the connection's own secret."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from backend.integrations.models import Connection, InboundEvent, StatusMapping
from backend.listening.models import Signal, SignalEvent
from notifications.models import Notification, WebhookDelivery
from tests.factories import SignalFactory
from tests.integrations.conftest import connect, new_secret, subscribe

pytestmark = pytest.mark.django_db


def post(client: APIClient, connection: Connection, body: dict[str, Any], *, msg_id: str = "evt_1",
         secret: str | None = None, at: datetime | None = None, key: str | None = None):
    data = json.dumps(body)
    at = at or datetime.now(UTC)
    headers = {
        "webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret or connection.secret).sign(msg_id=msg_id, timestamp=at, data=data),
    }
    return client.post(f"/api/v1/integrations/{key or connection.key}/events/", data=data,
                       content_type="application/json", headers=headers)


def won(signal: Signal, note: str = "Hypotheek getekend") -> dict[str, Any]:
    return {"type": "lead.won", "signal_id": signal.pk, "external_id": "deal-981", "status": "closedwon",
            "note_for_submitter": note}


def nothing_written(signal: Signal, status: str) -> None:
    signal.refresh_from_db()
    assert signal.status == status and signal.external_refs == {}
    assert InboundEvent.objects.count() == 0 and Notification.objects.count() == 0
    assert SignalEvent.objects.filter(signal=signal).count() == 0


def test_a_won_lead_closes_the_signal_and_tells_the_submitter_in_their_language(
    bank, api_client, django_capture_on_commit_callbacks,
) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted", assignee=bank.sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, connection, won(signal))

    assert response.status_code == 200, response.json()
    assert response.json() == {"outcome": "applied", "signal_id": signal.pk, "status": "won", "replay": False}
    signal.refresh_from_db()
    assert (signal.status, signal.outcome) == ("won", "Hypotheek getekend")
    assert signal.closed_at is not None and signal.external_refs == {"hubspot-sales": "deal-981"}
    told = Notification.objects.get(user=bank.emma, type="signal.status")
    # The note is for the inbox only: the push (through FCM) stays neutral (issue 15.4).
    assert (told.title, told.body, told.inbox_body) == ("Het is klant geworden. Dank je!", "", "Hypotheek getekend")
    event = SignalEvent.objects.get(signal=signal)
    assert (event.from_status, event.to_status, event.data["connection"]) == ("contacted", "won", "hubspot-sales")


def test_a_hired_referral_tells_the_submitter(bank, api_client, django_capture_on_commit_callbacks) -> None:
    connection = connect(bank.recruitment, key="greenhouse")
    signal = SignalFactory.create(team=bank.recruitment, submitter=bank.lars, kind="referral", status="interviewing")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, connection, {"type": "referral.hired", "signal_id": signal.pk})
    assert response.status_code == 200
    assert Notification.objects.get(user=bank.lars, type="signal.status").title == "Ansat. Tak!"


def test_the_transition_goes_out_as_a_webhook_too(bank, api_client, receiver, django_capture_on_commit_callbacks) -> None:
    connection = connect(bank.sales_nl)
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.transitioned",))
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, connection, won(signal))
    (body,) = receiver.bodies()
    assert body["data"]["status"] == "won" and body["data"]["external_refs"] == {"hubspot-sales": "deal-981"}


def test_a_replay_is_answered_as_the_first_and_applied_once(bank, api_client, django_capture_on_commit_callbacks) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, connection, won(signal))
    with django_capture_on_commit_callbacks(execute=True):
        again = post(api_client, connection, won(signal))
    assert again.status_code == 200 and again.json()["replay"] is True and again.json()["outcome"] == "applied"
    assert InboundEvent.objects.count() == 1
    assert Notification.objects.filter(user=bank.emma, type="signal.status").count() == 1
    assert SignalEvent.objects.filter(signal=signal).count() == 1


def test_a_stale_timestamp_is_refused_and_writes_nothing(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    response = post(api_client, connection, won(signal), at=datetime.now(UTC) - timedelta(minutes=6))
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_signature"
    nothing_written(signal, "contacted")


def test_a_wrong_secret_answers_401_and_writes_nothing(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    response = post(api_client, connection, won(signal), secret=new_secret())
    assert response.status_code == 401
    nothing_written(signal, "contacted")


def test_another_teams_signal_answers_404(bank, api_client) -> None:
    connection = connect(bank.sales_dk, key="dynamics-dk")
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    assert post(api_client, connection, won(signal)).status_code == 404
    assert post(api_client, connection, {**won(signal), "signal_id": 999_999}, msg_id="evt_2").status_code == 404
    nothing_written(signal, "contacted")


def test_an_unknown_connection_answers_404(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    assert post(api_client, connection, won(signal), key="nobody").status_code == 404
    nothing_written(signal, "contacted")


def test_a_late_event_is_not_applied_and_the_refusal_is_recorded(
    bank, api_client, django_capture_on_commit_callbacks,
) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted")
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, connection, won(signal), msg_id="evt_won")
    with django_capture_on_commit_callbacks(execute=True):
        late = post(api_client, connection, {"type": "lead.qualified", "signal_id": signal.pk}, msg_id="evt_q")
    assert late.status_code == 200 and late.json()["outcome"] == "out_of_order"
    signal.refresh_from_db()
    assert signal.status == "won"
    refused = InboundEvent.objects.get(webhook_id="evt_q")
    assert (refused.outcome, refused.from_status, refused.to_status) == ("out_of_order", "won", "contacted")
    assert Notification.objects.filter(user=bank.emma, type="signal.status").count() == 1


def test_a_transition_the_lifecycle_forbids_answers_409_and_writes_nothing(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="new")
    response = post(api_client, connection, won(signal))
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    nothing_written(signal, "new")


def test_an_event_for_another_kind_answers_409(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, kind="friend_discount")
    response = post(api_client, connection, won(signal))
    assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_kind"
    nothing_written(signal, "new")


def test_the_lifecycle_map_is_data(bank, api_client, django_capture_on_commit_callbacks) -> None:
    StatusMapping.objects.filter(type="lead.qualified").update(to_status="lost")
    connection = connect(bank.sales_nl)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="claimed")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, connection, {"type": "lead.qualified", "signal_id": signal.pk})
    assert response.json()["status"] == "lost"


def test_a_malformed_event_answers_400(bank, api_client) -> None:
    connection = connect(bank.sales_nl)
    response = post(api_client, connection, {"type": "lead.sold", "signal_id": "x"})
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"type", "signal_id"}
    assert WebhookDelivery.objects.count() == 0 and InboundEvent.objects.count() == 0
