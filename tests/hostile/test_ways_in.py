"""Issue 15, the ways in: every sign-in path shares one set of limits, the client's address cannot be
forged with a header, one token validator for HTTP and the websocket, sockets closed when access
is taken away, logged-out access tokens refused, no guessable SECRET_KEY, e-mail case ignored.
Throttles run on the real cache (Redis in CI), the websocket on a real uvicorn on 127.0.0.1."""
from __future__ import annotations

import json
import logging
import time

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from backend.core.addresses import client_address
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.notifications.test_websocket import close_code, open_as, server  # noqa: F401 - `server` is a fixture

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def _eager_tasks(eager_tasks: None) -> None:
    """The delivery task runs in-process (as in the embedded default); the real worker has its own tests."""


def _admin_sign_in(client: Client, email: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


# --- 15.1: the admin's sign-in counts against the same limits as the API and the console ---------
@pytest.mark.redis
@pytest.mark.django_db
def test_admin_sign_in_is_throttled_and_the_right_password_after_guesses_gets_nothing(settings) -> None:
    admin = UserFactory.create(email="root@example.test", role="admin", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(20):
        assert _admin_sign_in(client, admin.email, "wrong").status_code == 200

    right = _admin_sign_in(client, admin.email, DEFAULT_PASSWORD)

    assert right.status_code == 200  # the form again, not the redirect into the admin
    assert "Too many attempts" in right.content.decode()
    assert "sessionid" not in right.cookies
    assert client.get("/admin/").status_code == 302


@pytest.mark.redis
@pytest.mark.django_db
def test_guesses_through_the_api_count_against_the_admin_and_the_console(settings) -> None:
    admin = UserFactory.create(email="root@example.test", role="admin", is_staff=True, is_superuser=True)
    for _ in range(settings.LOGIN_BACKOFF_AFTER_FAILURES):
        assert APIClient().post(TOKEN, {"email": admin.email, "password": "wrong"}, format="json",
                                REMOTE_ADDR="203.0.113.11").status_code == 401

    admin_page = _admin_sign_in(Client(REMOTE_ADDR="203.0.113.11"), admin.email, DEFAULT_PASSWORD)
    console = Client(REMOTE_ADDR="203.0.113.11").post(
        "/console/login/", {"username": admin.email, "password": DEFAULT_PASSWORD})

    assert "Too many attempts" in admin_page.content.decode() and "sessionid" not in admin_page.cookies
    assert console.status_code == 429 and "sessionid" not in console.cookies


# --- 15.2: the client's address comes from the socket unless our own proxies say otherwise --------
@pytest.mark.redis
@pytest.mark.django_db
def test_a_random_x_forwarded_for_per_request_does_not_evade_the_limits(settings) -> None:
    UserFactory.create(email="emma@example.test")
    statuses = [
        APIClient().post(TOKEN, {"email": "emma@example.test", "password": f"guess-{i}"}, format="json",
                         REMOTE_ADDR="203.0.113.12", HTTP_X_FORWARDED_FOR=f"10.{i}.{i}.{i}").status_code
        for i in range(30)
    ]

    free = settings.LOGIN_BACKOFF_AFTER_FAILURES
    assert statuses[:free] == [401] * free
    assert set(statuses[free:]) == {429}


@pytest.mark.redis
@pytest.mark.django_db
def test_the_per_address_limit_is_generous_for_an_office_behind_one_address() -> None:
    # Forty colleagues behind one NAT address, each mistyping once and then signing in.
    people = UserFactory.create_batch(40)
    statuses = []
    for person in people:
        for password in ("typo", DEFAULT_PASSWORD):
            statuses.append(APIClient().post(TOKEN, {"email": person.email, "password": password}, format="json",
                                             REMOTE_ADDR="203.0.113.13").status_code)

    assert statuses == [401, 200] * 40


def test_the_client_address_rule(rf, settings) -> None:
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoofed) == "198.51.100.1"  # no trusted proxy: the socket

    settings.TRUSTED_PROXY_COUNT = 1  # one proxy of ours appends the address it saw
    behind_one = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.2")
    assert client_address(behind_one) == "198.51.100.2"

    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    chain = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.3, 10.1.1.1")
    assert client_address(chain) == "198.51.100.3"
    direct = rf.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert client_address(direct) == "198.51.100.4"  # not sent through our proxies: header ignored


@pytest.mark.redis
@pytest.mark.django_db
def test_a_flood_of_failed_sign_ins_raises_an_alert(settings, caplog) -> None:
    from backend.core.throttles import login_failures_this_minute

    settings.LOGIN_FAILURES_ALERT_PER_MINUTE = 5
    with caplog.at_level(logging.ERROR, logger="backend.core.throttles"):
        for i in range(8):  # password spraying: one guess for each of many accounts
            APIClient().post(TOKEN, {"email": f"p{i}@example.test", "password": "Winter2026!"}, format="json",
                             REMOTE_ADDR=f"203.0.113.{20 + i}")

    alerts = [r for r in caplog.records if r.levelno == logging.ERROR and "ALERT" in r.getMessage()]
    assert len(alerts) == 1  # once per minute, not once per failure
    assert login_failures_this_minute() >= 8


# --- 15.3: one token validator for HTTP and the websocket; sockets closed when access ends --------
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_token_from_before_a_password_change_opens_no_socket(server, bank) -> None:  # noqa: F811
    token = str(RefreshToken.for_user(bank.sam).access_token)
    bank.sam.set_password("a-new-password-1")
    bank.sam.save(update_fields=["password"])

    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {token}").get(ME).status_code == 401
    with connect(server, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert close_code(ws) == 4401


def _closed_within(ws, seconds: float) -> int | None:
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            ws.recv(timeout=max(deadline - time.time(), 0.01))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None
    return None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_open_socket_is_closed_within_a_second_when_the_person_is_deactivated(server, bank) -> None:  # noqa: F811
    superuser = UserFactory.create(email="root@example.test", role="admin", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(superuser)
    with open_as(server, bank.sam) as ws:
        started = time.time()
        admin.post("/admin/people/user/", {"action": "deactivate", "_selected_action": [bank.sam.pk]})

        assert _closed_within(ws, 1.0) == 4401
        assert time.time() - started < 1.5


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_open_socket_is_closed_when_the_password_changes_in_the_admin(server, bank) -> None:  # noqa: F811
    superuser = UserFactory.create(email="root@example.test", role="admin", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(superuser)
    with open_as(server, bank.sam) as ws:
        changed = admin.post(f"/admin/people/user/{bank.sam.pk}/password/",
                             {"password1": "Another-pass-2026", "password2": "Another-pass-2026"})

        assert changed.status_code == 302
        assert _closed_within(ws, 1.0) == 4401


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_logging_out_everywhere_closes_sockets_and_revokes_every_token(server, bank) -> None:  # noqa: F811
    refresh = RefreshToken.for_user(bank.sam)
    access = str(refresh.access_token)
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {access}")
    with open_as(server, bank.sam) as ws:
        assert api.post("/api/v1/auth/logout/", {"everywhere": True}, format="json").status_code == 205

        assert _closed_within(ws, 1.0) == 4401
    assert api.get(ME).status_code == 401
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)},
                            format="json").status_code == 401


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_non_json_frame_gets_an_error_frame_and_the_socket_stays_open(server, bank) -> None:  # noqa: F811
    with open_as(server, bank.sam) as ws:
        ws.send("this is not json {")
        error = json.loads(ws.recv(timeout=5))
        ws.send(b"\x00\x01binary")
        binary_error = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"type": "ping"}))
        pong = json.loads(ws.recv(timeout=5))

    assert error["type"] == "error" and error["code"] == "malformed_message"
    assert binary_error["code"] == "malformed_message"
    assert pong == {"type": "pong"}


