"""Devices, inbox, preferences and websocket tickets over the API, with object-level permissions."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Device, Notification, WsTicket
from notifications.services import Draft, notify, ws_ticket_redeem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "fcm-token-" + "a" * 60


def test_register_a_device(client_for) -> None:
    user = UserFactory.create()

    response = client_for(user).post("/api/v1/devices/", {"token": TOKEN, "platform": "android",
                                                          "app_version": "1.4.0", "locale": "nl-NL"}, format="json")

    assert response.status_code == 201
    assert response.json()["platform"] == "android"
    device = Device.objects.get()
    assert (device.user, device.token, device.app_version, device.active) == (user, TOKEN, "1.4.0", True)


def test_a_token_that_moves_to_another_user_is_moved_not_duplicated(client_for) -> None:
    # A shared phone: the second person signs in on it and the same installation re-registers.
    first, second = UserFactory.create(), UserFactory.create()
    device = {"token": TOKEN, "platform": "ios", "installation_id": "fid-shared"}
    client_for(first).post("/api/v1/devices/", device, format="json")

    moved = client_for(second).post("/api/v1/devices/", device, format="json")

    assert moved.status_code == 201
    assert list(Device.objects.values_list("user_id", flat=True)) == [second.pk]


def test_unregister_by_the_id_answered_at_registration(client_for) -> None:
    owner, other = UserFactory.create(), UserFactory.create()
    device_id = client_for(owner).post("/api/v1/devices/", {"token": TOKEN, "platform": "android"},
                                       format="json").json()["id"]

    refused = client_for(other).delete(f"/api/v1/devices/{device_id}/")
    done = client_for(owner).delete(f"/api/v1/devices/{device_id}/")
    again = client_for(owner).delete(f"/api/v1/devices/{device_id}/")

    assert (refused.status_code, done.status_code, again.status_code) == (404, 204, 404)
    assert not Device.objects.exists()


def test_a_new_token_for_the_same_installation_retires_the_old_one(client_for) -> None:
    user = UserFactory.create()
    client = client_for(user)
    client.post("/api/v1/devices/", {"token": TOKEN, "platform": "android", "installation_id": "fid-1"}, format="json")

    client.post("/api/v1/devices/", {"token": TOKEN + "new", "platform": "android", "installation_id": "fid-1"},
                format="json")

    assert dict(Device.objects.values_list("token", "active")) == {TOKEN: False, TOKEN + "new": True}


def test_unregister_on_logout_and_only_my_own(client_for) -> None:
    owner, other = UserFactory.create(), UserFactory.create()
    client_for(owner).post("/api/v1/devices/", {"token": TOKEN, "platform": "android"}, format="json")

    refused = client_for(other).delete("/api/v1/devices/", {"token": TOKEN}, format="json")
    done = client_for(owner).delete("/api/v1/devices/", {"token": TOKEN}, format="json")

    assert refused.status_code == 404
    assert done.status_code == 204
    assert not Device.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"token": "short", "platform": "android"},
                                     {"token": TOKEN, "platform": "symbian"}])
def test_bad_device_input_is_a_400(client_for, payload) -> None:
    response = client_for(UserFactory.create()).post("/api/v1/devices/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Device.objects.exists()


def test_inbox_lists_my_notifications_with_the_unread_count(client_for) -> None:
    me, other = UserFactory.create(), UserFactory.create()
    notify([Draft(user_id=me.pk, type="signal.status", category="my_signals", title=f"n{i}") for i in range(3)])
    notify([Draft(user_id=me.pk, type="signal.claimed", category="queue", title="silent", silent=True)])
    notify([Draft(user_id=other.pk, type="signal.status", category="my_signals", title="not mine")])

    body = client_for(me).get("/api/v1/notifications/").json()

    assert [n["title"] for n in body["results"]] == ["n2", "n1", "n0"]
    assert body["unread_count"] == 3
    assert body["results"][0]["pushed"] is False


def test_mark_read_and_mark_all_read(client_for) -> None:
    me = UserFactory.create()
    first, *_ = notify([Draft(user_id=me.pk, type="a.b", category="queue", title=str(i)) for i in range(3)])
    client = client_for(me)

    one = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert one.status_code == 200 and one.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/").json()["unread_count"] == 2
    rest = client.post("/api/v1/notifications/read-all/").json()

    assert rest == {"marked": 2, "unread_count": 0}


def test_someone_elses_notification_is_404(client_for) -> None:
    other_n = notify([Draft(user_id=UserFactory.create().pk, type="a.b", category="queue", title="x")])[0]

    assert client_for(UserFactory.create()).post(f"/api/v1/notifications/{other_n.pk}/read/").status_code == 404
    other_n.refresh_from_db()
    assert other_n.read_at is None


def test_inbox_query_count_is_constant(client_for) -> None:
    me = UserFactory.create()
    client = client_for(me)
    notify([Draft(user_id=me.pk, type="a.b", category="queue", title="x")])
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/notifications/")
    notify([Draft(user_id=me.pk, type="a.b", category="queue", title="x") for _ in range(25)])

    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notifications/")

    assert len(many) == len(few)


def test_preferences_read_and_update(client_for) -> None:
    client = client_for(UserFactory.create(profile={"time_zone": "Europe/Copenhagen"}))

    before = client.get("/api/v1/notifications/preferences/").json()
    after = client.patch("/api/v1/notifications/preferences/", {
        "push": {"new_stories": False},
        "quiet_hours": {"start": "22:00", "end": "07:00", "daily_story_cap": 1},
    }, format="json").json()

    assert before["push"] == {"new_stories": True, "queue": True, "my_signals": True, "drafts": True}
    assert after["push"]["new_stories"] is False and after["push"]["queue"] is True
    assert after["quiet_hours"] == {"enabled": True, "start": "22:00", "end": "07:00", "daily_story_cap": 1}
    assert after["time_zone"] == "Europe/Copenhagen"


def test_email_preferences_are_each_persons_own(client_for) -> None:
    me, other = UserFactory.create(), UserFactory.create()

    before = client_for(me).get("/api/v1/notifications/preferences/").json()
    after = client_for(me).patch("/api/v1/notifications/preferences/", {"email": {"digest": False}},
                                 format="json").json()

    assert before["email"] == {"digest": True, "daily_summary": True, "escalations": True}
    assert after["email"] == {"digest": False, "daily_summary": True, "escalations": True}
    assert client_for(other).get("/api/v1/notifications/preferences/").json()["email"]["digest"] is True


def test_unknown_preference_categories_are_refused(client_for) -> None:
    response = client_for(UserFactory.create()).patch("/api/v1/notifications/preferences/",
                                                {"push": {"spam": True}}, format="json")

    assert response.status_code == 400
    assert "push" in response.json()["error"]["fields"]


def test_ws_ticket_is_short_lived_and_single_use(client_for) -> None:
    user = UserFactory.create()

    body = client_for(user).post("/api/v1/ws-ticket/").json()

    assert body["url"] == f"/ws/v1/?ticket={body['ticket']}"
    assert WsTicket.objects.get().key_hash != body["ticket"]  # only a hash is stored
    assert ws_ticket_redeem(key=body["ticket"]) == user
    assert ws_ticket_redeem(key=body["ticket"]) is None


def test_an_expired_ticket_does_not_work(client_for) -> None:
    body = client_for(UserFactory.create()).post("/api/v1/ws-ticket/").json()
    WsTicket.objects.update(expires_at="2000-01-01T00:00:00Z")

    assert ws_ticket_redeem(key=body["ticket"]) is None


@pytest.mark.parametrize(("method", "url"), [
    ("post", "/api/v1/devices/"), ("get", "/api/v1/notifications/"), ("post", "/api/v1/notifications/read-all/"),
    ("get", "/api/v1/notifications/preferences/"), ("post", "/api/v1/ws-ticket/"),
])
def test_anonymous_is_refused(api_client, method, url) -> None:
    assert getattr(api_client, method)(url).status_code == 401
    assert not Notification.objects.exists()


# --- issue 16.6: the inbox says which signal; the push stays neutral (15.4) -------------------------
def test_the_inbox_names_the_kind_and_a_contact_free_excerpt_while_the_push_stays_neutral(bank, client_for) -> None:
    text = "Mijn buurman Henk wil zijn hypotheek oversluiten, bel 0612345678"
    signal_id = client_for(bank.emma).post("/api/v1/signals/", {"text": text}, format="json").json()["id"]
    client_for(bank.sam).post(f"/api/v1/signals/{signal_id}/claim/")

    sams = client_for(bank.sam).get("/api/v1/notifications/").json()["results"]
    emmas = client_for(bank.emma).get("/api/v1/notifications/").json()["results"]

    routed = next(n for n in sams if n["type"] == "signal.routed")
    assert routed["title"].startswith("Lead voor Sales NL · Lead: “Mijn buurman [name] wil zijn hypotheek")
    status = next(n for n in emmas if n["type"] == "signal.status")
    assert status["title"].startswith("Een collega heeft het opgepakt · ")
    assert "buurman [name] wil" in status["title"]
    for entry in (routed, status):
        assert "0612345678" not in entry["title"] and "Henk" not in entry["title"]
        assert entry["data"] == {"type": "signal", "id": signal_id}
    # What went to FCM: the neutral title and no body; the data payload keeps strings on the wire.
    pushed = Notification.objects.get(type="signal.routed", user=bank.sam)
    assert (pushed.title, pushed.body, pushed.data) == ("Lead voor Sales NL", "", {"type": "signal",
                                                                                    "id": str(signal_id)})


def test_a_note_for_the_submitter_has_its_own_type(bank, client_for) -> None:
    from tests.factories import SignalFactory

    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, assignee=bank.sam, status="claimed")

    client_for(bank.sam).post(f"/api/v1/signals/{signal.pk}/notes/",
                              {"text": "Ik bel hem morgen", "visible_to_submitter": True}, format="json")

    inbox = client_for(bank.emma).get("/api/v1/notifications/").json()["results"]
    assert [(n["type"], n["body"], n["data"]["id"]) for n in inbox] == [("signal.note", "Ik bel hem morgen", signal.pk)]
    pushed = Notification.objects.get(user=bank.emma)
    assert "Ik bel" not in pushed.title + pushed.body
