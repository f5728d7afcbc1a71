#!/usr/bin/env python
"""Django's command-line utility for Relay. Run as `python backend/manage.py ...` from the repo root."""
import os
import sys
from pathlib import Path

# The repo root holds the importable packages (backend, mobile_api, notifications, nlp). It replaces
# this script's own folder on the path, so that backend/celery.py can never shadow the celery package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
