"""Issue 15 (low): a device cannot be moved to another person by its FCM token or installation id
alone. It moves only when the same installation re-registers it right after a sign-in on it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from notifications.models import Device
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "fcm-token-" + "v" * 60


def _client_signed_in_ago(user, ago: timedelta) -> APIClient:
    access = RefreshToken.for_user(user).access_token
    access.set_iat(at_time=access.current_time - ago)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_another_persons_fcm_token_is_a_409_and_stays_with_its_owner(client_for) -> None:
    victim, attacker = UserFactory.create(), UserFactory.create()
    client_for(victim).post("/api/v1/devices/", {"token": TOKEN, "platform": "android", "installation_id": "fid-v"},
                            format="json")

    without_installation = client_for(attacker).post("/api/v1/devices/", {"token": TOKEN, "platform": "android"},
                                                     format="json")
    other_installation = client_for(attacker).post(
        "/api/v1/devices/", {"token": TOKEN, "platform": "android", "installation_id": "fid-a"}, format="json")

    assert without_installation.status_code == other_installation.status_code == 409
    assert without_installation.json()["error"]["code"] == "device_registered_elsewhere"
    assert list(Device.objects.values_list("user_id", "active")) == [(victim.pk, True)]


def test_another_persons_installation_id_cannot_retire_their_device(client_for) -> None:
    victim, attacker = UserFactory.create(), UserFactory.create()
    client_for(victim).post("/api/v1/devices/", {"token": TOKEN, "platform": "android", "installation_id": "fid-v"},
                            format="json")

    response = _client_signed_in_ago(attacker, timedelta(hours=1)).post(
        "/api/v1/devices/", {"token": TOKEN + "x", "platform": "android", "installation_id": "fid-v"}, format="json")

    assert response.status_code == 409
    assert list(Device.objects.values_list("user_id", "token", "active")) == [(victim.pk, TOKEN, True)]


def test_the_same_installation_moves_only_after_a_fresh_sign_in(client_for) -> None:
    first, second = UserFactory.create(), UserFactory.create()
    device = {"token": TOKEN, "platform": "ios", "installation_id": "fid-shared"}
    client_for(first).post("/api/v1/devices/", device, format="json")

    stale = _client_signed_in_ago(second, timedelta(minutes=11)).post("/api/v1/devices/", device, format="json")
    fresh = _client_signed_in_ago(second, timedelta(minutes=1)).post("/api/v1/devices/", device, format="json")

    assert (stale.status_code, fresh.status_code) == (409, 201)
    assert list(Device.objects.values_list("user_id", flat=True)) == [second.pk]
