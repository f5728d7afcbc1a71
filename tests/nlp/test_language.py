"""Language ID: nl, da, en, including the short texts staff type on a phone."""

from __future__ import annotations

import pytest

from nlp.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mijn buurman wil graag een hypotheekofferte, kan iemand hem bellen?", "nl"),
        ("min nabo vil gerne have et tilbud på et boliglån, kan nogen ringe til ham?", "da"),
        ("my neighbour would like a mortgage quote, can someone call him?", "en"),
        ("klant is boos want zijn pas is geblokkeerd en niemand neemt op", "nl"),
        ("kunden er sur fordi hans kort er spærret og ingen tager telefonen", "da"),
        # code-switching: English words inside Dutch and Danish
        ("hij wil een meeting over de business loan, asap graag", "nl"),
        ("hun vil gerne have et møde om et business loan, asap tak", "da"),
    ],
)
def test_detect_language_on_normal_messages(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bel hem terug", "nl"),
        ("graag terugbellen", "nl"),
        ("pas kwijt", "nl"),
        ("ring tilbage", "da"),
        ("kortet er spærret", "da"),
        ("tak for hjælpen", "da"),
        ("please call back", "en"),
        ("card stolen", "en"),
        ("wants a mortgage", "en"),
    ],
)
def test_detect_language_on_short_texts(text, expected):
    assert detect_language(text) == expected


def test_detect_language_falls_back_on_empty_text():
    assert detect_language("") == "nl"
    assert detect_language("06-12345678", default="da") == "da"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Norwegian and Swedish: recognised, never taken for Danish silently (issue 19)
        ("naboen min lurer på om han kan få boliglån hos dere, kan noen ringe ham i morgen?", "no"),
        ("kortet hennes ble stjålet på bussen og hun får ikke tak i noen hos banken", "no"),
        ("min granne undrar om han kan få ett bolån hos er, kan någon ringa honom i morgon?", "sv"),
        ("hej, min kollega vill veta hur man ansöker om ett sparkonto, hon är inte kund ännu", "sv"),
        ("min nabo vil gerne høre om boliglån hos jer, kan nogen ringe til ham i morgen?", "da"),
    ],
)
def test_norwegian_and_swedish_are_recognised(text, expected):
    assert detect_language(text) == expected
