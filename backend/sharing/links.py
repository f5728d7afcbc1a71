"""Pure helpers of sharing: message normalisation and similarity, UTM links, share-intent URLs,
link-preview bot detection and the privacy-preserving visitor key. No database access here."""
from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"(https?://\S+|www\.\S+)", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w#@]+", re.UNICODE)

# Fetchers that build link previews (they must get the redirect, but are not visits).
PREVIEW_BOTS = re.compile(
    r"facebookexternalhit|facebot|meta-externalagent|linkedinbot|twitterbot|slackbot|slack-imgproxy|whatsapp|"
    r"telegrambot|discordbot|skypeuripreview|microsoftpreview|googlebot|google-pagerenderer|bingbot|"
    r"bingpreview|applebot|redditbot|pinterest|embedly|iframely|vkshare|outbrain|quora link preview|"
    r"mastodon|snapchat|viber|line-poker|yandex|duckduckbot|bot\b|crawler|spider|preview",
    re.IGNORECASE,
)


def message_normalise(text: str) -> str:
    """What two messages are compared on: case, accents, links, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _URL.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def _shingles(text: str, size: int = 3) -> set[str]:
    words = text.split()
    if len(words) < size:
        return {text} if text else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def similarity(a: str, b: str) -> float:
    """0..1 between two normalised messages: the larger of word-shingle Jaccard and difflib's ratio.

    Jaccard catches reordered copies, difflib catches a copy with a word or two changed.
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    sa, sb = _shingles(a), _shingles(b)
    jaccard = len(sa & sb) / len(sa | sb) if sa and sb else 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5:  # cheap upper bounds first: most pairs stop here
        return jaccard
    ratio = matcher.ratio() if matcher.quick_ratio() >= 0.5 else 0.0
    return max(jaccard, ratio)


def utm_url(url: str, *, channel: str, campaign: str, content: str) -> str:
    """The story URL with UTM parameters added (existing query parameters kept, UTM ones replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [
        ("utm_source", channel), ("utm_medium", "employee_advocacy"),
        ("utm_campaign", campaign), ("utm_content", content),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def intent_url(*, channel: str, message: str, link: str, title: str = "") -> str | None:
    """The channel's share-intent URL with the message and link filled in; None where no intent exists."""
    text_and_link = f"{message}\n\n{link}"
    if channel == "linkedin":
        return f"https://www.linkedin.com/feed/?shareActive=true&text={quote(text_and_link, safe='')}"
    if channel == "x":
        return f"https://x.com/intent/post?text={quote(message, safe='')}&url={quote(link, safe='')}"
    if channel == "facebook":
        return f"https://www.facebook.com/sharer/sharer.php?u={quote(link, safe='')}&quote={quote(message, safe='')}"
    if channel == "whatsapp":
        return f"https://wa.me/?text={quote(text_and_link, safe='')}"
    if channel == "email":
        return f"mailto:?subject={quote(title, safe='')}&body={quote(text_and_link, safe='')}"
    return None  # Instagram and "other": the app copies the text instead


def is_preview_bot(user_agent: str) -> bool:
    return bool(user_agent) and PREVIEW_BOTS.search(user_agent) is not None


def visitor_key(*, salt: str, address: str) -> str:
    """One address is one visitor per day, whatever User-Agent it sends (a client chooses that
    freely, so it cannot tell visitors apart without letting one inflate the count); the address
    itself is never stored."""
    return hashlib.sha256(f"{salt}\x00{address}".encode()).hexdigest()[:32]


def referrer_domain(referrer: str) -> str:
    try:
        return (urlsplit(referrer).hostname or "")[:120]
    except ValueError:
        return ""
