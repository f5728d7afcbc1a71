"""Issue 16: e-mail addresses are stored case-folded (`backend.people.models.email_normalize`), so that
sign-in matches them case-insensitively. Existing rows are folded here; two accounts whose addresses
differ only in case cannot both be kept, and the migration stops and names them rather than guess."""
from __future__ import annotations

import unicodedata
from typing import Any

from django.db import migrations


def _fold(email: str) -> str:
    # A copy of email_normalize as it is today: a migration must not change with the model code.
    return unicodedata.normalize("NFKC", email).strip().casefold()


def casefold_emails(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("people", "User")
    rows = list(User.objects.values_list("pk", "email"))
    owners: dict[str, int] = {}
    for pk, email in rows:
        folded = _fold(email)
        if folded in owners and owners[folded] != pk:
            raise RuntimeError(
                f"Users {owners[folded]} and {pk} have e-mail addresses that differ only in case "
                f"({folded!r}); merge or rename one of them, then migrate again.")
        owners[folded] = pk
    for pk, email in rows:
        if _fold(email) != email:
            User.objects.filter(pk=pk).update(email=_fold(email))


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(casefold_emails, migrations.RunPython.noop)]
