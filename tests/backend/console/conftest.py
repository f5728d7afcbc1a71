"""Console fixtures: Django test clients signed in with a real session, per person of the bank."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from backend.console.access import SESSION_LANGUAGE
from tests.backend.console.browser import CHROMIUM, fresh_application, serve
from tests.conftest import REQUIRE_SERVICES, redis_url_reachable


@pytest.fixture
def browser_for(db) -> Callable[..., Client]:
    """A test client with a session for `user`; `csrf=True` makes it check CSRF like a browser.
    The console's language is English unless `language` says otherwise (None: the person's own)."""

    def make(user, *, csrf: bool = False, language: str | None = "en") -> Client:
        client = Client(enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
            if language:
                session = client.session
                session[SESSION_LANGUAGE] = language
                session.save()
        return client

    return make


# The browser tests' fixtures (test_browser.py, test_sso.py): Playwright with the system Chromium,
# and the whole ASGI application served by uvicorn.
@pytest.fixture
def playwright(monkeypatch) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium ({CHROMIUM}) is required here (RELAY_REQUIRE_SERVICES=1) but is not installed")
        pytest.skip(f"Chromium ({CHROMIUM}) is not installed")
    if os.environ.get("REDIS_URL") and redis_url_reachable() is None and REQUIRE_SERVICES:
        pytest.fail("REDIS_URL is set but Redis is not reachable")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
    # plain synchronous calls, which Django would otherwise refuse next to a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as p:
        yield p


@pytest.fixture
def server(settings, tmp_path: Path) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the websocket's origin check reads them too
    settings.STATIC_ROOT = tmp_path / "static"
    # The production path (collected files served by WhiteNoise), minus the gzip/brotli pass that
    # costs most of a minute over the API docs' assets.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    with serve(fresh_application()) as base:
        yield base
