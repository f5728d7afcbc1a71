"""The kind classifier: scikit-learn logistic regression on word and character n-grams.

Chosen over spaCy's bag-of-words textcat and ``TextCatEnsemble`` by cross-validation grouped
by writer (``nlp/selection.py``; figures in docs/nlp.md). Word features are the feature tokens
of ``nlp/features.py`` (redacted text, number shapes, multilingual marker tokens, prefixes)
plus word bigrams, which let "geen korting nodig" differ from "korting"; character n-grams
within word boundaries catch Dutch and Danish compounds, inflections and typos the words miss.
Fitting is deterministic (lbfgs, no sampling).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .corpus import KINDS
from .features import featurize_parts

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from .contacts import Span

__all__ = ["LINEAR_DEFAULTS", "fit_linear", "linear_inputs", "linear_probs"]

LINEAR_DEFAULTS: dict[str, Any] = {
    "views": "both", "C": 10.0, "char_min": 2, "char_max": 5, "word_bigrams": True, "max_iter": 2000,
}
_SEP = "\x1f"


def linear_inputs(text: str, spans: list[Span] | None = None, *, word_bigrams: bool = True) -> str:
    """One string per message holding both views: feature tokens, then the plain redacted words.

    The vectorizers split it again (see ``_words`` / ``_chars``); one string keeps the
    pipeline a plain ``Pipeline`` that ``predict_proba`` can take a list of texts for.
    """
    words, extra = featurize_parts(text, spans=spans)
    plain = [w for w in words if not w.startswith("__")]
    words = words + extra or ["__empty__"]
    if word_bigrams:
        words.extend(f"{a}_{b}" for a, b in zip(plain, plain[1:], strict=False))
    return " ".join(words) + _SEP + " ".join(plain)


def _words(doc: str) -> list[str]:
    return doc.split(_SEP, 1)[0].split()


def _chars(doc: str) -> str:
    return doc.split(_SEP, 1)[1]


def build(options: dict[str, Any]) -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    words = TfidfVectorizer(analyzer=_words, sublinear_tf=True, min_df=1)
    chars = TfidfVectorizer(analyzer="char_wb", preprocessor=_chars, sublinear_tf=True, min_df=2,
                            ngram_range=(options["char_min"], options["char_max"]))
    views = {"both": [("words", words), ("chars", chars)], "chars": [("chars", chars)],
             "words": [("words", words)]}[options["views"]]
    return Pipeline([
        ("features", FeatureUnion(views)),
        ("model", LogisticRegression(C=options["C"], max_iter=options["max_iter"])),
    ])


def fit_linear(texts: list[str], labels: list[str], options: dict[str, Any] | None = None) -> Pipeline:
    opts = {**LINEAR_DEFAULTS, **(options or {})}
    pipe = build(opts)
    pipe.fit([linear_inputs(t, word_bigrams=opts["word_bigrams"]) for t in texts], labels)
    return pipe


def linear_probs(pipe: Pipeline, texts: list[str], spans: list[list[Span] | None] | None = None,
                 *, word_bigrams: bool = True) -> list[dict[str, float]]:
    spans = spans if spans is not None else [None] * len(texts)
    docs = [linear_inputs(t, s, word_bigrams=word_bigrams) for t, s in zip(texts, spans, strict=True)]
    classes = list(pipe.classes_)
    out = []
    for row in pipe.predict_proba(docs):
        probs = {k: 0.0 for k in KINDS}
        probs.update({c: float(p) for c, p in zip(classes, row, strict=True)})
        out.append(probs)
    return out
