import json

from django.conf import settings
from django.core.management.base import BaseCommand

from backend.listening.demo import demo_routing_load
from backend.people.demo import DEMO_FILE, demo_organisation_load
from backend.sharing.demo import demo_sharing_load


class Command(BaseCommand):
    help = "Load the demo organisation (Nordzee Bank) idempotently. Passwords only when DEBUG or RELAY_DEMO_PASSWORDS is on."

    def handle(self, *args: object, **options: object) -> None:
        data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        with_passwords = settings.DEBUG or settings.RELAY_DEMO_PASSWORDS
        counts = demo_organisation_load(data=data, with_passwords=with_passwords)
        rules = demo_routing_load(data=data)
        sharing = demo_sharing_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation loaded: {counts['people']} people, {counts['teams']} teams, "
                f"{counts['interests']} interests, {rules} routing rules, "
                f"{sharing['stories']} stories, {sharing['campaigns']} campaign"
                + ("" if with_passwords else " (no passwords: DEBUG and RELAY_DEMO_PASSWORDS are off)")
            )
        )
