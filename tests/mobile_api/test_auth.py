"""Sign-in, refresh rotation, logout, deactivation and login throttling over the real API."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.people import services
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def sign_in(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_obtain_tokens_and_use_access_token(api_client: APIClient) -> None:
    user = UserFactory.create(email="emma@example.test")

    tokens = sign_in(api_client, "emma@example.test")

    assert set(tokens) == {"access", "refresh"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_wrong_password_is_401_in_the_shared_error_shape(api_client: APIClient) -> None:
    UserFactory.create(email="emma@example.test")

    response = api_client.post(TOKEN, {"email": "emma@example.test", "password": "nope"}, format="json")

    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "not_authenticated"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}


def test_missing_fields_are_a_validation_error(api_client: APIClient) -> None:
    response = api_client.post(TOKEN, {"email": "x@example.test"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "password" in response.json()["error"]["fields"]


def test_refresh_rotates_and_the_old_refresh_token_is_dead(api_client: APIClient) -> None:
    UserFactory.create(email="emma@example.test")
    first = sign_in(api_client, "emma@example.test")

    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    reused = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] in {"token_not_valid", "not_authenticated"}


def test_logout_blacklists_the_refresh_token(api_client: APIClient) -> None:
    UserFactory.create(email="emma@example.test")
    tokens = sign_in(api_client, "emma@example.test")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    logout = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    refresh = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert logout.status_code == 205
    assert refresh.status_code == 401


def test_logout_refuses_someone_elses_refresh_token(api_client: APIClient) -> None:
    UserFactory.create(email="emma@example.test")
    UserFactory.create(email="lars@example.test")
    emma = sign_in(api_client, "emma@example.test")
    lars = sign_in(APIClient(), "lars@example.test")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {emma['access']}")

    response = api_client.post(LOGOUT, {"refresh": lars["refresh"]}, format="json")

    assert response.status_code == 400
    assert APIClient().post(REFRESH, {"refresh": lars["refresh"]}, format="json").status_code == 200


def test_deactivated_person_loses_access_at_once(api_client: APIClient) -> None:
    user = UserFactory.create(email="emma@example.test")
    tokens = sign_in(api_client, "emma@example.test")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get(ME).status_code == 200

    services.person_deactivate(user=user)

    assert api_client.get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    login = APIClient().post(TOKEN, {"email": "emma@example.test", "password": DEFAULT_PASSWORD}, format="json")
    assert login.status_code == 401


def test_reactivated_person_cannot_use_refresh_tokens_from_before(api_client: APIClient) -> None:
    user = UserFactory.create(email="emma@example.test")
    tokens = sign_in(api_client, "emma@example.test")
    services.person_deactivate(user=user)

    services.person_activate(user=user)

    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert sign_in(APIClient(), "emma@example.test")["access"]


def test_anonymous_requests_are_401(api_client: APIClient) -> None:
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_tampered_access_token_is_refused(api_client: APIClient) -> None:
    UserFactory.create(email="emma@example.test")
    access = sign_in(api_client, "emma@example.test")["access"]
    header, payload, signature = access.split(".")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{payload}.{signature[:-4]}AAAA")

    assert api_client.get(ME).status_code == 401


def test_failed_logins_back_off_per_account_and_client(api_client: APIClient, settings) -> None:
    UserFactory.create(email="emma@example.test")
    free = settings.LOGIN_BACKOFF_AFTER_FAILURES
    statuses = [
        api_client.post(TOKEN, {"email": "emma@example.test", "password": f"guess-{i}"}, format="json",
                        REMOTE_ADDR="10.0.0.1").status_code
        for i in range(free + 2)
    ]

    assert statuses[:free] == [401] * free
    assert statuses[free:] == [429, 429]
    throttled = api_client.post(TOKEN, {"email": "emma@example.test", "password": DEFAULT_PASSWORD}, format="json",
                                REMOTE_ADDR="10.0.0.1")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert throttled.json()["error"]["retry_after"] > 0
    # The person themself, from their own device, is not locked out by the guesses from elsewhere.
    own = api_client.post(TOKEN, {"email": "emma@example.test", "password": DEFAULT_PASSWORD}, format="json",
                          REMOTE_ADDR="10.0.0.2")
    assert own.status_code == 200


def test_login_attempts_are_throttled_per_address(api_client: APIClient, monkeypatch) -> None:
    from backend.core.throttles import LoginIpThrottle

    monkeypatch.setattr(LoginIpThrottle, "THROTTLE_RATES", {"login": "10/min"})
    statuses = [
        api_client.post(TOKEN, {"email": f"p{i}@example.test", "password": "x"}, format="json").status_code
        for i in range(11)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
