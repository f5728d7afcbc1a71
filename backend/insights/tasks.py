"""Beat jobs of insights (issue 20): the e-mail digests, written to the outbox hourly for the people
whose local morning it is. Safe to run twice: each mail has a unique dedup key."""
from __future__ import annotations

from celery import shared_task

from backend.insights.digests import email_daily_summaries_write, email_digests_write


@shared_task(name="insights.email_digests_write", ignore_result=True)
def email_digests_write_task() -> int:
    return email_digests_write()


@shared_task(name="insights.email_daily_summaries_write", ignore_result=True)
def email_daily_summaries_write_task() -> int:
    return email_daily_summaries_write()
