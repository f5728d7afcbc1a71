"""Phones, e-mails and IBANs in free text: every format staff type, and what must not match."""

from __future__ import annotations

import json

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


# --- issue 15 item 4 / issue 19: what people actually type -------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bare run of 8 digits in a Danish message, with or without a phone word
        ("hans nummer er 31427586", "+4531427586"),
        ("min svoger vil gerne have et lån, 31427586", "+4531427586"),
        ("ring hende på 52 81 46 93 i morgen", "+4552814693"),
        # numbers in parentheses, around the area code or the whole number
        ("bel (010) 456 7812 op kantoor", "+31104567812"),
        ("haar nummer (06-37481925) staat in de app", "+31637481925"),
        ("(+45) 52 81 46 93", "+4552814693"),
        # dashes with spaces around them, and typographic dashes
        ("bel hem op 06 - 3748 1925", "+31637481925"),
        ("bel hem op 06 – 3748 1925", "+31637481925"),
        ("tlf 52-81-46-93", "+4552814693"),
        # full-width digits (an IME, a copied PDF) and no-break or thin spaces inside the number
        ("bel ０６３７４８１９２５ na vijven", "+31637481925"),
        ("ring ５２８１ ４６９３", "+4552814693"),
        ("bel 06\u00a03748\u00a01925", "+31637481925"),
        ("ring 52\u202f81\u202f46\u202f93", "+4552814693"),
        # slashes and dots between groups
        ("mobil: 52/81/46/93", "+4552814693"),
        ("tel. 06.37.48.19.25", "+31637481925"),
    ],
)
def test_the_detector_finds_numbers_as_people_type_them(text, expected):
    assert nlp.extract_contacts(text).phones == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # UK: a real London number, and Ofcom's drama range (possible, not valid: still a phone when called one)
        ("my cousin in London, call 020 7946 0321", "+442079460321"),
        ("British colleague, call her on 07700 900318", "+447700900318"),
        ("0044 7911 123456 is his UK mobile", "+447911123456"),
        # Germany, Belgium, Sweden, Norway, the US — the country in the text or its language decides
        ("zijn Duitse nummer is 030 23125000", "+493023125000"),
        ("hun har et tysk nummer: 0171 2345678", "+491712345678"),
        ("mijn Belgische buurvrouw, bel 0470 12 34 56", "+32470123456"),
        ("hon vill ha ett lån och jag har hennes nummer 070-123 45 67", "+46701234567"),
        ("hei, han er fra Norge og vil ha tilbud, ring 412 34 567", "+4741234567"),
        ("American client, call (415) 555-2671 after 3pm", "+14155552671"),
        ("US number 415-555-2671", "+14155552671"),
        ("00-prefixed: 0049 30 23125000", "+493023125000"),
        ("bel 0032 470 12 34 56", "+32470123456"),
    ],
)
def test_foreign_formats_are_read_in_the_likely_region(text, expected):
    assert nlp.extract_contacts(text).phones == [expected]


def test_a_bare_8_digit_run_outside_a_scandinavian_message_needs_a_phone_word():
    assert nlp.extract_contacts("de klant heeft 31427586 punten gespaard").phones == []
    assert nlp.extract_contacts("zijn Deense nummer is 31427586").phones == ["+4531427586"]


