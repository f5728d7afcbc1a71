"""The Celery app. On the embedded default (no REDIS_URL) tasks run in-process (eager).

What a worker process sets up for itself (one event loop and one firebase-admin App for pushes and
live events) is connected to Celery's `worker_process_init` in notifications/tasks.py.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("relay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
