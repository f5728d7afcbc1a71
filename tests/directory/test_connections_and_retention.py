"""The `directory_connection_create` command (a token printed once, stored hashed, `--rotate`), the
`email_from` mapping option, and the beat task that anonymises the people a directory deleted."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from backend.directory.models import DirectoryConnection, DirectoryUser
from backend.directory.services import ANONYMISED_DISPLAY_NAME, directory_people_anonymise
from backend.directory.tasks import people_anonymise_task
from backend.listening.models import Signal
from backend.people.models import User
from tests.directory.conftest import SCIM, USER_SCHEMA, Scim
from tests.factories import SignalFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("directory_connection_create", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _status(token: str) -> int:
    return Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}", content_type=SCIM).status_code


def test_the_command_prints_the_token_once_and_stores_only_its_hash() -> None:
    token, said = _command("--name", "Entra ID")

    connection = DirectoryConnection.objects.get(name="Entra ID")
    assert token.startswith("relay_scim_") and len(token) > 40
    assert token not in said  # the token alone on stdout, for a script to capture
    assert connection.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(DirectoryConnection.objects.values()))
    assert _status(token) == 200
    with pytest.raises(CommandError):
        _command("--name", "Entra ID")  # a second connection of that name: rotate instead


def test_rotate_gives_a_new_token_and_the_old_one_dies_at_once() -> None:
    old, _ = _command("--name", "Okta")
    new, _ = _command("--name", "Okta", "--rotate")

    assert new != old
    assert (_status(old), _status(new)) == (401, 200)
    assert DirectoryConnection.objects.count() == 1
    with pytest.raises(CommandError):
        _command("--name", "Nobody", "--rotate")


def test_email_from_emails_takes_the_primary_address_and_user_name_stays_the_key(scim: Scim) -> None:
    scim.connection.mapping = {"email_from": "emails"}
    scim.connection.save()
    created = scim.user("ANNA.UPN@corp.example", emails=[
        {"value": "anna.private@home.example", "type": "home"},
        {"value": "Anna@Bank.example", "type": "work", "primary": True},
    ])

    assert User.objects.filter(email="anna@bank.example").exists()
    assert not User.objects.filter(email__icontains="upn").exists()
    found = scim.call("GET", '/Users?filter=userName eq "anna.upn@corp.example"').json_body
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    twin = scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "anna.upn@CORP.example",
                                        "emails": [{"value": "other@bank.example", "primary": True}]})
    assert twin.status_code == 409 and twin.json_body["scimType"] == "uniqueness"
    without = scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "bo.upn@corp.example"})
    assert without.status_code == 400 and without.json_body["scimType"] == "invalidValue"


def test_by_default_user_name_is_the_email_and_emails_are_ignored(scim: Scim) -> None:
    scim.user("Cy@Bank.example", emails=[{"value": "cy.other@bank.example", "primary": True}])
    assert list(User.objects.filter(email__startswith="cy").values_list("email", flat=True)) == ["cy@bank.example"]


def test_deleted_people_are_anonymised_after_the_retention_period_and_their_signals_stay(
    scim: Scim, settings
) -> None:
    settings.SCIM_ANONYMISE_AFTER_DAYS = 30
    created = scim.user("pia@bank.example", displayName="Pia Jensen",
                        addresses=[{"type": "work", "locality": "Aarhus"}])
    kept = scim.user("quin@bank.example", displayName="Quin Q")
    pia = User.objects.get(email="pia@bank.example")
    signal = SignalFactory.create(submitter=pia, team=TeamFactory.create())
    assert scim.call("DELETE", f"/Users/{created['id']}").status_code == 204
    assert scim.call("DELETE", f"/Users/{kept['id']}").status_code == 204
    deleted_at = DirectoryUser.objects.get(user=pia).deleted_at
    assert deleted_at is not None
    DirectoryUser.objects.filter(scim_id=kept["id"]).update(deleted_at=deleted_at + timedelta(days=20))

    assert directory_people_anonymise(now=deleted_at + timedelta(days=29)) == 0
    assert User.objects.get(pk=pia.pk).email == "pia@bank.example"

    assert directory_people_anonymise(now=deleted_at + timedelta(days=31)) == 1
    pia = User.objects.select_related("profile").get(pk=pia.pk)
    link = DirectoryUser.objects.get(user=pia)
    assert pia.email == f"deleted-{link.scim_id}@invalid.invalid" and not pia.has_usable_password()
    assert (pia.profile.display_name, pia.profile.location) == (ANONYMISED_DISPLAY_NAME, "")
    assert (link.attributes, link.external_id, link.anonymised_at) == ({}, "", deleted_at + timedelta(days=31))
    assert Signal.objects.filter(pk=signal.pk, submitter=pia).exists()
    assert User.objects.get(email="quin@bank.example").profile.display_name == "Quin Q"  # deleted 20 days later
    assert directory_people_anonymise(now=deleted_at + timedelta(days=60)) == 1  # Quin now; Pia not twice


def test_the_beat_task_is_scheduled_and_uses_the_setting(scim: Scim, settings) -> None:
    from backend.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "directory.people_anonymise" in schedule and "directory.people_anonymise" in app.tasks
    created = scim.user("rae@bank.example", displayName="Rae R")
    scim.call("DELETE", f"/Users/{created['id']}")

    settings.SCIM_ANONYMISE_AFTER_DAYS = 1
    assert people_anonymise_task() == 0
    settings.SCIM_ANONYMISE_AFTER_DAYS = 0
    assert people_anonymise_task() == 1
    assert not User.objects.filter(email="rae@bank.example").exists()
