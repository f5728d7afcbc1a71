"""Joiner → mover → leaver, end to end: the identity provider's SCIM calls over HTTP to the live
server (the ASGI application on uvicorn on 127.0.0.1, Redis channel layer), the person's app
signing in over HTTP and listening on a real websocket."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from backend.directory.services import directory_connection_create
from backend.listening import services as listening
from backend.listening.models import EventType, Signal, SignalEvent
from tests.directory.conftest import ENTERPRISE, PATCH_SCHEMA, SCIM, USER_SCHEMA
from tests.hostile.test_ways_in import _closed_within
from tests.notifications.test_websocket import LEAD, next_event, no_event, server  # noqa: F401 - `server` is a fixture

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PASSWORD = "Joiner-pass-2026!"


@pytest.fixture(autouse=True)
def _eager_tasks(eager_tasks: None) -> None:
    """The delivery task runs in the server's process after commit, as in the embedded default."""


@pytest.fixture
def http(server: str, settings: Any) -> Iterator[httpx.Client]:  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with httpx.Client(base_url=server.replace("ws://", "http://").replace("/ws/v1/", ""), timeout=10) as client:
        yield client


def test_joiner_mover_leaver_through_scim_and_a_live_socket(server: str, http: httpx.Client, bank) -> None:  # noqa: F811
    _, token = directory_connection_create(name="Entra ID")
    idp = {"Authorization": f"Bearer {token}", "Content-Type": SCIM}

    def patch(user_id: str, *operations: dict[str, Any]) -> None:
        response = http.patch(f"/scim/v2/Users/{user_id}", headers=idp,
                              content=json.dumps({"schemas": [PATCH_SCHEMA], "Operations": list(operations)}))
        assert response.status_code in (200, 204), response.text

    # Joiner: created by the directory with a password, in the Support department.
    created = http.post("/scim/v2/Users", headers=idp, content=json.dumps({
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "Joan.Joiner@bank.test", "active": True,
        "displayName": "Joan Joiner", "password": PASSWORD, ENTERPRISE: {"department": "Support"},
    }))
    assert created.status_code == 201, created.text
    scim_id = created.json()["id"]
    signed_in = http.post("/api/v1/auth/token/", json={"email": "joan.joiner@bank.test", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    access, refresh = signed_in.json()["access"], signed_in.json()["refresh"]
    me = {"Authorization": f"Bearer {access}"}
    assert [q["id"] for q in http.get("/api/v1/queues/", headers=me).json()] == [bank.support.pk]

    with connect(server, additional_headers=me, open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5))["queues"] == [bank.support.pk]

        # Mover: Entra ID replaces the department; the open socket follows, without a reconnect.
        patch(scim_id, {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Sales NL"})
        assert next_event(ws, "queues.changed")["data"] == {"queues": [bank.sales_nl.pk]}
        assert [q["id"] for q in http.get("/api/v1/queues/", headers=me).json()] == [bank.sales_nl.pk]
        lead = listening.signal_submit(submitter=bank.emma, text=LEAD).signal
        assert lead.team_id == bank.sales_nl.pk
        assert next_event(ws, "signal.routed")["data"]["id"] == lead.pk
        complaint = listening.signal_submit(
            submitter=bank.emma, text="Ik heb een klacht: de app van de bank crasht steeds bij het inloggen.",
            kind="complaint").signal
        assert complaint.team_id == bank.support.pk
        assert no_event(ws, "signal.routed", wait=0.5)  # the old queue is no longer followed

        claimed = http.post(f"/api/v1/signals/{lead.pk}/claim/", headers=me)
        assert claimed.status_code == 200, claimed.text

        # Leaver: Entra ID's "False" string. The socket closes within a second.
        started = time.monotonic()
        patch(scim_id, {"op": "Replace", "path": "active", "value": "False"})
        assert _closed_within(ws, 1.0) == 4401
        assert time.monotonic() - started < 1.5

    assert http.post("/api/v1/auth/token/refresh/", json={"refresh": refresh}).status_code == 401
    assert http.get("/api/v1/queues/", headers=me).status_code == 401
    assert http.post("/api/v1/auth/token/", json={"email": "joan.joiner@bank.test",
                                                  "password": PASSWORD}).status_code == 401
    lead = Signal.objects.get(pk=lead.pk)
    assert (lead.assignee_id, lead.status) == (None, "new")
    returned = SignalEvent.objects.get(signal=lead, type=EventType.RETURNED)
    assert returned.note == "returned to queue: holder left"