@pytest.mark.parametrize(
    "text",
    [
        # account numbers and IBANs
        "reg.nr. 5470 kontonr. 0001234567",
        "overfør til reg 5470 konto 3142758612",
        "rekeningnummer NL20 INGB 0001 2345 67",
        "lønkonto 31427586",
        # amounts
        "han skylder 31.427.586 kr",
        "bedrag € 3.142.758,60",
        "a loan of 31427586 DKK",
        # dates, years, times
        "født 12.03.1987, flyttet 01-02-2019",
        "ferie 03/07–24/07",
        "werkzaam (2010-2024) bij de gemeente",
        "2019/2020 og 2021-2022",
        "åbent kl. 09.30-16.00",
        "20240312 was de ingangsdatum",
        # order, case, customer, policy, invoice numbers
        "ordrenummer 31427586",
        "sagsnr. 31427586",
        "klantnummer 31427586",
        "policy no. 8472019365",
        "factuur 2024-31427586",
        "ticket #31427586",
        "your reference AB-31427586",
        "kvittering nr. 3142 7586",
        "loan application nr 0031-2024-88172",
        # postcodes and person / company numbers
        "postcode 3526 KL Utrecht",
        "postnr. 2300 København S",
        "CPR 120387-1234",
        "120387-1234 er hendes cpr",
        "BSN 123456782",
        "KvK 31427586",
        "CVR-nr. 31427586",
        "routing number 021000021",
        # card numbers
        "kort 4571 1234 5678 9012",
    ],
)
def test_identifiers_amounts_dates_and_postcodes_are_no_phone_numbers(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail hem: jan @ gmail.com", ["jan@gmail.com"]),
        ("mail naar jan@ outlook .com", ["jan@outlook.com"]),
        ("hendes mail er mette＠firma.dk", ["mette@firma.dk"]),
        ("ｍｅｔｔｅ＠ｆｉｒｍａ．ｄｋ", ["mette@firma.dk"]),
        ("skriv til søren.østergaard@bådklub.dk", ["søren.østergaard@bådklub.dk"]),
        ("Email: Zoë.Müller@Example.de.", ["zoë.müller@example.de"]),
        ("jan (at) firma (dot) nl", ["jan@firma.nl"]),
        ("jan(at)firma.nl", ["jan@firma.nl"]),
        ("jan [at] firma [dot] co [dot] uk", ["jan@firma.co.uk"]),
        ("mette snabel-a firma punktum dk", ["mette@firma.dk"]),
        ("anne punt visser at hotmail punt com", ["anne.visser@hotmail.com"]),
        ("contact her at j.smith at acme.co.uk", ["j.smith@acme.co.uk"]),
    ],
)
def test_the_detector_finds_e_mails_as_people_type_them(text, expected):
    assert nlp.extract_contacts(text).emails == expected


@pytest.mark.parametrize(
    "text",
    [
        "we booked at booking.com last week",
        "meet us @ the office",
        "follow us @ linkedin.com",
        "her insta @mette.jensen.dk",
        "2 @ 5 euro",
        "see you at 5 dot 30",
    ],
)
def test_handles_and_at_words_are_no_e_mails(text):
    assert nlp.extract_contacts(text).emails == []


def test_redaction_cuts_the_original_text_even_when_normalisation_changes_it():
    text = "Zoë's buurman: bel ０６－３７４８ １９２５ of mail ｊａｎ＠ｇｍａｉｌ．ｃｏｍ, bedankt"
    assert nlp.redact(text) == "Zoë's buurman: bel [phone] of mail [email], bedankt"


def test_redaction_uses_the_same_detector_as_extraction():
    text = "ring 52 81 46 93 eller 07911 123456, mail jan @ gmail.com; CPR 120387-1234, 31.427.586 kr"
    found = nlp.extract_contacts(text)
    assert found.phones == ["+4552814693", "+447911123456"]
    assert found.emails == ["jan@gmail.com"]
    assert nlp.redact(text) == "ring [phone] eller [phone], mail [email]; CPR 120387-1234, 31.427.586 kr"


def test_the_organisation_s_countries_come_first_for_a_number_valid_in_two():
    # 0475 is Roermond (NL) and a Belgian mobile block; without a hint the organisation's country wins.
    assert nlp.extract_contacts("bel 0475 123456").phones == ["+31475123456"]
    assert nlp.extract_contacts("bel mijn Belgische collega op 0475 12 34 56").phones == ["+32475123456"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # log lines and SQL parameters: quoted addresses are found, timestamps are left alone
        ("args=(1, 'Anne', 'anne.devries@ziggo.nl', True)", "args=(1, 'Anne', '[email]', True)"),
        ("'2026-12-07 19:46:33.410819+00:00'::timestamptz", "'2026-12-07 19:46:33.410819+00:00'::timestamptz"),
        ("tel:0612345678", "tel:[phone]"),
    ],
)
def test_redaction_of_log_shaped_text(text, expected):
    assert nlp.redact(text) == expected


def test_evaluate_contacts_counts_recall_by_what_is_redacted_and_false_contacts_per_line(tmp_path, capsys):
    from nlp.__main__ import main

    lines = [
        {"text": "bel hem op 06 - 3748 1925", "language": "nl", "phones": ["06 - 3748 1925"], "emails": []},
        {"text": "mail jan (at) firma (dot) nl", "language": "nl", "phones": [], "emails": ["jan (at) firma (dot) nl"]},
        {"text": "ring 52 81 46 93 i morgen", "language": "da", "phones": ["52 81 46 93", "12 34"], "emails": []},
        {"text": "ordrenummer 31427586", "language": "da", "phones": [], "emails": []},
        {"text": "Bo's nummer er 31427586", "language": "da", "phones": [], "emails": []},  # gold says no phone
    ]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")

    assert main(["evaluate-contacts", str(path), "--json"]) == 0

    report = json.loads(capsys.readouterr().out)["sample.jsonl"]
    assert report["recall"]["phones"]["all"] == {"recall": 0.6667, "n": 3}  # "12 34" is not in the text
    assert report["recall"]["phones"]["nl"] == {"recall": 1.0, "n": 1}
    assert report["recall"]["emails"]["all"] == {"recall": 1.0, "n": 1}
    assert report["contact_free_lines"]["da"] == {"n": 2, "false_phone": 0.5, "false_email": 0.0, "false_any_lines": 1}


