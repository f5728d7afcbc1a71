"""The pure helpers of sharing: message comparison, UTM links, share intents, bots, visitor keys."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from backend.sharing import links


def test_normalising_ignores_case_accents_links_and_punctuation() -> None:
    a = links.message_normalise("Trots op onze GROENE hypotheek!! https://bank.example/x?utm=1")
    b = links.message_normalise("trots op   onze groene hypothéek")

    assert a == b == "trots op onze groene hypotheek"


@pytest.mark.parametrize(("a", "b", "near"), [
    ("proud of our green mortgage discount, go check it out", "Proud of our green mortgage discount - go check it out!", True),
    ("proud of our green mortgage discount, go check it out", "proud of our green mortgage discount, go check this out", True),
    ("proud of our green mortgage discount, go check it out",
     "my neighbour asked me about this last week: finally cheaper loans for solar panels", False),
    ("", "anything", False),
])
def test_similarity_flags_copies_not_different_messages(a: str, b: str, near: bool) -> None:
    score = links.similarity(links.message_normalise(a), links.message_normalise(b))

    assert (score >= 0.85) is near


def test_utm_parameters_are_added_and_existing_ones_kept_or_replaced() -> None:
    url = links.utm_url("https://bank.example/news?id=4&utm_source=old#top", channel="linkedin",
                        campaign="green-homes", content="share-9")

    parts = urlsplit(url)
    assert parts.fragment == "top"
    assert parse_qs(parts.query) == {
        "id": ["4"], "utm_source": ["linkedin"], "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["green-homes"], "utm_content": ["share-9"],
    }


def test_intent_urls_carry_message_and_link() -> None:
    link = "https://relay.example/s/AbC12345"

    x = links.intent_url(channel="x", message="Mooi & goed", link=link)
    whatsapp = links.intent_url(channel="whatsapp", message="Kijk", link=link)
    mail = links.intent_url(channel="email", message="Kijk", link=link, title="Nieuws")

    assert x is not None and whatsapp is not None and mail is not None
    assert parse_qs(urlsplit(x).query) == {"text": ["Mooi & goed"], "url": [link]}
    assert parse_qs(urlsplit(whatsapp).query) == {"text": [f"Kijk\n\n{link}"]}
    assert mail.startswith("mailto:?subject=Nieuws&body=")
    assert links.intent_url(channel="other", message="x", link=link) is None


@pytest.mark.parametrize(("agent", "bot"), [
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
    ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", True),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", True),
    ("WhatsApp/2.23.20.0", True),
    ("Twitterbot/1.0", True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1", False),
    ("", False),
])
def test_link_preview_bots_are_recognised(agent: str, bot: bool) -> None:
    assert links.is_preview_bot(agent) is bot


def test_visitor_key_is_stable_per_salt_and_hides_the_address() -> None:
    one = links.visitor_key(salt="a", address="203.0.113.7")

    assert one == links.visitor_key(salt="a", address="203.0.113.7")
    assert one != links.visitor_key(salt="b", address="203.0.113.7")
    assert "203.0.113.7" not in one and len(one) == 32
