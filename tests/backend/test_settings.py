"""Settings come from the environment; production refuses to start without a secret."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
  "engine": settings.DATABASES["default"]["ENGINE"],
  "db_name": str(settings.DATABASES["default"]["NAME"]),
  "cache": settings.CACHES["default"]["BACKEND"],
  "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
  "eager": settings.CELERY_TASK_ALWAYS_EAGER,
  "broker": settings.CELERY_BROKER_URL,
  "hosts": settings.ALLOWED_HOSTS,
  "debug": settings.DEBUG,
  "log_level": settings.LOG_LEVEL,
}))
"""


def run_with(env: dict[str, str], code: str = PROBE, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY",
                                                              "ALLOWED_HOSTS", "FIREBASE_CREDENTIALS", "LOG_LEVEL",
                                                              "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "backend.settings", "PYTHONPATH": str(ROOT)}, **env)
    return subprocess.run(
        [sys.executable, "-c", code, *args] if code else [sys.executable, *args],
        env=clean, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_embedded_default_is_sqlite_in_memory_layer_and_eager_tasks() -> None:
    result = run_with({"DEBUG": "1"})

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["db_name"].endswith("var/relay.sqlite3")
    assert probe["cache"].endswith("LocMemCache")
    assert probe["channels"] == "channels.layers.InMemoryChannelLayer"
    assert probe["eager"] is True


def test_production_variables_select_postgres_redis_and_workers() -> None:
    result = run_with({
        "SECRET_KEY": "k9#Vq2!xP7@rL4$wN8^zT1&bH6*mC3(eJ5)uY0_aS-dG+fK=" * 2,
        "DATABASE_URL": "postgres://relay:pw@db.internal:5432/relay",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "ALLOWED_HOSTS": "relay.example.com,api.relay.example.com",
        "LOG_LEVEL": "warning",
    })

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.postgresql"
    assert probe["cache"] == "django_redis.cache.RedisCache"  # one connection pool per process
    assert probe["channels"] == "channels_redis.core.RedisChannelLayer"
    assert probe["eager"] is False
    assert probe["broker"] == "redis://cache.internal:6379/0"
    assert probe["hosts"] == ["relay.example.com", "api.relay.example.com"]
    assert probe["debug"] is False
    assert probe["log_level"] == "WARNING"


def test_debug_off_without_secret_key_refuses_to_start() -> None:
    result = run_with({"DEBUG": "0"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_firebase_credentials_must_name_an_existing_file() -> None:
    result = run_with({"DEBUG": "1", "FIREBASE_CREDENTIALS": "/nonexistent/service-account.json"})

    assert result.returncode != 0
    assert "FIREBASE_CREDENTIALS" in result.stderr


def test_check_deploy_is_clean_with_production_variables() -> None:
    result = run_with(
        {
            "SECRET_KEY": "k9#Vq2!xP7@rL4$wN8^zT1&bH6*mC3(eJ5)uY0_aS-dG+fK=" * 2,
            "ALLOWED_HOSTS": "relay.example.com",
            "DEBUG": "0",
        },
        "",
        "backend/manage.py", "check", "--deploy", "--fail-level", "WARNING",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
