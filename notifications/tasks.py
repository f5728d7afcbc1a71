"""Celery tasks of the outbox. They take ids only and are safe to run twice."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from notifications import delivery

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_notifications(*, notification_ids: list[int]) -> dict[str, int]:
    report = delivery.deliver(notification_ids=notification_ids)
    if report.retry_ids and not settings.CELERY_TASK_ALWAYS_EAGER:
        # The rows are pending with a back-off time; this is the fast path, the sweeper the safety net.
        try:
            deliver_notifications.apply_async(kwargs={"notification_ids": report.retry_ids},
                                              countdown=report.retry_in or 1)
        except Exception:  # noqa: BLE001
            logger.warning("could not schedule the retry of %d notifications; the sweeper will",
                           len(report.retry_ids))
    return {"claimed": report.claimed, "sent": report.sent, "retry": report.retry, "failed": report.failed,
            "not_pushed": report.not_pushed}


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Re-queue rows left pending (worker died, broker down, quiet hours over)."""
    from notifications.services import dispatch

    ids = delivery.sweep()
    if ids:
        dispatch(ids)
    return len(ids)
