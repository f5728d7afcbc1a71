"""Locust users for benchmarks/load_bench.py: realistic mixed traffic against one Relay server.

Data comes from load_seed.py through the JSON file named by RELAY_LOAD_DATA_FILE; how many users of each class run
comes from RELAY_LOAD_USERS ({"AppStart": 4, ...}, locust's `fixed_count`). RELAY_LOAD_MAX_REQUESTS
stops the whole run after that many requests, whatever --run-time says.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, events, task
from traffic import AGENTS, TEXTS  # (locust puts this folder on sys.path)

DATA = json.loads(Path(os.environ["RELAY_LOAD_DATA_FILE"]).read_text()) if os.environ.get("RELAY_LOAD_DATA_FILE") else {}
COUNTS = json.loads(os.environ.get("RELAY_LOAD_USERS", "{}"))
MAX_REQUESTS = int(os.environ.get("RELAY_LOAD_MAX_REQUESTS", "0"))
_app_tokens = itertools.cycle(DATA.get("app", []))
_sent = itertools.count(1)


_environment = None


@events.init.add_listener
def _keep_environment(environment, **kwargs) -> None:  # type: ignore[no-untyped-def]
    global _environment
    _environment = environment


@events.request.add_listener
def _bound_requests(**kwargs) -> None:  # type: ignore[no-untyped-def]
    if MAX_REQUESTS and next(_sent) == MAX_REQUESTS and _environment is not None and _environment.runner:
        _environment.runner.quit()


def _count(name: str) -> int:
    return int(COUNTS.get(name, 0))


class Trivial(FastHttpUser):
    """The yardstick, measured in the same run under the same load: the cheapest endpoint there is."""

    fixed_count = _count("Trivial")
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")


class AppStart(FastHttpUser):
    """The app coming to the foreground: rotate the refresh token, then the feed and the inbox."""

    fixed_count = _count("AppStart")
    wait_time = constant(0)

    def on_start(self) -> None:
        pair = next(_app_tokens)
        self.refresh, self.access = pair["refresh"], pair["access"]

    @task
    def open_app(self) -> None:  # (not `start`: that is locust's own User.start)
        with self.client.post("/api/v1/auth/token/refresh/", json={"refresh": self.refresh},
                              name="POST /api/v1/auth/token/refresh/", catch_response=True) as r:
            if r.status_code == 200:
                body = r.json()
                self.refresh, self.access = body["refresh"], body["access"]
            else:
                r.failure(f"refresh: {r.status_code}")
        auth = {"Authorization": f"Bearer {self.access}"}
        self.client.get("/api/v1/feed/", headers=auth, name="GET /api/v1/feed/")
        self.client.get("/api/v1/notifications/", headers=auth, name="GET /api/v1/notifications/")


class Submitter(FastHttpUser):
    """Employees passing on signals, each with a fresh Idempotency-Key; one in ten is the app
    retrying the previous one (same key, same body), which must replay the first answer."""

    fixed_count = _count("Submitter")
    wait_time = constant(0)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {random.choice(DATA['submitters'])}"}
        self.last: tuple[str, dict] | None = None

    @task
    def submit(self) -> None:
        if self.last and random.random() < 0.1:
            key, body = self.last
            with self.client.post("/api/v1/signals/", json=body, headers={**self.auth, "Idempotency-Key": key},
                                  name="POST /api/v1/signals/ (retry)", catch_response=True) as r:
                if r.status_code != 201 or r.headers.get("Idempotent-Replayed") != "true":
                    r.failure(f"retry: {r.status_code}")
            return
        key, body = str(uuid.uuid4()), {"text": random.choice(TEXTS), "heard_via": "in_person"}
        self.client.post("/api/v1/signals/", json=body, headers={**self.auth, "Idempotency-Key": key},
                         name="POST /api/v1/signals/")
        self.last = (key, body)


class QueueWorker(FastHttpUser):
    """Sales and support agents: poll their queue for unclaimed signals and claim one; a 409
    (a colleague was first) is the normal outcome of a race, not an error."""

    fixed_count = _count("QueueWorker")
    wait_time = constant(0)

    def on_start(self) -> None:
        me = random.choice(DATA["queues"])
        self.auth, self.queue = {"Authorization": f"Bearer {me['token']}"}, me["queue"]

    @task
    def poll_and_claim(self) -> None:
        with self.client.get(f"/api/v1/queues/{self.queue}/signals/?assignee=none", headers=self.auth,
                             name="GET /api/v1/queues/{id}/signals/", catch_response=True) as r:
            items = r.json().get("results", []) if r.status_code == 200 else []
        if items and random.random() < 0.3:
            pk = random.choice(items[:5])["id"]
            with self.client.post(f"/api/v1/signals/{pk}/claim/", headers=self.auth,
                                  name="POST /api/v1/signals/{id}/claim/", catch_response=True) as r:
                if r.status_code in (200, 409):
                    r.success()


class Redirector(FastHttpUser):
    """People following tracked links (and link-preview bots): GET /s/{code}, not followed."""

    fixed_count = _count("Redirector")
    wait_time = constant(0)

    @task
    def follow(self) -> None:
        with self.client.get(f"/s/{random.choice(DATA['codes'])}", name="GET /s/{code}", allow_redirects=False,
                             headers={"User-Agent": random.choice(AGENTS), "Referer": "https://www.linkedin.com/"},
                             catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"expected 302, got {r.status_code}")