# --- low: access tokens denylisted on logout -------------------------------------------------------
@pytest.mark.redis
@pytest.mark.django_db
def test_an_access_token_is_refused_after_logout() -> None:
    user = UserFactory.create()
    refresh = RefreshToken.for_user(user)
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert api.get(ME).status_code == 200

    assert api.post("/api/v1/auth/logout/", {"refresh": str(refresh)}, format="json").status_code == 205

    assert api.get(ME).status_code == 401


# --- #16.1: e-mail sign-in ignores case everywhere ---------------------------------------------------
@pytest.mark.django_db
def test_sign_in_ignores_the_case_of_the_email_address_everywhere() -> None:
    UserFactory.create(email="emma@example.test", role="admin", is_staff=True, is_superuser=True)
    typed = "Emma@Example.TEST"

    api = APIClient().post(TOKEN, {"email": typed, "password": DEFAULT_PASSWORD}, format="json")
    console = Client().post("/console/login/", {"username": typed, "password": DEFAULT_PASSWORD})
    admin = _admin_sign_in(Client(), typed, DEFAULT_PASSWORD)

    assert api.status_code == 200
    assert console.status_code == 302 and "sessionid" in console.cookies
    assert admin.status_code == 302 and "sessionid" in admin.cookies


@pytest.mark.django_db
def test_email_addresses_are_stored_case_folded_so_case_variants_cannot_make_two_accounts() -> None:
    from django.contrib.auth.forms import BaseUserCreationForm

    from backend.people.models import User

    User.objects.create_user(email="Emma.Jensen@Example.TEST", password="x")
    form_class = type("Form", (BaseUserCreationForm,), {"Meta": type("Meta", (), {"model": User, "fields": ["email"]})})
    twin = form_class(data={"email": "EMMA.JENSEN@example.test", "password1": "Long-enough-2026",
                            "password2": "Long-enough-2026"})

    assert User.objects.get().email == "emma.jensen@example.test"
    assert not twin.is_valid()
    assert [e["code"] for e in twin.errors.get_json_data()["email"]] == ["unique"]


