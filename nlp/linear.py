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

__all__ = ["LINEAR_DEFAULTS", "fit_linear", "linear_inputs", "linear_matrix", "linear_probs", "probs_from_matrix"]

LINEAR_DEFAULTS: dict[str, Any] = {
    "views": "both", "C": 10.0, "char_min": 2, "char_max": 5, "word_bigrams": True, "max_iter": 2000,
}
_SEP = "\x1f"


def linear_inputs(text: str, spans: list[Span] | None = None, *, word_bigrams: bool = True,
                  parts: tuple[list[str], list[str]] | None = None) -> str:
    """One string per message holding both views: feature tokens, then the plain redacted words.

    The vectorizers split it again (see ``_words`` / ``_chars``); one string keeps the
    pipeline a plain ``Pipeline`` that ``predict_proba`` can take a list of texts for.
    """
    words, extra = parts if parts is not None else featurize_parts(text, spans=spans)
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


def linear_matrix(pipe: Pipeline, texts: list[str], spans: list[list[Span] | None] | None = None,
                  *, word_bigrams: bool = True, parts: list[tuple[list[str], list[str]]] | None = None) -> Any:
    """The feature matrix of ``texts``: computed once per message, read by the kind and the secondary model."""
    spans = spans if spans is not None else [None] * len(texts)
    parts_of = parts if parts is not None else [None] * len(texts)
    docs = [linear_inputs(t, s, word_bigrams=word_bigrams, parts=p)
            for t, s, p in zip(texts, spans, parts_of, strict=True)]
    return pipe.named_steps["features"].transform(docs)


def probs_from_matrix(pipe: Pipeline, x: Any) -> list[dict[str, float]]:
    classes = list(pipe.classes_)
    out = []
    for row in pipe.named_steps["model"].predict_proba(x):
        probs = {k: 0.0 for k in KINDS}
        probs.update({c: float(p) for c, p in zip(classes, row, strict=True)})
        out.append(probs)
    return out


def linear_probs(pipe: Pipeline, texts: list[str], spans: list[list[Span] | None] | None = None,
                 *, word_bigrams: bool = True) -> list[dict[str, float]]:
    return probs_from_matrix(pipe, linear_matrix(pipe, texts, spans, word_bigrams=word_bigrams))


class LinearScorer:
    """The fitted kind pipeline (and the secondary-kind model) as plain arrays, for scoring.

    Scoring through the pipeline costs ~3 ms per call whatever the batch size (input validation,
    estimator tags, the FeatureUnion's joblib dispatch), which is most of a single message's time.
    This does the same arithmetic with the fitted vectorizers' own analyzers, vocabularies and idf
    weights (TfidfVectorizer with sublinear tf and l2 norm per view, views side by side as in the
    FeatureUnion) and the logistic regressions' coefficients; ``tests/nlp/test_classify.py`` checks
    that it equals ``predict_proba``.
    """

    def __init__(self, pipe: Pipeline, secondary: Any = None) -> None:
        import numpy as np

        self.views = []
        offset = 0
        for _name, vectorizer in pipe.named_steps["features"].transformer_list:
            self.views.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        self.n_features = offset
        model = pipe.named_steps["model"]
        self.classes = [str(c) for c in model.classes_]
        self.coef = np.ascontiguousarray(model.coef_.T)
        self.intercept = model.intercept_
        self.secondary = None
        if secondary is not None:
            # a kind never seen as a second request gets probability 0 (weights 0, bias -inf)
            self.secondary = (
                np.ascontiguousarray(np.vstack([secondary[k].coef_[0] if secondary.get(k) is not None
                                                else np.zeros(offset) for k in KINDS]).T),
                np.array([float(secondary[k].intercept_[0]) if secondary.get(k) is not None else -np.inf
                          for k in KINDS]),
            )

    def matrix(self, docs: list[str]) -> Any:
        import math

        from scipy.sparse import csr_matrix

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for doc in docs:
            for analyzer, vocabulary, idf, offset in self.views:
                counts: dict[int, int] = {}
                for gram in analyzer(doc):
                    j = vocabulary.get(gram)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                if not counts:
                    continue
                weights = [(1.0 + math.log(c)) * idf[j] for j, c in counts.items()]
                norm = math.sqrt(sum(w * w for w in weights))
                indices.extend(offset + j for j in counts)
                data.extend(w / norm for w in weights)
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(docs), self.n_features))

    def kind_probs(self, x: Any) -> list[dict[str, float]]:
        import numpy as np

        z = x @ self.coef + self.intercept
        z = np.exp(z - z.max(axis=1, keepdims=True))
        z /= z.sum(axis=1, keepdims=True)
        out = []
        for row in z:
            probs = {k: 0.0 for k in KINDS}
            probs.update({c: float(p) for c, p in zip(self.classes, row, strict=True)})
            out.append(probs)
        return out

    def secondary_probs(self, x: Any) -> list[dict[str, float]] | None:
        """One probability per kind ("also asks for K"), or None when there is no such model."""
        import numpy as np

        if self.secondary is None:
            return None
        coef, intercept = self.secondary
        p = 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))
        return [{k: float(v) for k, v in zip(KINDS, row, strict=True)} for row in p]
