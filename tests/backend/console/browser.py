"""A real browser against a real server: Debian's Chromium driven by Playwright, and the whole ASGI
application (HTTP, static files through WhiteNoise, the websocket) served by uvicorn on a free
port of 127.0.0.1. With REDIS_URL set the channel layer is Redis, as in production.

The browser is the system one (`/usr/bin/chromium`); Playwright never downloads a browser here.
Where it is missing the browser tests skip — unless RELAY_REQUIRE_SERVICES=1 (CI), where they fail.

Loaded as a pytest plugin by tests/conftest.py, so that any test can ask for the fixtures
`playwright` (Playwright's sync API on the system Chromium) and `console_server` (the whole ASGI
application on a free port, static files collected).
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from tests.conftest import REQUIRE_SERVICES, redis_url_reachable

CHROMIUM = os.environ.get("RELAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_application() -> Any:
    """The production ASGI stack, with a new Django handler so that WhiteNoise indexes the static
    files collected for this test (it reads STATIC_ROOT once, when the middleware is built)."""
    from channels.routing import ProtocolTypeRouter
    from django.core.handlers.asgi import ASGIHandler

    from backend.asgi import application

    return ProtocolTypeRouter({"http": ASGIHandler(), "websocket": application.application_mapping["websocket"]})


@contextmanager
def serve(app: Any) -> Iterator[str]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           ws="websockets-sansio", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="uvicorn-console-test", daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def browser_context(playwright: Any, profile_dir: Path) -> Iterator[Any]:
    """One Chromium process per person, each with its own fresh profile (cookies, storage)."""
    context = playwright.chromium.launch_persistent_context(
        user_data_dir=str(profile_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Amsterdam",
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def sign_in(page: Any, base: str, email: str, password: str, next_path: str) -> None:
    page.goto(f"{base}/console/login/?next={next_path}")
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{next_path}")


@pytest.fixture
def playwright(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
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
        # ORM calls made while Playwright's loop runs in this thread hold their connection in that
        # context's storage, which Django's own teardown never sees; returned here, or the test
        # database cannot be dropped at the end of the session ("accessed by other users").
        connections.close_all()


@pytest.fixture
def console_server(settings: Any, tmp_path: Path, eager_tasks: None) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the websocket's origin check reads them too
    settings.STATIC_ROOT = tmp_path / "static"
    # The production path (collected files served by WhiteNoise), minus the gzip/brotli pass that
    # costs most of a minute over the API docs' assets.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    # `eager_tasks`: without it the live events the pages wait for would wait in the broker.
    with serve(fresh_application()) as base:
        yield base
