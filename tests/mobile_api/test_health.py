from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_says_the_process_is_alive(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_503_with_a_retry_hint_when_redis_is_down(client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response["Retry-After"] == "5"


@pytest.mark.redis
def test_readyz_checks_a_configured_redis(client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"
