"""Celery tasks of the outbox. They take ids only and are safe to run twice.

The one path after commit: `notifications.services.outbox_write` → `deliver_notifications`
(live events to the channel layer, then pushes through FCM) → rows marked published/sent/failed.
The beat sweeper re-queues what that path left behind.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown
from django.conf import settings
from django.utils import timezone

from notifications import delivery, live, mail, push, webhooks
from notifications.models import LiveEvent, LiveState

logger = logging.getLogger(__name__)


@worker_process_init.connect
def _worker_sends_on_one_loop(**_: object) -> None:
    # A worker's pool process (prefork child or solo worker), never a web process: it keeps one
    # event loop and one firebase-admin App for its whole life (notifications/push.py says why).
    push.worker_start()


@worker_process_shutdown.connect
def _worker_closes_its_loop(**_: object) -> None:
    push.worker_stop()


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_notifications(*, notification_ids: list[int] | None = None,
                          live_event_ids: list[int] | None = None,
                          webhook_delivery_ids: list[int] | None = None,
                          email_ids: list[int] | None = None) -> dict[str, int]:
    # Live events first: they are what a screen shows within a second; pushes may take longer.
    published = live.publish(live_event_ids=live_event_ids) if live_event_ids else 0
    hooks = _deliver_webhooks(webhook_delivery_ids) if webhook_delivery_ids else {}
    hooks.update(_deliver_emails(email_ids) if email_ids else {})
    if not notification_ids:
        return {"published": published, **hooks}
    report = delivery.deliver(notification_ids=notification_ids)
    if report.retry_ids and not settings.CELERY_TASK_ALWAYS_EAGER:
        # The rows are pending with a back-off time; this is the fast path, the sweeper the safety net.
        try:
            deliver_notifications.apply_async(kwargs={"notification_ids": report.retry_ids},
                                              countdown=report.retry_in or 1)
        except Exception:  # noqa: BLE001
            logger.warning("could not schedule the retry of %d notifications; the sweeper will",
                           len(report.retry_ids))
    return {"published": published, "claimed": report.claimed, "sent": report.sent, "retry": report.retry,
            "failed": report.failed, "not_pushed": report.not_pushed, **hooks}


def _deliver_webhooks(ids: list[int]) -> dict[str, int]:
    # Retries are the sweeper's (every minute): webhook back-off runs to hours, beyond what a
    # broker's visibility timeout lets a countdown task wait.
    report = webhooks.deliver(delivery_ids=ids)
    return {"webhooks_delivered": report.delivered, "webhooks_retry": report.retry,
            "webhooks_failed": report.failed}


def _deliver_emails(ids: list[int]) -> dict[str, int]:
    # Retries are the sweeper's, as for webhooks: SMTP back-off runs to an hour.
    report = mail.deliver(email_ids=ids)
    return {"emails_sent": report.sent, "emails_retry": report.retry, "emails_failed": report.failed}


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Re-queue rows left pending (worker died, broker down, quiet hours over, SMTP down): notifications,
    webhooks and e-mails that are due, and live events young enough to matter (older ones expire)."""
    from notifications.services import deliver_queue

    notification_ids = delivery.sweep()
    live_event_ids = live.sweep()
    webhook_ids = webhooks.sweep()
    email_ids = mail.sweep()
    if notification_ids or live_event_ids or webhook_ids or email_ids:
        deliver_queue(notification_ids=notification_ids, live_event_ids=live_event_ids,
                      webhook_delivery_ids=webhook_ids, email_ids=email_ids)
    return len(notification_ids) + len(live_event_ids) + len(webhook_ids) + len(email_ids)


@shared_task(name="notifications.purge_live_events", ignore_result=True)
def purge_live_events() -> int:
    """Published and expired live events are only history: dropped after LIVE_EVENT_KEEP_HOURS."""
    before = timezone.now() - timedelta(hours=settings.LIVE_EVENT_KEEP_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=before).exclude(state=LiveState.PENDING).delete()
    return deleted
