"""Language identification: the three languages staff write (nl, da, en), plus Norwegian and Swedish
recognised but unsupported (``no``, ``sv``: the backend routes them by the fallback language).

lingua (offline, high-accuracy mode) decides; its confidence is nudged by spaCy's stop-word
lists and by a word-unigram naive-Bayes posterior learned from the training corpus (stored
in the model directory as ``language_words.json``), because two-word Danish and Dutch
snippets ("ring tilbage", "bel even") are where character n-grams alone waver. The weights
were chosen by writer-held-out cross-validation on 2–4-word probes cut from the training
corpus (see fixtures/nlp/README.md).
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.lang.da.stop_words import STOP_WORDS as DA_STOP
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP

if TYPE_CHECKING:
    from lingua import LanguageDetector

    from .contacts import Span
    from .corpus import Example

__all__ = ["LANGUAGES", "RECOGNISED", "detect_language", "detect_languages"]

LANGUAGES: tuple[str, ...] = ("nl", "da", "en")
# Recognised, never routed by: a Norwegian or Swedish message must not pass silently as Danish.
RECOGNISED: tuple[str, ...] = ("no", "sv")
# A text first read as Danish is Norwegian/Swedish when lingua, choosing among Danish, Bokmål,
# Nynorsk and Swedish, gives that language at least this much. Chosen on the training lines
# (5,360, of which 60 no/sv): 0.6 → 54 errors, 0.65 → 45, 0.7 → 41, 0.75 → 46, 0.8 → 49.
# Adding the share of words exclusive to spaCy's da/nb/sv stop-word lists did not help
# (weights 0.5–2: 42–68 errors at best).
SCANDINAVIAN_MIN = 0.7
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
# word-unigram naive Bayes over the training corpus: posterior = softmax(T × mean log p(w|lang))
WORD_MODEL_WEIGHT = 2.0
WORD_MODEL_TEMPERATURE = 1.0
WORD_MODEL_ALPHA = 0.5
_word_model: dict | None = None  # {"logp": {word: [nl, da, en]}, "unk": [nl, da, en]}
_word_model_source: str | None = None


def build_word_counts(examples: Iterable[Example]) -> dict:
    """Per-language word counts from labelled examples (what ``language_words.json`` holds)."""
    counts: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
    for e in examples:
        if e.language in counts:
            bucket = counts[e.language]
            for w in _WORD_RE.findall(e.text.lower()):
                bucket[w] = bucket.get(w, 0) + 1
    return {"alpha": WORD_MODEL_ALPHA, "counts": {lang: dict(sorted(c.items())) for lang, c in counts.items()}}


def compile_word_model(data: dict | None) -> dict | None:
    """``language_words.json`` → log-probabilities per word (None without a table)."""
    if not data:
        return None
    import math

    alpha = float(data.get("alpha", WORD_MODEL_ALPHA))
    counts = data["counts"]
    vocab = set().union(*(c.keys() for c in counts.values()))
    denom = [sum(counts[lang].values()) + alpha * len(vocab) for lang in LANGUAGES]
    logp = {w: [math.log((counts[lang].get(w, 0) + alpha) / denom[i]) for i, lang in enumerate(LANGUAGES)] for w in vocab}
    return {"logp": logp, "unk": [math.log(alpha / d) for d in denom]}


def load_word_model(path: str | Path) -> dict | None:
    import json

    try:
        return compile_word_model(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None


class _Default(enum.Enum):
    """Sentinel type of ``word_model``: "the default model directory's table" (None means no table)."""

    TABLE = enum.auto()


_DEFAULT = _Default.TABLE


def _default_word_model() -> dict | None:
    """Without a router: the default model directory's table, loaded once (None if not built)."""
    global _word_model, _word_model_source
    if _word_model_source is None:
        with _lock:
            if _word_model_source is None:
                from .corpus import model_dir

                path = model_dir() / "language_words.json"
                _word_model = load_word_model(path)
                _word_model_source = str(path)
    return _word_model


def _word_posterior(words: list[str], model: dict | None) -> dict[str, float] | None:
    import math

    if model is None or not words:
        return None
    logp, unk = model["logp"], model["unk"]
    totals = [0.0, 0.0, 0.0]
    for w in words:
        lp = logp.get(w, unk)
        for i in range(3):
            totals[i] += lp[i]
    mean = [t / len(words) * WORD_MODEL_TEMPERATURE for t in totals]
    top = max(mean)
    exp = [math.exp(v - top) for v in mean]
    z = sum(exp)
    return {lang: exp[i] / z for i, lang in enumerate(LANGUAGES)}
_lock = threading.Lock()
_detector: LanguageDetector | None = None
_scandinavian: LanguageDetector | None = None
_SCANDINAVIAN_ISO = {"DANISH": "da", "BOKMAL": "no", "NYNORSK": "no", "SWEDISH": "sv"}


