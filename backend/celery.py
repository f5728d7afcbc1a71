"""The Celery app. On the embedded default (no REDIS_URL) tasks run in-process (eager)."""
import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("relay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_start_up_objects(**_: object) -> None:
    # As in backend/asgi.py: what a worker loaded at start lives as long as the process, so the
    # collector need not walk it on every full collection (~100 ms with the whole app loaded).
    gc.collect()
    gc.freeze()
