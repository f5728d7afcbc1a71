"""A real browser against a real server: Debian's Chromium driven by Playwright, and the whole ASGI
application (HTTP, static files through WhiteNoise, the websocket) served by uvicorn on a free
port of 127.0.0.1. With REDIS_URL set the channel layer is Redis, as in production.

The browser is the system one (`/usr/bin/chromium`); Playwright never downloads a browser here.
Where it is missing the browser tests skip — unless RELAY_REQUIRE_SERVICES=1 (CI), where they fail.
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
