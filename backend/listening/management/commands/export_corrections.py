import json
import sys
from argparse import ArgumentParser
from datetime import datetime
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from backend.listening.services import corrections_export


def _write_lines(rows: list[dict[str, Any]], out: IO[str]) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


class Command(BaseCommand):
    help = (
        "Write human re-routes as JSON lines in nlp's training format, for "
        "`python -m nlp train --extra FILE`. Contact details are redacted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--since", help="only corrections made on or after this ISO date")

    def handle(self, *args: object, **options: Any) -> None:
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
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                _write_lines(rows, out)
        else:
            _write_lines(rows, sys.stdout)
        self.stderr.write(f"Exported {len(rows)} corrections.")
