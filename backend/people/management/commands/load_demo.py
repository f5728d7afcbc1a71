from django.conf import settings
from django.core.management.base import BaseCommand

from backend.people.demo import demo_organisation_load


class Command(BaseCommand):
    help = "Load the demo organisation (Nordzee Bank) idempotently. Passwords only when DEBUG is on."

    def handle(self, *args: object, **options: object) -> None:
        counts = demo_organisation_load(with_passwords=settings.DEBUG)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation loaded: {counts['people']} people, {counts['teams']} teams, "
                f"{counts['interests']} interests"
                + ("" if settings.DEBUG else " (no passwords: DEBUG is off)")
            )
        )
