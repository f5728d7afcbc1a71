from celery import shared_task

from backend.directory import services


@shared_task(name="directory.people_anonymise")
def people_anonymise_task() -> int:
    """Beat, every 6 hours: anonymise the people the directory deleted SCIM_ANONYMISE_AFTER_DAYS ago."""
    return services.directory_people_anonymise()
