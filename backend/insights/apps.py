from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "backend.insights"
    label = "insights"
    verbose_name = "Insights: figures across sharing and listening"
