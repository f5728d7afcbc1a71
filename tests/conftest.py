"""Shared fixtures. Service-dependent tests are marked `postgres` or `redis`: they run where the
service is configured and reachable, and are skipped elsewhere — unless RELAY_REQUIRE_SERVICES=1
(as in CI), where an unavailable service fails the test instead."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.bank import bank  # noqa: F401  (fixture)
from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("RELAY_REQUIRE_SERVICES") == "1"

# Fixtures shared across folders, as plugins: the browser (`playwright`, `console_server`) for any
# test that needs a real Chromium; the OpenID provider process (`openid_provider`, `sso`) for the
# API's and the console's single sign-on tests (issue 17).
pytest_plugins = ["tests.backend.console.browser", "tests.backend.people.oidc_fixture"]


def service_unavailable(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required here (RELAY_REQUIRE_SERVICES=1) but unavailable: {what}")
    pytest.skip(what)


def redis_url_reachable() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return settings.REDIS_URL


def _redis_missing() -> str:
    """What is missing for the Redis tests, in words a newcomer can act on."""
    if not os.environ.get("REDIS_URL"):
        return "Redis: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/0)"
    return "Redis: REDIS_URL is set but nothing answers there (is redis-server running?)"


@pytest.fixture(autouse=True)
def _required_services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            service_unavailable(_missing_postgres_reason(connection.vendor))
    if request.node.get_closest_marker("redis") and redis_url_reachable() is None:
        service_unavailable(_missing_redis_reason())


def _missing_postgres_reason(vendor: str) -> str:
    """Says what to set: the variable that is missing, or what the one that is set points at."""
    if not os.environ.get("DATABASE_URL"):
        return "PostgreSQL (DATABASE_URL is not set; e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/relay)"
    return f"PostgreSQL (DATABASE_URL points at {vendor}, not PostgreSQL)"


def _missing_redis_reason() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "Redis (REDIS_URL is not set; e.g. REDIS_URL=redis://127.0.0.1:6379/0)"
    url = urlsplit(settings.REDIS_URL)  # host and port only: the URL may carry a password
    return f"Redis (REDIS_URL is set, but nothing answers at {url.hostname}:{url.port or 6379})"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters live in the cache (Redis in CI): each test starts from zero."""
    # A test that stops Redis on purpose must still be able to start.
    with contextlib.suppress(Exception):
        cache.clear()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Celery tasks run in-process after commit, as in the embedded default: with REDIS_URL set they
    would otherwise wait in the broker for a worker the test does not start. The real worker has
    its own tests (tests/hostile/test_worker_faults.py and friends)."""
    from backend.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """An API client signed in as `user` with a real JWT access token."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def employee(db):
    return UserFactory.create(role="employee")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness is for attackers, not for a test suite that creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_LOOPBACK_PREFIXES = ("127.", "::1", "localhost", "0:0:0:0:0:0:0:1")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch) -> None:
    """Fail any test that tries to reach a non-loopback address (FCM, Google OAuth, anything)."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(sock: socket.socket, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            if not host.startswith(_LOOPBACK_PREFIXES):
                pytest.fail(f"test tried to reach a non-loopback address: {host}")
        return real_connect(sock, address)

    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and not str(host).startswith(_LOOPBACK_PREFIXES):
            pytest.fail(f"test tried to resolve a non-loopback host: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)

