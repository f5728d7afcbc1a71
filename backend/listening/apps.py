from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "backend.listening"
    label = "listening"
    verbose_name = "Listening: signals, routing, queues"

    def ready(self) -> None:
        # The outbox e-mails `signal.escalated` notifications to team leads; what that mail says
        # about the signal is known here (notifications must not import listening).
        from backend.listening.events import escalation_email_context
        from notifications.mail import email_context_register

        email_context_register("signal.escalated", escalation_email_context)
