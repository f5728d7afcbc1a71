"""Hostile input: tampered and expired JWTs, refresh reuse, oversize bodies, unicode, headers."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from backend.listening.models import Signal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_alg_none_is_refused() -> None:
    user = UserFactory.create()
    payload = dict(AccessToken.for_user(user).payload)

    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."

    assert bearer(APIClient(), forged).get(ME).status_code == 401


def test_a_token_signed_with_another_key_is_refused() -> None:
    import jwt

    user = UserFactory.create()
    payload = dict(AccessToken.for_user(user).payload)

    forged = jwt.encode(payload, "not-our-secret-key-" * 3, algorithm="HS256")

    assert bearer(APIClient(), forged).get(ME).status_code == 401


def test_a_payload_swapped_to_another_user_is_refused() -> None:
    victim, attacker = UserFactory.create(), UserFactory.create()
    header, payload, signature = str(AccessToken.for_user(attacker)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["user_id"] = str(victim.pk)

    forged = f"{header}.{b64(claims)}.{signature}"

    assert bearer(APIClient(), forged).get(ME).status_code == 401


def test_an_expired_token_is_refused() -> None:
    token = AccessToken.for_user(UserFactory.create())
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = bearer(APIClient(), str(token)).get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"not_authenticated", "token_not_valid"}


def test_a_refresh_token_is_not_an_access_token() -> None:
    refresh = RefreshToken.for_user(UserFactory.create())

    assert bearer(APIClient(), str(refresh)).get(ME).status_code == 401


def test_refresh_reuse_after_rotation_is_refused() -> None:
    refresh = str(RefreshToken.for_user(UserFactory.create()))
    client = APIClient()

    first = client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    reuse = client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")

    assert first.status_code == 200
    assert reuse.status_code == 401


def test_an_oversize_body_is_a_clean_4xx_and_stores_nothing(client_for) -> None:
    huge = json.dumps({"text": "hypotheek " * 200_000})  # ~2 MB, over the 1 MiB limit

    response = client_for(UserFactory.create()).generic("POST", "/api/v1/signals/", huge, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"]
    assert not Signal.objects.exists()


@pytest.mark.parametrize("text", [
    "\u200f\u202eklant wil hypotheek offerte\u202c",  # RTL marks and overrides
    "klant\u200b\u200c\u200d wil\ufeff hypotheek offerte",  # zero-width characters
    "💳🚫 pinpas gestolen 😱😱",  # emoji
    "<script>alert(1)</script> klant wil hypotheek",  # HTML
    "'; DROP TABLE listening_signal; -- klant wil hypotheek",  # SQL
])
def test_unicode_and_injection_texts_are_stored_safely(client_for, text) -> None:
    response = client_for(UserFactory.create()).post("/api/v1/signals/", {"text": text}, format="json")

    assert response.status_code == 201
    stored = Signal.objects.get().text
    assert "\u202e" not in stored and "\u200b" not in stored and "\ufeff" not in stored
    assert stored.strip() == stored and stored


def test_html_in_text_is_escaped_in_the_admin(client, settings) -> None:
    from tests.factories import SignalFactory

    admin = UserFactory.create(role="admin", is_staff=True, is_superuser=True)
    signal = SignalFactory.create(text="<script>alert('x')</script>")
    client.force_login(admin)

    page = client.get(f"/admin/listening/signal/{signal.pk}/change/", secure=True)

    assert page.status_code == 200
    assert b"<script>alert('x')</script>" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_security_headers_are_present(client) -> None:
    response = client.get("/healthz")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
