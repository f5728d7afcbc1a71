import json
import sys
from argparse import ArgumentParser
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from backend.listening.services import corrections_export


class Command(BaseCommand):
    help = (
        "Write human re-routes as JSON lines in nlp's training format, for "
        "`python -m nlp train --extra FILE`. Contact details are redacted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--since", help="only corrections made on or after this ISO date")

    def handle(self, *args: object, **options: object) -> None:
        since = None
        if options["since"]:
            try:
                since = datetime.fromisoformat(str(options["since"]))
            except ValueError as exc:
                raise CommandError(f"--since is not an ISO date: {options['since']}") from exc
            if since.tzinfo is None:
                from django.utils import timezone

                since = timezone.make_aware(since)
        rows = corrections_export(since=since)
        out = open(options["output"], "w", encoding="utf-8") if options["output"] else sys.stdout  # noqa: SIM115
        try:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"Exported {len(rows)} corrections.")
