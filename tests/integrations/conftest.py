"""Fixtures for webhooks out and status events in: a real receiver on 127.0.0.1, subscriptions and
connections with fresh secrets, and delivery settings short enough for a test."""
from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

import pytest

from backend.integrations.models import Connection
from backend.people.models import Team
from notifications.models import WebhookSubscription
from notifications.webhooks import EVENTS
from tests.integrations.receiver import Receiver


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(autouse=True)
def _webhook_settings(settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    settings.WEBHOOK_RETRY_MAX_SECONDS = 0.02


@pytest.fixture(autouse=True)
def _eager_tasks(eager_tasks: None) -> None:
    """Deliveries run in-process after commit (the embedded default)."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret=new_secret()).start()
    yield r
    r.stop()


def subscribe(team: Team, url: str, *, secret: str, events: tuple[str, ...] = EVENTS) -> WebhookSubscription:
    return WebhookSubscription.objects.create(team=team, url=url, secret=secret, events=list(events))


def connect(team: Team, *, key: str = "hubspot-sales") -> Connection:
    return Connection.objects.create(team=team, name="HubSpot", key=key, secret=new_secret())
