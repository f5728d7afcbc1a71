from celery import shared_task

from backend.sharing import services


@shared_task(name="sharing.stories_publish_due")
def stories_publish_due_task() -> int:
    return services.stories_publish_due()


@shared_task(name="sharing.stories_expire_due")
def stories_expire_due_task() -> int:
    return services.stories_expire_due()


@shared_task(name="sharing.salts_purge_old")
def salts_purge_old_task() -> int:
    return services.salts_purge_old()
