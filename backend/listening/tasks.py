from celery import shared_task

from backend.listening import services


@shared_task(name="listening.contact_purge_expired")
def contact_purge_expired_task() -> int:
    return services.contact_purge_expired()


@shared_task(name="listening.complaints_due_soon_alert")
def complaints_due_soon_alert_task() -> int:
    return services.complaints_due_soon_alert()
