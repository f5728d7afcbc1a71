"""Live updates through the real ASGI application served by uvicorn on 127.0.0.1, with the Redis
channel layer: authentication, permission to subscribe, events after commit and not after rollback."""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import transaction
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from backend.listening import services as listening
from notifications.services import ws_ticket_issue
from tests.factories import SignalFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import uvicorn

    from backend.asgi import application

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off", ws="websockets-sansio",
                                        timeout_graceful_shutdown=1))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    yield f"ws://127.0.0.1:{port}/ws/v1/"
    srv.should_exit = True
    thread.join(timeout=10)


@contextlib.contextmanager
def open_as(url: str, user) -> Iterator[ClientConnection]:
    """A socket signed in as `user`, past its welcome; closed on leaving (websockets 17 wants
    `connect()` used as a context manager)."""
    token = RefreshToken.for_user(user).access_token
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5) as ws:
        welcome = json.loads(ws.recv(timeout=5))
        assert welcome["type"] == "welcome"
        yield ws


def next_event(ws: ClientConnection, event_type: str, timeout: float = 2.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = json.loads(ws.recv(timeout=max(deadline - time.time(), 0.01)))
        if message["type"] == event_type:
            return message
    raise AssertionError(f"no {event_type} within {timeout}s")


def no_event(ws: ClientConnection, event_type: str, wait: float = 0.7) -> bool:
    deadline = time.time() + wait
    try:
        while time.time() < deadline:
            if json.loads(ws.recv(timeout=max(deadline - time.time(), 0.01)))["type"] == event_type:
                return False
    except TimeoutError:
        pass
    return True


def close_code(ws: ClientConnection) -> int | None:
    try:
        ws.recv(timeout=5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


def test_a_valid_jwt_in_the_header_is_accepted_with_my_queues(server, bank) -> None:
    token = RefreshToken.for_user(bank.sam).access_token

    with connect(server, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        welcome = json.loads(ws.recv(timeout=5))

    assert welcome == {"type": "welcome", "user": bank.sam.pk, "queues": [bank.sales_nl.pk]}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}])
def test_missing_or_invalid_auth_closes_with_4401(server, bank, headers) -> None:
    with connect(server, additional_headers=headers) as ws:
        assert close_code(ws) == 4401


def test_a_deactivated_persons_token_closes_with_4401(server, bank) -> None:
    from backend.people.services import person_deactivate

    token = RefreshToken.for_user(bank.sam).access_token
    person_deactivate(user=bank.sam)

    with connect(server, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert close_code(ws) == 4401


def test_a_ticket_works_once(server, bank, settings) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    ticket, _ = ws_ticket_issue(user=bank.emma)

    with connect(f"{server}?ticket={ticket}", origin=Origin("http://127.0.0.1")) as ws:
        assert json.loads(ws.recv(timeout=5))["user"] == bank.emma.pk
    with connect(f"{server}?ticket={ticket}", origin=Origin("http://127.0.0.1")) as ws:
        assert close_code(ws) == 4401


def test_a_foreign_origin_is_refused(server, bank, settings) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    ticket, _ = ws_ticket_issue(user=bank.emma)

    with pytest.raises(Exception):  # noqa: B017 - the handshake itself is rejected (HTTP 403)
        connect(f"{server}?ticket={ticket}", origin=Origin("https://evil.example"), open_timeout=5)


def test_subscribing_to_a_queue_i_am_not_in_is_refused(server, bank) -> None:
    with open_as(server, bank.sam) as ws:
        ws.send(json.dumps({"type": "subscribe", "queue": bank.support.pk}))
        refused = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"type": "subscribe", "queue": bank.sales_nl.pk}))
        allowed = json.loads(ws.recv(timeout=5))

    assert refused["type"] == "error" and refused["code"] == "not_found"
    assert allowed == {"type": "subscribed", "queue": bank.sales_nl.pk}


def test_a_routed_signal_reaches_its_team_after_commit_and_no_one_else(server, bank) -> None:
    with open_as(server, bank.sam) as sam, open_as(server, bank.sofie) as sofie:
        signal = listening.signal_submit(submitter=bank.emma, text=LEAD).signal

        event = next_event(sam, "signal.routed")
        assert event["data"]["id"] == signal.pk
        assert event["data"]["team"] == bank.sales_nl.pk
        assert "text" not in event["data"]  # no contact-bearing text over the wire to every screen
        assert no_event(sofie, "signal.routed")


def test_nothing_is_published_when_the_transaction_rolls_back(server, bank) -> None:
    with open_as(server, bank.sam) as sam:
        with pytest.raises(RuntimeError), transaction.atomic():
            listening.signal_submit(submitter=bank.emma, text=LEAD)
            raise RuntimeError("rolled back")

        assert no_event(sam, "signal.routed", wait=1.0)


def test_a_claim_removes_the_lead_from_the_other_agents_screen_within_a_second(server, bank) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    with open_as(server, bank.pieter) as pieter:
        started = time.monotonic()
        listening.signal_claim(signal_id=signal.pk, by=bank.sam)
        event = next_event(pieter, "signal.claimed", timeout=1.0)

    assert time.monotonic() - started < 1.0
    assert event["data"]["id"] == signal.pk
    assert event["data"]["claimed_by"]["id"] == bank.sam.pk


def test_my_own_notifications_and_signal_status_arrive_live(server, bank) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="claimed", assignee=bank.sam)

    with open_as(server, bank.emma) as emma:
        listening.signal_transition(signal_id=signal.pk, by=bank.sam, to="contacted", note="Called!",
                                    visible_to_submitter=True)
        seen: dict[str, dict] = {}
        deadline = time.time() + 3
        while len(seen) < 2 and time.time() < deadline:
            message = json.loads(emma.recv(timeout=3))
            seen[message["type"]] = message
        status, created = seen["signal.status"], seen["notification.created"]

    assert status["data"] == {"id": signal.pk, "status": "contacted", "status_text": "Er is contact opgenomen"}
    assert created["data"]["type"] == "signal.status"


def test_ping_pong(server, bank) -> None:
    with open_as(server, bank.lars) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}


def test_embedded_default_a_submission_through_the_server_reaches_the_team_live_after_commit(
    server, bank, settings
) -> None:
    """The in-memory channel layer (embedded default) keeps its queues on the server's loop; the eager
    task runs in the sync view's thread after commit and must still reach a consumer on that loop."""
    import httpx
    from channels.layers import channel_layers

    from notifications.models import LiveEvent

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        with open_as(server, bank.sam) as sam, open_as(server, bank.sofie) as sofie:
            token = RefreshToken.for_user(bank.emma).access_token
            response = httpx.post(server.replace("ws://", "http://").replace("/ws/v1/", "/api/v1/signals/"),
                                  json={"text": LEAD}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert response.status_code == 201, response.text

            event = next_event(sam, "signal.routed", timeout=5)
            assert no_event(sofie, "signal.routed")
    finally:
        channel_layers.backends.clear()

    assert event["data"]["id"] == response.json()["id"]
    assert LiveEvent.objects.get(type="signal.routed").state == "published"
