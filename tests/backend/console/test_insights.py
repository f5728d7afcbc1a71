""""What customers tell our staff": counts per kind and week, topics, and a drill-down that shows
the words without contact details or names."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.listening import selectors
from backend.listening.models import Signal
from tests.factories import SignalFactory

pytestmark = pytest.mark.django_db


def week_start(when) -> str:
    local = timezone.localtime(when)
    return (local - timedelta(days=local.weekday())).date().isoformat()


@pytest.fixture
def heard(bank):
    now = timezone.now()
    signals = [
        SignalFactory.create(kind="lead", team=bank.sales_nl, topics=["mortgage"], text="Wil hypotheek, bel 0612345678"),
        SignalFactory.create(kind="lead", team=bank.sales_dk, topics=["mortgage", "savings"], text="Vil have et lån"),
        SignalFactory.create(kind="complaint", team=bank.support, topics=["debit_card"], text="Pas kapot"),
    ]
    old = SignalFactory.create(kind="complaint", team=bank.support, topics=["debit_card"], text="Oude klacht")
    Signal.objects.filter(pk=old.pk).update(created_at=now - timedelta(weeks=1))
    return signals


def test_signals_per_kind_and_week_add_up_over_teams(heard) -> None:
    rows = selectors.signals_per_kind_and_week()

    this_week, last_week = week_start(timezone.now()), week_start(timezone.now() - timedelta(weeks=1))
    assert rows == [
        {"week": last_week, "kind": "complaint", "count": 1},
        {"week": this_week, "kind": "complaint", "count": 1},
        {"week": this_week, "kind": "lead", "count": 2},
    ]


def test_topics_are_counted_most_mentioned_first(heard) -> None:
    assert selectors.topics_mentioned() == [
        {"topic": "debit_card", "count": 2}, {"topic": "mortgage", "count": 2}, {"topic": "savings", "count": 1}]
    assert selectors.topics_mentioned(kind="lead") == [{"topic": "mortgage", "count": 2},
                                                         {"topic": "savings", "count": 1}]


def test_the_page_links_each_count_to_its_signals(bank, heard, browser_for) -> None:
    html = browser_for(bank.mark).get(reverse("console:insights")).content.decode()

    assert f'?kind=lead&amp;week={week_start(timezone.now())}">2</a>' in html
    assert "?topic=mortgage" in html
    assert '<svg class="chart" role="img"' in html


def test_the_drill_down_shows_the_words_without_contact_details_or_names(bank, heard, browser_for) -> None:
    html = browser_for(bank.mark).get(reverse("console:insights-drill") + "?topic=mortgage").content.decode()

    assert "Wil hypotheek, bel [phone]" in html and "Vil have et lån" in html
    assert "0612345678" not in html and "Pas kapot" not in html
    assert heard[0].submitter.profile.display_name not in html


def test_the_drill_down_by_kind_and_week(bank, heard, browser_for) -> None:
    last_week = week_start(timezone.now() - timedelta(weeks=1))

    html = browser_for(bank.mark).get(
        reverse("console:insights-drill") + f"?kind=complaint&week={last_week}").content.decode()

    assert "Oude klacht" in html and "Pas kapot" not in html