# --- issue 15, last finding: numbers dictated in words, glued numbers, references that look like phones ---
@pytest.mark.parametrize(
    ("text", "spoken", "expected"),
    [
        # Dutch: digit words, pairs, compounds, "dubbel", commas, dashes and "en" between the groups
        ("je kunt Ilse bellen op nul zes, twaalf vierendertig, zesenvijftig achtenzeventig",
         "nul zes, twaalf vierendertig, zesenvijftig achtenzeventig", "+31612345678"),
        ("bel hem: nul zes - drie acht - dubbel vier - twee negen - een zeven",
         "nul zes - drie acht - dubbel vier - twee negen - een zeven", "+31638442917"),
        ("haar nummer is nul zes 47 29 en 18 63, na zessen", "nul zes 47 29 en 18 63", "+31647291863"),
        # Danish: digit words, "og" compounds, "plus" and a country code, digits and words mixed
        ("ring til hende på to tre fire fem seks syv otte ni", "to tre fire fem seks syv otte ni", "+4523456789"),
        ("ring til ham på treogtyve femogfyrre syvogtres niogfirs",
         "treogtyve femogfyrre syvogtres niogfirs", "+4523456789"),
        ("hendes nummer er plus fem og fyrre, 52 81 46 93 tak", "plus fem og fyrre, 52 81 46 93", "+4552814693"),
        ("hans mobil: plus fire fem dobbelt tre 61 84 27", "plus fire fem dobbelt tre 61 84 27", "+4533618427"),
        # English: "oh" for zero, "double", tens with a hyphen
        ("call her on oh seven nine one one, one two three four five six",
         "oh seven nine one one, one two three four five six", "+447911123456"),
        ("you can reach him on double oh four four seven nine one one one two three four five six",
         "double oh four four seven nine one one one two three four five six", "+447911123456"),
        ("ring me back on zero six, twenty-eight, forty-six, nineteen, thirty-seven",
         "zero six, twenty-eight, forty-six, nineteen, thirty-seven", "+31628461937"),
    ],
)
def test_numbers_dictated_in_words_are_read_as_digits_and_redacted_whole(text, spoken, expected):
    assert nlp.extract_contacts(text).phones == [expected]
    assert nlp.redact(text) == text.replace(spoken, "[phone]")


@pytest.mark.parametrize(
    "text",
    [
        "twee kinderen en drie honden, vier katten en vijf vissen",
        "zij heeft twee kinderen, drie honden, vier katten, vijf vissen, zes kippen, zeven geiten en acht schapen",
        "hun har to børn, tre hunde og fire katte, fem høns og seks geder",
        "one two three four five six seven eight nine ten, ready or not",
        "we counted five, six, seven and eight complaints in one day",
        "betaald op 01-02-2026 en niemand weet waarom",
        "klokken to tog hun 52 busser",
    ],
)
def test_counts_and_lists_of_number_words_are_no_phone_numbers(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buurvrouw wil een offerte, bel06-37481925 na het eten", "+31637481925"),
        ("zus van Ahmed, belt0619283746 morgen terug", "+31619283746"),
        ("min nabo, mobil52814693, vil gerne høre om lån", "+4552814693"),
        ("tlf:52814693 efter kl 16", "+4552814693"),
        ("nr.0637481925 is haar mobiel", "+31637481925"),
        ("har nr 61 47 28 93 (mobil) hvis du vil ringe", "+4561472893"),
        ("min søsters nr: 61 47 28 93", "+4561472893"),
        ("terugbelnummer: 010 2847561", "+31102847561"),
        ("her UK number 07911 123456, ring after six", "+447911123456"),
    ],
)
def test_numbers_glued_to_a_phone_word_or_after_a_phone_s_number_word_are_found(text, expected):
    assert nlp.extract_contacts(text).phones == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # hexadecimal and other error codes
        "foutcode 0x80040154 bij het inloggen",
        "the app shows 0x8007000E again",
        "fejlkode 0xC0000005 i netbanken",
        # letters glued to a number that are no phone word: a code
        "kode AB12345678 virker ikke",
        "referentie XK0637481925 in de brief",
        # a number word after another noun names a reference, even without a reference word
        "pensioenregeling nr. 8831-209374 klopt niet",
        "lidmaatschap nr. 4402-918273 is verlopen",
        "hun har nr. 5519-203847 i banken",
        "medlemsnummer 4402918273 er forkert",
        "her membership no. 7731-204958 expired",
        # strong reference words win even over a mobile-looking number
        "klantnummer 0638194726 van mijn oom",
        "ordre 0612847391 kom aldrig",
        # a bare 10-digit run in a Danish or Dutch message is not an American number
        "den gamle sag 7712-483920 er lukket",
        "het dossier staat onder 7712 483920 bij de gemeente",
    ],
)
def test_codes_and_references_that_look_like_phone_numbers_are_left_alone(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail lotte [at] kpnmail [dot] nl", ["lotte@kpnmail.nl"]),
        ("lotte apenstaartje webmail punt nl", ["lotte@webmail.nl"]),
        ("skriv til bo snabela firma.dk", ["bo@firma.dk"]),
        ("skriv til bo snabel a firma.dk", ["bo@firma.dk"]),
        ("bo {at} firma {dot} dk", ["bo@firma.dk"]),
        ("bo＠firma．dk", ["bo@firma.dk"]),
    ],
)
def test_obfuscated_e_mails_with_a_named_at(text, expected):
    assert nlp.extract_contacts(text).emails == expected


