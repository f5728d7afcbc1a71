from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ListeningConfig(AppConfig):
    name = "backend.listening"
    label = "listening"
    verbose_name = "Listening: signals, routing, queues"

    def ready(self) -> None:
        from backend.listening.models import RoutingRule
        from backend.listening.routing import rules_changed
        from backend.people.models import Team

        # Routing reads rules and teams from a per-process cache; a change here is seen at once.
        for model in (RoutingRule, Team):
            post_save.connect(rules_changed, sender=model, dispatch_uid=f"routing-forget-save-{model.__name__}")
            post_delete.connect(rules_changed, sender=model, dispatch_uid=f"routing-forget-delete-{model.__name__}")