def _get_scandinavian() -> LanguageDetector:
    global _scandinavian
    if _scandinavian is None:
        with _lock:
            if _scandinavian is None:
                from lingua import Language, LanguageDetectorBuilder

                _scandinavian = (
                    LanguageDetectorBuilder.from_languages(Language.DANISH, Language.BOKMAL, Language.NYNORSK,
                                                           Language.SWEDISH)
                    .with_preloaded_language_models()
                    .build()
                )
    return _scandinavian


# Below this many texts lingua scores them one by one: its parallel call hands even one text to a
# thread pool, which cost ~3 ms of CPU per single message (most of a single classify).
PARALLEL_MIN = 16


def _confidences(detector: LanguageDetector, texts: list[str]) -> list:
    if len(texts) >= PARALLEL_MIN:
        return detector.compute_language_confidence_values_in_parallel(texts)
    return [detector.compute_language_confidence_values(t) for t in texts]


def _refine_danish(cleaned: list[str], decided: list[str]) -> list[str]:
    """Re-read the texts decided as Danish against Norwegian and Swedish (lingua among the four)."""
    idx = [i for i, lang in enumerate(decided) if lang == "da"]
    if not idx:
        return decided
    values = _confidences(_get_scandinavian(), [cleaned[i] for i in idx])
    out = list(decided)
    for i, cvs in zip(idx, values, strict=True):
        scores = {"da": 0.0, "no": 0.0, "sv": 0.0}
        for cv in cvs:
            scores[_SCANDINAVIAN_ISO[cv.language.name]] += float(cv.value)
        best = max(RECOGNISED, key=scores.__getitem__)
        if scores[best] >= SCANDINAVIAN_MIN:
            out[i] = best
    return out


def _get_detector() -> LanguageDetector:
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


def _clean(text: str, strip_names: bool, spans: list[Span] | None = None) -> str:
    """Drop contact details (digits, addresses say nothing about the language) and, optionally,
    capitalised words inside a sentence (place and person names: "Aarhus", "Amsterdam Centraal")."""
    from .contacts import find_spans

    out: list[str] = []
    last = 0
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


def _prepare(text: str, strip_names: bool, spans: list[Span] | None = None) -> str:
    cleaned = _clean(text, strip_names, spans)
    return cleaned if _WORD_RE.search(cleaned) else text


def _boost(cleaned: str, scores: dict[str, float], stopword_boost: float, stopword_boost_long: float,
           word_model: dict | None | _Default = _DEFAULT) -> dict[str, float]:
    words = [w.lower() for w in _WORD_RE.findall(cleaned)]
    weight = stopword_boost if len(words) <= SHORT_TEXT_WORDS else stopword_boost_long
    if words and weight:
        for lang in LANGUAGES:
            hits = sum(1 for w in words if w in _EXCLUSIVE[lang])
            scores[lang] += weight * hits / len(words)
    if WORD_MODEL_WEIGHT:
        model = _default_word_model() if isinstance(word_model, _Default) else word_model
        posterior = _word_posterior(words, model)
        if posterior:
            for lang in LANGUAGES:
                scores[lang] += WORD_MODEL_WEIGHT * posterior[lang]
    return scores


def language_scores(
    text: str,
    stopword_boost: float = STOPWORD_BOOST,
    stopword_boost_long: float = STOPWORD_BOOST_LONG,
    strip_names: bool = STRIP_NAMES,
    spans: list[Span] | None = None,
) -> dict[str, float]:
    cleaned = _prepare(text, strip_names, spans)
    scores = {lang: 0.0 for lang in LANGUAGES}
    for cv in _get_detector().compute_language_confidence_values(cleaned):
        scores[_ISO[cv.language.name]] = float(cv.value)
    return _boost(cleaned, scores, stopword_boost, stopword_boost_long)


def detect_language(text: str, default: str = "nl", **options: Any) -> str:
    if not _WORD_RE.search(text or ""):
        return default
    scores = language_scores(text, **options)
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    decided = best if scores[best] > 0 else default
    return _refine_danish([_prepare(text, options.get("strip_names", STRIP_NAMES))], [decided])[0]


def detect_languages(texts: list[str], default: str = "nl", spans: list[list[Span] | None] | None = None,
                     word_model: dict | None | _Default = _DEFAULT) -> list[str]:
    """Batch form of detect_language; lingua scores the batch on all cores."""
    spans = spans if spans is not None else [None] * len(texts)
    cleaned = [_prepare(t or "", STRIP_NAMES, s) for t, s in zip(texts, spans, strict=True)]
    values = _confidences(_get_detector(), cleaned)
    out = []
    for text, clean, cvs in zip(texts, cleaned, values, strict=True):
        if not _WORD_RE.search(text or ""):
            out.append(default)
            continue
        scores = {lang: 0.0 for lang in LANGUAGES}
        for cv in cvs:
            scores[_ISO[cv.language.name]] = float(cv.value)
        scores = _boost(clean, scores, STOPWORD_BOOST, STOPWORD_BOOST_LONG, word_model)
        best = max(LANGUAGES, key=lambda lang: scores[lang])
        out.append(best if scores[best] > 0 else default)
    return _refine_danish(cleaned, out)


@lru_cache(maxsize=1)
def warm() -> None:
    _get_detector()
    _get_scandinavian()