@pytest.mark.parametrize(
    "text",
    ["ik zie je @ the branch", "2 @ 50 kr", "follow @lotte_v on insta", "hun er glad for sin snabel a firma"],
)
def test_at_signs_that_are_no_address(text):
    assert nlp.extract_contacts(text).emails == []


# --- numbers dictated with hundreds; pieces of an IBAN read out after an IBAN word ---
@pytest.mark.parametrize(
    ("text", "spoken", "expected"),
    [
        # "N hundred" alone is N00; a two-digit number (or "and" and a digit) completes the group.
        ("my mobile is oh seven nine hundred one two three four five six",
         "oh seven nine hundred one two three four five six", "+447900123456"),
        ("bel me op nul zes, twaalf, drie honderd vijf en veertig, zes zeven acht",
         "nul zes, twaalf, drie honderd vijf en veertig, zes zeven acht", "+31612345678"),
        ("bel me op nul zes, twaalf, driehonderd, zes zeven acht", "nul zes, twaalf, driehonderd, zes zeven acht",
         "+31612300678"),
        ("ring til mig på otte hundrede og tolv, tre fire, fem seks syv",
         "otte hundrede og tolv, tre fire, fem seks syv", "+4581234567"),
        ("ring til mig på to tre, fire hundred og tolv, fem seks syv",
         "to tre, fire hundred og tolv, fem seks syv", "+4523412567"),
    ],
)
def test_numbers_dictated_with_hundreds_read_as_people_mean_them(text, spoken, expected):
    assert nlp.extract_contacts(text).phones == [expected]
    assert nlp.redact(text) == text.replace(spoken, "[phone]")


@pytest.mark.parametrize(
    "text",
    [
        "we hebben drie honderd euro betaald en vier honderd vijftig klanten",
        "we have two hundred customers and three hundred forty five orders, six hundred and twelve returns",
        "to hundrede kunder, tre hundrede og tolv ordrer og fire hundrede og tyve returneringer",
        "nine hundred ninety nine, eight hundred eighty eight, seven hundred seventy seven",
        "hun har nummer tyve, otte hundrede og tolv, fem seks",
    ],
)
def test_counts_with_hundreds_are_no_phone_numbers(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    "text",
    [
        "IBAN-deel 0417 1643 00",
        "het IBAN-deel 0417 1643 00 klopt niet",
        "the last part of the IBAN 0417 1643 00",
        "the IBAN ends in 0417 1643 00",
        "het IBAN eindigt op 0417 1643 00",
        "IBAN'en slutter med 0417 1643 00",
    ],
)
def test_digits_an_iban_word_introduces_are_no_phone_number(text):
    assert nlp.extract_contacts(text).phones == []


@pytest.mark.parametrize(
    "text",
    [
        "stuur je IBAN en bel 0612345678",
        "IBAN volgt, bel haar op 0612345678",
        "het IBAN weet ik niet, mobiel 0612345678",
    ],
)
def test_a_phone_word_after_an_iban_word_still_announces_a_phone(text):
    assert nlp.extract_contacts(text).phones == ["+31612345678"]
