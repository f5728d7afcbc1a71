"""Throttles are atomic counters in the shared cache (Redis in production): racing requests from
several threads (or processes) are all counted, and the limit holds exactly."""
from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from backend.core.throttles import LoginIpThrottle


class _View:
    pass


def _allowed_in_parallel(throttle_rate: str, attempts: int, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(LoginIpThrottle, "THROTTLE_RATES", {"login": throttle_rate})
    factory = APIRequestFactory()
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(count: int) -> None:
        start.wait()
        for _ in range(count):
            request = factory.post("/api/v1/auth/token/", REMOTE_ADDR="203.0.113.7")
            request.user = None  # type: ignore[assignment]  # a request before authentication
            ok = LoginIpThrottle().allow_request(request, _View())  # type: ignore[arg-type]
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=worker, args=(attempts // 8,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == attempts
    return sum(allowed)


@pytest.mark.redis
def test_racing_requests_are_all_counted_on_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a limit of 30 per hour, when 8 threads make 80 attempts at once
    allowed = _allowed_in_parallel("30/hour", 80, monkeypatch)
    # then exactly 30 get through: no lost updates between racing requests
    assert allowed == 30


def test_the_counter_is_one_cache_key_per_client_and_window(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    allowed = _allowed_in_parallel("5/hour", 16, monkeypatch)
    assert allowed == 5
    throttle = LoginIpThrottle()
    request = APIRequestFactory().post("/x", REMOTE_ADDR="203.0.113.7")
    request.user = None  # type: ignore[assignment]  # a request before authentication
    assert throttle.allow_request(request, _View()) is False  # type: ignore[arg-type]
    wait = throttle.wait()
    assert wait is not None and 1 <= wait <= 3600
