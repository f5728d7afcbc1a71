"""Liveness and readiness for load balancers and docker-compose health checks."""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; checks nothing else so it never flaps with a dependency."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to take traffic: the database answers, and Redis too when it is configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response
