"""Fixtures of the hostile tests."""
from tests.hostile.broker import broker  # noqa: F401  (fixture: Redis as the Celery broker)
