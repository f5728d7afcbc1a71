"""GET /metrics is never public: a bearer token, or a client address in METRICS_ALLOWED_NETWORKS
as backend.core.addresses.client_address reads it (a sender's own X-Forwarded-For is not believed)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-" + "k" * 40
OUTSIDE = "203.0.113.7"


def refused(response) -> bool:
    return response.status_code == 404 and response.json()["error"]["code"] == "not_found" \
        and b"relay_" not in response.content


def test_from_outside_without_a_token_it_is_refused(api_client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN

    assert refused(api_client.get("/metrics", REMOTE_ADDR=OUTSIDE))


def test_a_wrong_token_is_refused_even_from_loopback(api_client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN

    response = api_client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer " + TOKEN[:-1] + "x")

    assert refused(response)


def test_the_token_opens_it_from_anywhere(api_client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN

    response = api_client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer " + TOKEN)

    assert response.status_code == 200
    assert b"# TYPE relay_outbox_oldest_due_seconds gauge" in response.content


def test_a_bearer_header_without_a_configured_token_opens_nothing(api_client, settings) -> None:
    settings.METRICS_TOKEN = ""

    assert refused(api_client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer "))


def test_by_default_only_loopback_may_scrape(api_client) -> None:
    assert api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert api_client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert refused(api_client.get("/metrics", REMOTE_ADDR="10.0.0.5"))


def test_an_allowed_network_may_scrape(api_client, settings) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert api_client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert refused(api_client.get("/metrics", REMOTE_ADDR="10.21.3.4"))
    assert refused(api_client.get("/metrics", REMOTE_ADDR="127.0.0.1"))  # the setting replaces loopback


def test_a_spoofed_forwarded_for_is_not_believed(api_client, settings) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    response = api_client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR="10.20.3.4")

    assert refused(response)


def test_behind_our_proxy_the_address_it_saw_counts(api_client, settings) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    settings.TRUSTED_PROXY_NETWORKS = ["192.168.0.0/24"]

    allowed = api_client.get("/metrics", REMOTE_ADDR="192.168.0.2", HTTP_X_FORWARDED_FOR="10.20.3.4")
    # The sender prepended an allowed address; our proxy appended the address it really saw.
    spoofed = api_client.get("/metrics", REMOTE_ADDR="192.168.0.2", HTTP_X_FORWARDED_FOR=f"10.20.3.4, {OUTSIDE}")

    assert allowed.status_code == 200
    assert refused(spoofed)


def test_only_get(api_client) -> None:
    assert api_client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


MULTIPROCESS = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()
from django.test import Client
from mobile_api.metrics import process_metrics

for _ in range(int(sys.argv[1])):
    assert Client().get("/healthz").status_code == 200
print(process_metrics().decode())
"""


def test_with_a_multiprocess_directory_the_web_processes_counts_are_added_up(tmp_path) -> None:
    """Several uvicorn/gunicorn workers: whichever one is scraped answers for all (docs/operations.md)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "ALLOWED_HOSTS": "testserver"}

    def process(requests: int) -> str:
        done = subprocess.run([sys.executable, "-c", MULTIPROCESS, str(requests)], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    process(2)
    scraped = process(1)

    assert 'relay_http_requests_total{method="GET",status="200",view="healthz"} 3.0' in scraped
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
