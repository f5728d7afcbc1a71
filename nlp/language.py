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
STOPWORD_BOOST = 0.3

# Very frequent function words that are distinctive in staff messages; spaCy's lists are
# broad (the Danish list holds "men", which is also Dutch), so only words that appear in one
# list count towards that language.
_STOPS = {"nl": set(NL_STOP), "da": set(DA_STOP), "en": set(EN_STOP)}
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


def language_scores(text: str, stopword_boost: float = STOPWORD_BOOST) -> dict[str, float]:
    detector = _get_detector()
    scores = {lang: 0.0 for lang in LANGUAGES}
    for cv in detector.compute_language_confidence_values(text):
        scores[_ISO[cv.language.name]] = float(cv.value)
    words = [w.lower() for w in _WORD_RE.findall(text)]
    if 0 < len(words) <= SHORT_TEXT_WORDS and stopword_boost:
        for lang in LANGUAGES:
            hits = sum(1 for w in words if w in _EXCLUSIVE[lang])
            scores[lang] += stopword_boost * hits / len(words)
    return scores


def detect_language(text: str, default: str = "nl", stopword_boost: float = STOPWORD_BOOST) -> str:
    if not _WORD_RE.search(text or ""):
        return default
    scores = language_scores(text, stopword_boost)
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else default


def detect_languages(texts: list[str], default: str = "nl") -> list[str]:
    return [detect_language(t, default) for t in texts]


@lru_cache(maxsize=1)
def warm() -> None:
    _get_detector()
