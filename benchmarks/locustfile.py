"""Locust users for sharing_bench.py. Tokens come from the harness through RELAY_BENCH_TOKENS."""
from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, constant, task
from traffic import AGENTS  # (locust puts this folder on sys.path)

TOKENS: dict[str, str] = json.loads(os.environ.get("RELAY_BENCH_TOKENS", "{}"))


class Trivial(FastHttpUser):
    """The yardstick: the cheapest endpoint the server has."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz")


# --- sharing (benchmarks/sharing_bench.py) ---------------------------------------------------------
CODES: list[str] = json.loads(os.environ.get("RELAY_BENCH_CODES", "[]"))


class Redirector(FastHttpUser):
    """People following tracked links (and a few link-preview bots): GET /s/{code}, not followed."""

    wait_time = constant(0)

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

    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {random.choice(list(TOKENS.values()))}"}

    @task
    def feed(self) -> None:
        self.client.get("/api/v1/feed/", headers=self.headers, name="/api/v1/feed/")
