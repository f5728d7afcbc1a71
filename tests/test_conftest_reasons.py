"""A skipped test says what is missing: the variable that is not set at all, or where the one that
is set points (without its password)."""
from __future__ import annotations

from tests.conftest import _missing_postgres_reason, _missing_redis_reason


def test_the_reason_names_the_unset_database_url(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert "DATABASE_URL is not set" in _missing_postgres_reason("sqlite")


def test_the_reason_says_what_a_set_database_url_points_at(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/relay.sqlite3")

    assert _missing_postgres_reason("sqlite") == "PostgreSQL (DATABASE_URL points at sqlite, not PostgreSQL)"


def test_the_reason_names_the_unset_redis_url(settings) -> None:
    settings.REDIS_URL = ""

    assert "REDIS_URL is not set" in _missing_redis_reason()


def test_the_reason_for_an_unreachable_redis_shows_no_password(settings) -> None:
    settings.REDIS_URL = "redis://:s3cret@127.0.0.1:1/0"

    reason = _missing_redis_reason()

    assert reason == "Redis (REDIS_URL is set, but nothing answers at 127.0.0.1:1)"
    assert "s3cret" not in reason
