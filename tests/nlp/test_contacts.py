"""Phones, e-mails and IBANs in free text: every format staff type, and what must not match."""

from __future__ import annotations

import pytest

import nlp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bel haar op 06-12345678 graag", "+31612345678"),
        ("nummer 06 1234 5678", "+31612345678"),
        ("0612345678", "+31612345678"),
        ("06 12 34 56 78 na vijven", "+31612345678"),
        ("tel:0612345678", "+31612345678"),
        ("+31 6 12345678", "+31612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("+31612345678", "+31612345678"),
        ("0031 6 12345678", "+31612345678"),
        ("kantoor 020-1234567", "+31201234567"),
        ("(020) 123 4567", "+31201234567"),
        ("030 284 1766 is de vaste lijn", "+31302841766"),
        ("ring til ham på 23 45 67 89", "+4523456789"),
        ("ring på 23456789", "+4523456789"),
        ("hans nummer er 2345 6789", "+4523456789"),
        ("tlf. 61 23 45 67", "+4561234567"),
        ("+45 23 45 67 89", "+4523456789"),
        ("+4529046175", "+4529046175"),
        ("0045 23456789", "+4523456789"),
        ("call +44 20 7946 0958", "+442079460958"),
        ("call +1 (415) 555-2671", "+14155552671"),
        ("his number +49 30 12345678", "+493012345678"),
    ],
)
def test_extract_contacts_finds_phone_formats(text, expected):
    assert nlp.extract_contacts(text).phones == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "han vil låne 35000 kroner",
        "lån på 2500000 kr",
        "hun har betalt 12345678 kr.",
        "€ 12345678 is veel geld",
        "bedrag 25.000.000 euro",
        "datum 12-03-2024 en 12/03/2024",
        "født 1990-05-12",
        "in 2024 en 2025",
        "kort 4111 1111 1111 1111",
        "kortnummer 4571123412341234",
        "kontonr 12345678",
        "reg 1234 konto 12345678",
        "CVR 38 21 45 90",
        "salaris 3500 euro op 25-10",
        "om 14:30 bij het filiaal",
        "postcode 1234 AB",
        "20240312 was de datum",
        "IBAN NL91ABNA0417164300",
        "rekening NL63 NRDZ 0517 2293 41",
    ],
)
def test_extract_contacts_ignores_amounts_dates_cards_and_years(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06-12345678", None, "+31612345678"),
        ("23 45 67 89", None, "+4523456789"),  # not Dutch, so Danish
        ("23 45 67 89", "DK", "+4523456789"),
        ("020 123 4567", "NL", "+31201234567"),
        ("+45 23456789", "NL", "+4523456789"),
        ("12", None, None),
        ("hello", None, None),
        ("", None, None),
    ],
)
def test_normalize_phone(raw, region, expected):
    assert nlp.normalize_phone(raw, default_region=region) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jan.jansen@gmail.com graag", ["jan.jansen@gmail.com"]),
        ("mail: Piet.DeVries@Rabobank.NL.", ["piet.devries@rabobank.nl"]),
        ("<anne+bank@example.co.uk>", ["anne+bank@example.co.uk"]),
        ("jan at gmail dot com", ["jan@gmail.com"]),
        ("skriv til mette_h@firma.dk eller ole@firma.dk", ["mette_h@firma.dk", "ole@firma.dk"]),
    ],
)
def test_extract_contacts_finds_emails(text, expected):
    assert nlp.extract_contacts(text).emails == expected


@pytest.mark.parametrize("text", ["ik ben @ home", "prijs 5@10 euro", "bel me at 5", "user@localhost"])
def test_extract_contacts_ignores_non_emails(text):
    assert nlp.extract_contacts(text).emails == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN NL91ABNA0417164300 klopt niet", ["NL91ABNA0417164300"]),
        ("rekening NL91 ABNA 0417 1643 00 graag", ["NL91ABNA0417164300"]),
        ("DK50 0040 0440 1162 43 er kontoen", ["DK5000400440116243"]),
        ("konto dk5000400440116243", ["DK5000400440116243"]),
        ("GB29 NWBK 6016 1331 9268 19", ["GB29NWBK60161331926819"]),
        ("NL91ABNA0417164301 (one digit off)", []),
        ("NL63 NRDZ 0517 2293 41 fails mod-97", []),
    ],
)
def test_extract_contacts_validates_ibans(text, expected):
    assert nlp.extract_contacts(text).ibans == expected


def test_redact_replaces_every_contact_detail():
    text = (
        "bel Sanne op 06-28374651 of +45 23 45 67 89, mail s.dewit@gmail.com, "
        "rekening NL91 ABNA 0417 1643 00 en NL63 NRDZ 0517 2293 41; lening 35000 kroner in 2024"
    )
    assert nlp.redact(text) == (
        "bel Sanne op [phone] of [phone], mail [email], "
        "rekening [iban] en [iban]; lening 35000 kroner in 2024"
    )


def test_redact_leaves_text_without_contacts_alone():
    text = "klant wil een hypotheek van € 350.000 per 01-05-2025"
    assert nlp.redact(text) == text


def test_contacts_are_deduplicated_and_ordered():
    c = nlp.extract_contacts("06-12345678, nogmaals 06 1234 5678, en 020-1234567")
    assert c.phones == ["+31612345678", "+31201234567"]
    assert c.to_dict() == {"phones": ["+31612345678", "+31201234567"], "emails": [], "ibans": []}
