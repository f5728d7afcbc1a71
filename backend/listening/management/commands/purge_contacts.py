from django.core.management.base import BaseCommand

from backend.listening.services import contact_purge_expired


class Command(BaseCommand):
    help = "Purge contact details from signals closed longer ago than RELAY_CONTACT_RETENTION_DAYS."

    def handle(self, *args: object, **options: object) -> None:
        purged = contact_purge_expired()
        self.stdout.write(self.style.SUCCESS(f"Purged contact details of {purged} closed signals."))
