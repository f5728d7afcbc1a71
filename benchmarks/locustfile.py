"""Locust users for the benchmarks. Tokens come from the harness through RELAY_BENCH_TOKENS."""
from __future__ import annotations

import json
import os
import random
import uuid

from locust import FastHttpUser, constant, constant_throughput, task

TOKENS: dict[str, str] = json.loads(os.environ.get("RELAY_BENCH_TOKENS", "{}"))
RATE = float(os.environ.get("RELAY_BENCH_RATE_PER_USER", "0"))

from traffic import AGENTS, TEXTS  # noqa: E402  (locust puts this folder on sys.path)


def wait():  # type: ignore[no-untyped-def]
    return constant_throughput(RATE) if RATE else constant(0)


class Trivial(FastHttpUser):
    """The yardstick: the cheapest endpoint the server has."""

    wait_time = wait()

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz")


class Submitter(FastHttpUser):
    """Employees passing on signals: each POST carries a fresh Idempotency-Key, as the app does."""

    wait_time = wait()

    def on_start(self) -> None:
        emails = [e for e in TOKENS if e.startswith(("emma", "lars", "daan", "mette", "james"))]
        self.headers = {"Authorization": f"Bearer {TOKENS[random.choice(emails)]}"}

    @task
    def submit(self) -> None:
        self.client.post(
            "/api/v1/signals/", json={"text": random.choice(TEXTS), "heard_via": "in_person"},
            headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())}, name="/api/v1/signals/",
        )


# --- sharing (benchmarks/sharing_bench.py) ---------------------------------------------------------
CODES: list[str] = json.loads(os.environ.get("RELAY_BENCH_CODES", "[]"))


class Redirector(FastHttpUser):
    """People following tracked links (and a few link-preview bots): GET /s/{code}, not followed."""

    wait_time = wait()

    @task
    def follow(self) -> None:
        with self.client.get(f"/s/{random.choice(CODES)}", name="/s/{code}", allow_redirects=False,
                             headers={"User-Agent": random.choice(AGENTS),
                                      "Referer": "https://www.linkedin.com/feed/"},
                             catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"expected 302, got {response.status_code}")


class FeedReader(FastHttpUser):
    """Employees opening the app: GET /api/v1/feed/ (first page)."""

    wait_time = wait()

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {random.choice(list(TOKENS.values()))}"}

    @task
    def feed(self) -> None:
        self.client.get("/api/v1/feed/", headers=self.headers, name="/api/v1/feed/")
