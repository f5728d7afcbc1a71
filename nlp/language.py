"""Language identification restricted to the three languages staff write: nl, da, en.

lingua (offline, high-accuracy mode) decides; for texts of one to three words its
confidence is nudged by spaCy's stop-word lists, because two-word Danish and Dutch
snippets ("ring tilbage", "bel even") are where character n-grams alone waver.
The weight was chosen on short probes cut from the training corpus (see training.py).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from spacy.lang.da.stop_words import STOP_WORDS as DA_STOP
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP

__all__ = ["LANGUAGES", "detect_language", "detect_languages"]

LANGUAGES: tuple[str, ...] = ("nl", "da", "en")
SHORT_TEXT_WORDS = 3
STOPWORD_BOOST = 1.0  # texts of 1-3 words
STOPWORD_BOOST_LONG = 1.0  # longer texts
STRIP_NAMES = True

# Very frequent function words that are distinctive in staff messages; spaCy's lists are
# broad (the Danish list holds "men", which is also Dutch), so only words that appear in one
# list count towards that language.
_STOPS = {"nl": set(NL_STOP), "da": set(DA_STOP), "en": set(EN_STOP)}
# Everyday banking words staff use in short messages, which spaCy's stop-word lists lack.
_DOMAIN = {
    "nl": {"pas", "pasje", "kwijt", "gestolen", "geblokkeerd", "bellen", "terugbellen", "bel", "graag", "aub", "svp",
           "klant", "rekening", "hypotheek", "lening", "korting", "vriendenkorting", "personeelskorting", "vacature",
           "sollicitatie", "collega", "buurman", "buurvrouw", "zus", "broer", "vriendin", "bedankt", "dank", "hoi",
           "mn", "zn", "ff", "even", "nog", "weer", "wil", "kan", "moet", "gaat", "niet", "geen", "ook", "goed"},
    "da": {"kort", "kortet", "spærret", "stjålet", "mistet", "ring", "ringe", "tilbage", "gerne", "tak", "kunde",
           "kunden", "konto", "kontoen", "boliglån", "lån", "rabat", "vennerabat", "medarbejderrabat", "stilling",
           "ansøgning", "kollega", "nabo", "søster", "bror", "veninde", "hej", "hjælp", "hjælpen", "ikke", "ingen",
           "også", "godt", "vil", "kan", "skal", "min", "mit", "mine", "hans", "hendes"},
    "en": {"card", "stolen", "blocked", "lost", "call", "back", "please", "pls", "thanks", "customer", "account",
           "mortgage", "loan", "discount", "staff", "job", "vacancy", "colleague", "neighbour", "neighbor", "sister",
           "brother", "friend", "hi", "help", "not", "no", "also", "good", "wants", "needs", "my", "his", "her"},
}
for _lang, _words in _DOMAIN.items():
    _STOPS[_lang] = _STOPS[_lang] | _words
_EXCLUSIVE = {
    lang: {w for w in words if all(w not in _STOPS[other] for other in LANGUAGES if other != lang)}
    for lang, words in _STOPS.items()
}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_lock = threading.Lock()
_detector = None


def _get_detector():
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(Language.DUTCH, Language.DANISH, Language.ENGLISH)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


_ISO = {"DUTCH": "nl", "DANISH": "da", "ENGLISH": "en"}


_NAME_RE = re.compile(r"(?<=[^\s.!?:]\s)[A-ZÆØÅ][\w'-]*")


def _clean(text: str, strip_names: bool, spans=None) -> str:
    """Drop contact details (digits, addresses say nothing about the language) and, optionally,
    capitalised words inside a sentence (place and person names: "Aarhus", "Amsterdam Centraal")."""
    from .contacts import find_spans

    out, last = [], 0
    for span in find_spans(text) if spans is None else spans:
        out.append(text[last:span.start])
        last = span.end
    out.append(text[last:])
    cleaned = "".join(out)
    if strip_names:
        stripped = _NAME_RE.sub("", cleaned)
        if len(_WORD_RE.findall(stripped)) >= 2:
            cleaned = stripped
    return cleaned


def _prepare(text: str, strip_names: bool, spans=None) -> str:
    cleaned = _clean(text, strip_names, spans)
    return cleaned if _WORD_RE.search(cleaned) else text


def _boost(cleaned: str, scores: dict[str, float], stopword_boost: float, stopword_boost_long: float) -> dict[str, float]:
    words = [w.lower() for w in _WORD_RE.findall(cleaned)]
    weight = stopword_boost if len(words) <= SHORT_TEXT_WORDS else stopword_boost_long
    if words and weight:
        for lang in LANGUAGES:
            hits = sum(1 for w in words if w in _EXCLUSIVE[lang])
            scores[lang] += weight * hits / len(words)
    return scores


def language_scores(
    text: str,
    stopword_boost: float = STOPWORD_BOOST,
    stopword_boost_long: float = STOPWORD_BOOST_LONG,
    strip_names: bool = STRIP_NAMES,
    spans=None,
) -> dict[str, float]:
    cleaned = _prepare(text, strip_names, spans)
    scores = {lang: 0.0 for lang in LANGUAGES}
    for cv in _get_detector().compute_language_confidence_values(cleaned):
        scores[_ISO[cv.language.name]] = float(cv.value)
    return _boost(cleaned, scores, stopword_boost, stopword_boost_long)


def detect_language(text: str, default: str = "nl", **options: float) -> str:
    if not _WORD_RE.search(text or ""):
        return default
    scores = language_scores(text, **options)
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else default


def detect_languages(texts: list[str], default: str = "nl", spans: list | None = None) -> list[str]:
    """Batch form of detect_language; lingua scores the batch on all cores."""
    spans = spans if spans is not None else [None] * len(texts)
    cleaned = [_prepare(t or "", STRIP_NAMES, s) for t, s in zip(texts, spans)]
    values = _get_detector().compute_language_confidence_values_in_parallel(cleaned)
    out = []
    for text, clean, cvs in zip(texts, cleaned, values):
        if not _WORD_RE.search(text or ""):
            out.append(default)
            continue
        scores = {lang: 0.0 for lang in LANGUAGES}
        for cv in cvs:
            scores[_ISO[cv.language.name]] = float(cv.value)
        scores = _boost(clean, scores, STOPWORD_BOOST, STOPWORD_BOOST_LONG)
        best = max(LANGUAGES, key=lambda lang: scores[lang])
        out.append(best if scores[best] > 0 else default)
    return out


@lru_cache(maxsize=1)
def warm() -> None:
    _get_detector()
