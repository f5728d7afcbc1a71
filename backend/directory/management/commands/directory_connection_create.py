"""Create a directory (SCIM) connection and print its bearer token once; `--rotate` gives an existing
connection a new token, and the old one stops working at once."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.core.errors import DomainError
from backend.directory.models import DirectoryConnection
from backend.directory.services import directory_connection_create, directory_token_rotate


class Command(BaseCommand):
    help = "Create a SCIM directory connection (or --rotate its token) and print the token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="e.g. 'Entra ID'")
        parser.add_argument("--rotate", action="store_true", help="give the existing connection a new token")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if options["rotate"]:
            connection = DirectoryConnection.objects.filter(name=name).first()
            if connection is None:
                raise CommandError(f"No directory connection named {name!r}.")
            token = directory_token_rotate(connection=connection)
        else:
            try:
                connection, token = directory_connection_create(name=name)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        # The token itself on stdout alone, so that a script can capture it; the rest on stderr.
        self.stderr.write(f"Directory connection {connection.name!r}: the bearer token (shown once):")
        self.stdout.write(token)
        self.stderr.write("Tenant URL: https://<your host>/scim/v2  (docs/scim.md)")
