from celery import shared_task

from backend.listening import services


@shared_task(name="listening.contact_purge_expired")
def contact_purge_expired_task() -> int:
    return services.contact_purge_expired()


@shared_task(name="listening.sla_escalate", ignore_result=True)
def sla_escalate_task() -> int:
    """Every minute (beat): reminders and escalations whose time has come, each once per signal."""
    return services.sla_escalate()


@shared_task(name="listening.nlp_retrain")
def nlp_retrain_task() -> str:
    """Weekly when RELAY_NLP_WEEKLY_RETRAIN is on (off by default): corrections in, gate, decision."""
    return str(services.nlp_retrain()["decision"])