# --- 15.3: SECRET_KEY --------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    "x",
    "short-but-not-empty",
    "django-insecure-relay-development-only-key-do-not-use-in-production",
    "change-me-compose-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "a" * 64,
])
def test_a_guessable_secret_key_refuses_to_start_with_debug_off(key: str) -> None:
    from tests.backend.test_settings import run_with

    result = run_with({"DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "relay.example.com"})

    assert result.returncode != 0
    assert "SECRET_KEY is" in result.stderr


def test_compose_requires_the_secret_key_from_the_environment() -> None:
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())

    assert compose["x-app-env"]["SECRET_KEY"].startswith("${SECRET_KEY:?")


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_make_new_visitors_of_a_tracked_link(settings) -> None:
    from backend.sharing.models import Click
    from tests.factories import ShareFactory

    settings.TRUSTED_PROXY_COUNT = 1  # behind our one proxy, which appends the address it saw
    share = ShareFactory.create()
    client = Client(REMOTE_ADDR="10.0.0.5", HTTP_USER_AGENT="Mozilla/5.0")
    for i in range(5):
        forged = f"10.9.{i}.1, 203.0.113.40"  # the visitor's own entry first, then our proxy's
        assert client.get(f"/s/{share.code}", HTTP_X_FORWARDED_FOR=forged).status_code == 302

    assert Click.objects.filter(share=share).values("visitor_key").distinct().count() == 1


# --- low: headers and the docs pages ------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/docs/", "/api/redoc/"])
def test_the_schema_and_docs_need_sign_in_with_debug_off(path: str) -> None:
    user = UserFactory.create()
    signed_in = Client()
    signed_in.force_login(user)

    assert Client().get(path).status_code == 401
    assert signed_in.get(path).status_code == 200


def test_api_docs_public_opens_them_again() -> None:
    from tests.backend.test_settings import run_with

    probe = ("import django; django.setup(); from django.conf import settings; "
             "print(settings.SPECTACULAR_SETTINGS.get('SERVE_PERMISSIONS'))")
    key = "k9#Vq2!xP7@rL4$wN8^zT1&bH6*mC3(eJ5)uY0_aS-dG+fK=" * 2
    public = run_with({"DEBUG": "0", "SECRET_KEY": key, "API_DOCS_PUBLIC": "1"}, probe)
    private = run_with({"DEBUG": "0", "SECRET_KEY": key}, probe)

    assert public.returncode == 0 and public.stdout.strip() == "None", public.stderr
    assert private.stdout.strip() == "['rest_framework.permissions.IsAuthenticated']", private.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/console/login/", "/admin/login/"])
def test_the_console_and_the_admin_send_a_content_security_policy(path: str) -> None:
    policy = Client().get(path)["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_production_server_command_does_not_let_x_forwarded_for_evade_the_limits(settings) -> None:
    """The Dockerfile's own command on 127.0.0.1. uvicorn trusts X-Forwarded-For from 127.0.0.1 by
    default and rewrites the client address before Django sees it: the command must turn that off,
    so that `client_address` is the one rule."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    import httpx

    root = Path(__file__).resolve().parents[2]
    command = json.loads(next(line for line in (root / "Dockerfile").read_text().splitlines()
                              if line.startswith("CMD "))[4:])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = command[1:]
    args[args.index("--host") + 1], args[args.index("--port") + 1] = "127.0.0.1", str(port)
    args[args.index("--workers") + 1] = "1"
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "ALLOWED_HOSTS": "127.0.0.1"}
    UserFactory.create(email="emma@example.test")
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", *args, "--log-level", "warning"], cwd=root, env=env,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        statuses = [
            httpx.post(base + TOKEN, json={"email": "emma@example.test", "password": f"guess-{i}"},
                       headers={"X-Forwarded-For": f"10.{i}.{i}.{i}"}, timeout=30).status_code
            for i in range(12)
        ]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    free = settings.LOGIN_BACKOFF_AFTER_FAILURES
    assert statuses[:free] == [401] * free
    assert set(statuses[free:]) == {429}
