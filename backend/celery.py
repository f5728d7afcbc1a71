"""The Celery app. On the embedded default (no REDIS_URL) tasks run in-process (eager).

What a worker process sets up for itself (one event loop and one firebase-admin App for pushes and
live events) is connected to Celery's `worker_process_init` in notifications/tasks.py.
"""
import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_prerun

from backend.core.request_context import log_context_clear

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("relay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _keep_django_logging(**_: object) -> None:
    """Issue 20: with no receiver here, a worker replaces the root logger's handlers with its own
    plain ones, and worker log lines would skip the JSON format, the context fields and the
    redaction of contact details. Connecting this tells Celery to leave logging to Django's LOGGING."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@task_prerun.connect
def _task_starts_with_a_clean_log_context(task: Any = None, **_: object) -> None:
    # A worker thread runs task after task: no person or signal carries over from the previous one.
    # An eager task (the embedded default) runs inside the request that queued it: that keeps its own.
    if task is not None and getattr(task.request, "is_eager", False):
        return
    log_context_clear()
