from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "backend.listening"
    label = "listening"
    verbose_name = "Listening: signals, routing, queues"
