"""What of a signal's words may be shown beyond its team: no contact details, no third persons' names."""
from __future__ import annotations

import pytest

from backend.listening.redaction import excerpt, redact_people


@pytest.mark.parametrize(("text", "expected"), [
    ("Mijn buurman Henk wil een hypotheek, bel 0612345678", "Mijn buurman [name] wil een hypotheek, bel [phone]"),
    ("mijn buurman henk de Vries wil een hypotheek", "mijn buurman [name] de [name] wil een hypotheek"),
    ("Min nabo Søren vil gerne have et boliglån", "Min nabo [name] vil gerne have et boliglån"),
    ("My friend Anna Smith wants to switch. I met her on Monday.",
     "My friend [name] wants to switch. I met her on Monday."),
    ("klant in Amsterdam wil een creditcard, jan@example.com", "klant in [name] wil een creditcard, [email]"),
    # A pronoun after a relation word is not a name: the team read "mijn buurman, [name] wil een…".
    ("[phone] is het nummer van mijn buurman, hij wil een hypotheek.",
     "[phone] is het nummer van mijn buurman, hij wil een hypotheek."),
    ("Min nabo, hun vil gerne have et lån", "Min nabo, hun vil gerne have et lån"),
    ("my neighbour, she wants a mortgage", "my neighbour, she wants a mortgage"),
])
def test_names_and_contact_details_are_redacted(text, expected) -> None:
    assert redact_people(text) == expected


def test_an_excerpt_is_short_and_ends_on_a_word() -> None:
    text = "Mijn buurman Henk wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen op 0612345678?"

    short = excerpt(text, limit=40)

    assert short == "Mijn buurman [name] wil zijn hypotheek…"
    assert len(short) <= 41
