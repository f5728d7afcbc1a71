from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "backend.integrations"
    label = "integrations"
    verbose_name = "Integrations: status events from CRMs and applicant tracking systems"
