"""`POST /api/v1/auth/oidc/` (issue 17) against a real OpenID provider process (npm's oidc-provider on
127.0.0.1): ID tokens from its real authorization-code flow with PKCE; attack tokens crafted here
with keys the test controls (or signed by the provider for the wrong audience / in the past)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.sync.client import connect

from backend.core.throttles import LoginIpThrottle
from backend.people.models import ExternalIdentity, User
from backend.people.services import person_deactivate
from tests.backend.console.browser import serve
from tests.backend.people.oidc_fixture import OpenIdProvider
from tests.factories import DEFAULT_PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/oidc/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


def emma() -> User:
    return UserFactory.create(email="emma@relay.test")


def link(user: User, provider: OpenIdProvider, sub: str) -> None:
    ExternalIdentity.objects.create(user=user, issuer=provider.issuer, subject=sub)


def refused(response, reason: str) -> None:
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert (error["code"], error["reason"]) == ("invalid_token", reason)


def test_the_providers_id_token_signs_in_with_the_same_tokens_as_the_password(api_client, sso) -> None:
    user = emma()
    link(user, sso, "emma-sub")
    nonce = secrets.token_urlsafe(16)

    response = api_client.post(URL, {"id_token": sso.id_token("emma-sub", nonce=nonce), "nonce": nonce})

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.status_code == 200 and me.json()["email"] == "emma@relay.test"
    refreshed = api_client.post("/api/v1/auth/token/refresh/", {"refresh": response.json()["refresh"]})
    assert refreshed.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_access_token_from_sso_opens_the_websocket(api_client, sso) -> None:
    from backend.asgi import application

    user = emma()
    link(user, sso, "emma-sub")
    access = api_client.post(URL, {"id_token": sso.id_token("emma-sub")}).json()["access"]

    with serve(application) as base, connect(base.replace("http", "ws") + "/ws/v1/", open_timeout=5,
                                             additional_headers={"Authorization": f"Bearer {access}"}) as ws:
        welcome = json.loads(ws.recv(timeout=5))

    assert welcome["type"] == "welcome" and welcome["user"] == user.pk


def test_a_replayed_nonce_is_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")
    nonce = secrets.token_urlsafe(16)
    token = sso.id_token("emma-sub", nonce=nonce)
    assert api_client.post(URL, {"id_token": token, "nonce": nonce}).status_code == 200

    refused(api_client.post(URL, {"id_token": token, "nonce": nonce}), "nonce_replayed")


def test_a_token_for_another_nonce_is_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")

    refused(api_client.post(URL, {"id_token": sso.id_token("emma-sub", nonce="one"), "nonce": "other"}),
            "nonce_mismatch")


def test_keys_rotated_while_running_are_fetched_again(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")
    assert api_client.post(URL, {"id_token": sso.id_token("emma-sub")}).status_code == 200  # old keys cached
    old_kid = jwt.get_unverified_header(sso.id_token("emma-sub"))["kid"]

    new_kid = sso.rotate_keys()
    token = sso.id_token("emma-sub")

    assert jwt.get_unverified_header(token)["kid"] == new_kid != old_kid
    assert api_client.post(URL, {"id_token": token}).status_code == 200


def test_random_kids_refetch_the_keys_at_most_once_per_interval(api_client, sso, settings) -> None:
    # given: a token signed with a key the provider does not publish, under ever new kids
    link(emma(), sso, "emma-sub")
    settings.OIDC_JWKS_REFETCH_SECONDS = 60
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    first = jwt.encode(sso.claims(), key, algorithm="RS256", headers={"kid": "random-1"})
    refused(api_client.post(URL, {"id_token": first}), "unknown_key")
    # when: the provider rotates: a real new kid within the interval is not fetched at once ...
    sso.rotate_keys()
    token = sso.id_token("emma-sub")
    refused(api_client.post(URL, {"id_token": token}), "unknown_key")
    # ... but after it
    settings.OIDC_JWKS_REFETCH_SECONDS = 1
    from django.core.cache import cache

    cache.clear()
    assert api_client.post(URL, {"id_token": token}).status_code == 200


def test_with_the_cache_down_keys_are_read_uncached_and_nonces_fail_closed(api_client, sso, settings) -> None:
    link(emma(), sso, "emma-sub")
    with_nonce, without = sso.id_token("emma-sub", nonce="n-1"), sso.id_token("emma-sub")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}

    refused_for_now = api_client.post(URL, {"id_token": with_nonce, "nonce": "n-1"})
    accepted = api_client.post(URL, {"id_token": without})

    assert refused_for_now.status_code == 503 and refused_for_now.json()["error"]["code"] == "service_unavailable"
    assert accepted.status_code == 200


def test_a_token_for_another_audience_is_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")

    refused(api_client.post(URL, {"id_token": sso.sign(sso.claims(aud="some-other-app"))}), "wrong_audience")


def test_an_expired_token_is_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")
    now = int(time.time())

    refused(api_client.post(URL, {"id_token": sso.sign(sso.claims(iat=now - 3600, exp=now - 600))}), "expired")


def test_alg_none_is_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")

    refused(api_client.post(URL, {"id_token": unsigned({"alg": "none", "typ": "JWT"}, sso.claims())}), "alg_not_allowed")


def test_an_hmac_signed_with_the_providers_public_key_is_refused(api_client, sso) -> None:
    # given: the classic attack: HS256 with the provider's published key as the shared secret
    link(emma(), sso, "emma-sub")
    published = sso.jwks()["keys"][0]
    pem = jwt.PyJWK(published).key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": published["kid"]}
    head_and_body = unsigned(header, sso.claims()).rsplit(".", 1)[0]
    forged = f"{head_and_body}.{b64(hmac.new(pem, head_and_body.encode(), hashlib.sha256).digest())}"

    refused(api_client.post(URL, {"id_token": forged}), "alg_not_allowed")


def test_another_issuer_and_another_signer_are_refused(api_client, sso) -> None:
    link(emma(), sso, "emma-sub")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = sso.jwks()["keys"][0]["kid"]

    other_issuer = jwt.encode(sso.claims(iss="http://127.0.0.1:9/evil"), key, algorithm="RS256", headers={"kid": kid})
    wrong_signer = jwt.encode(sso.claims(), key, algorithm="RS256", headers={"kid": kid})

    refused(api_client.post(URL, {"id_token": other_issuer}), "wrong_issuer")
    refused(api_client.post(URL, {"id_token": wrong_signer}), "bad_signature")


def test_an_unprovisioned_person_is_refused_and_nothing_is_stored(api_client, sso) -> None:
    response = api_client.post(URL, {"id_token": sso.id_token("newcomer-sub")})

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_provisioned"
    assert not User.objects.filter(email="newcomer@relay.test").exists()
    assert not ExternalIdentity.objects.exists()


def test_an_unprovisioned_person_is_created_just_in_time_when_allowed(api_client, sso, settings) -> None:
    settings.OIDC_CREATE_USERS = True
    team = TeamFactory(name="Sales DK", slug="sales-dk", country="DK")

    response = api_client.post(URL, {"id_token": sso.id_token("newcomer-sub")})

    assert response.status_code == 200, response.content
    user = User.objects.select_related("profile").get(email="newcomer@relay.test")
    assert (user.profile.display_name, user.profile.language, user.profile.location) == ("Nina Holm", "da", "Aarhus")
    assert list(user.teams.all()) == [team] and not user.has_usable_password()
    assert ExternalIdentity.objects.get(issuer=sso.issuer, subject="newcomer-sub").user == user
    # the second sign-in finds the same person by `sub`
    assert api_client.post(URL, {"id_token": sso.id_token("newcomer-sub")}).status_code == 200
    assert User.objects.filter(email="newcomer@relay.test").count() == 1


def test_email_matching_needs_the_setting_and_a_verified_address(api_client, sso, settings) -> None:
    user = emma()
    UserFactory.create(email="unverified@relay.test")
    assert api_client.post(URL, {"id_token": sso.id_token("emma-sub")}).status_code == 403  # setting off

    settings.OIDC_MATCH_EMAIL = True
    assert api_client.post(URL, {"id_token": sso.id_token("unverified-sub")}).status_code == 403
    assert api_client.post(URL, {"id_token": sso.id_token("emma-sub")}).status_code == 200

    assert list(ExternalIdentity.objects.values_list("user", "subject")) == [(user.pk, "emma-sub")]



def test_email_matching_never_hands_a_linked_account_to_another_subject(api_client, sso, settings) -> None:
    # given: Emma is linked; the provider later gives her address to someone else (another `sub`)
    settings.OIDC_MATCH_EMAIL = True
    user = emma()
    link(user, sso, "emma-sub")
    newcomer = sso.sign(sso.claims(sub="emma-successor", email="emma@relay.test", email_verified=True))

    response = api_client.post(URL, {"id_token": newcomer})

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_provisioned"
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["emma-sub"]


def test_a_deactivated_person_is_refused(api_client, sso) -> None:
    user = emma()
    link(user, sso, "emma-sub")
    person_deactivate(user=user)

    response = api_client.post(URL, {"id_token": sso.id_token("emma-sub")})

    assert response.status_code == 401 and response.json()["error"]["code"] == "account_inactive"


def test_without_an_issuer_sso_is_not_configured(api_client, settings) -> None:
    settings.OIDC_ISSUER = ""

    response = api_client.post(URL, {"id_token": "a.b.c"})

    assert response.status_code == 404 and response.json()["error"]["code"] == "sso_not_configured"


def test_sso_sign_ins_count_in_the_password_sign_in_limit_per_address(api_client, sso, monkeypatch) -> None:
    monkeypatch.setattr(LoginIpThrottle, "THROTTLE_RATES", {"login": "3/min"})  # as tests/mobile_api/test_throttles.py
    user = UserFactory.create(email="sam@relay.test")
    for _ in range(2):
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})

    assert api_client.post(URL, {"id_token": "a.b.c"}).status_code == 401  # the third attempt
    response = api_client.post(URL, {"id_token": "a.b.c"})

    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"


def test_password_login_off_refuses_the_password_but_keeps_refresh_tokens(api_client, settings) -> None:
    user = UserFactory.create(email="sam@relay.test")
    refresh = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}).json()["refresh"]
    settings.AUTH_PASSWORD_LOGIN = False

    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 403 and response.json()["error"]["code"] == "password_login_disabled"
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}).status_code == 200
