from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.listening.models import Signal, SignalContact
from tests.factories import SignalContactFactory, SignalFactory

pytestmark = pytest.mark.django_db


def test_contacts_of_long_closed_signals_are_purged_and_the_signal_remains(settings) -> None:
    settings.RELAY_CONTACT_RETENTION_DAYS = 90
    now = timezone.now()
    old = SignalFactory.create(status="won", closed_at=now - timedelta(days=91), text="bel Piet op 06-12345678")
    SignalContactFactory.create(signal=old, name="Piet", phone="+31612345678", email="piet@example.nl")
    recent = SignalFactory.create(status="won", closed_at=now - timedelta(days=89))
    SignalContactFactory.create(signal=recent)
    still_open = SignalFactory.create(status="claimed")
    SignalContactFactory.create(signal=still_open)

    call_command("purge_contacts")

    purged = SignalContact.objects.get(signal=old)
    assert (purged.name, purged.phone, purged.email, purged.consent) == ("", "", "", False)
    assert purged.purged_at is not None
    old.refresh_from_db()
    assert "06-12345678" not in old.text and old.status == "won"
    assert old.events.filter(type="purged").count() == 1
    assert SignalContact.objects.get(signal=recent).phone == "+31612345678"
    assert SignalContact.objects.get(signal=still_open).phone == "+31612345678"
    assert Signal.objects.count() == 3


def test_purging_twice_does_nothing_more() -> None:
    SignalContactFactory.create(signal=SignalFactory.create(status="won", closed_at=timezone.now() - timedelta(days=400)))
    call_command("purge_contacts")

    from backend.listening.services import contact_purge_expired

    assert contact_purge_expired() == 0
