"""The runtime: load the trained model once per process and turn texts into routing decisions."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .contacts import extract_contacts, find_spans
from .corpus import KINDS, model_dir
from .features import featurize_parts
from .language import detect_languages
from .topics import TopicMatcher, load_products
from .urgency import UrgencyModel, is_urgent, urgency_hits

__all__ = ["Classification", "ModelNotBuilt", "Router", "get_router", "reset_router"]


class ModelNotBuilt(RuntimeError):
    """The model directory holds no trained model; run ``python -m nlp ensure``."""


@dataclass(frozen=True)
class Classification:
    kind: str
    scores: dict[str, float]
    confidence: float
    language: str
    urgent: bool
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    ibans: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    model_version: str = ""
    secondary_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def calibrate(probs: dict[str, float], temperature: float) -> dict[str, float]:
    """Temperature scaling of the textcat softmax (T fitted on the dev split at training time)."""
    if temperature == 1.0:
        return dict(probs)
    logits = {k: math.log(max(p, 1e-12)) / temperature for k, p in probs.items()}
    top = max(logits.values())
    exp = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


class Router:
    def __init__(self, path: Path) -> None:
        import joblib
        import spacy

        meta_path = path / "meta.json"
        if not meta_path.exists() or not (path / "kind.joblib").is_file():
            raise ModelNotBuilt(f"no trained model in {path}; run `python -m nlp ensure`")
        self.path = path
        self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        self.version: str = self.meta["version"]
        self.temperature: float = float(self.meta.get("temperature", 1.0))
        self.secondary_min: float = float(self.meta.get("secondary_min", 1.0))
        self.word_bigrams: bool = bool(self.meta.get("config", {}).get("linear", {}).get("word_bigrams", True))
        # Written by our own training run into our own model directory, never downloaded.
        self.kind_model = joblib.load(path / "kind.joblib")
        # The secondary-kind model (nlp/secondary.py); absent in models built before it existed.
        secondary_path = path / "secondary.joblib"
        self.secondary_model = joblib.load(secondary_path) if secondary_path.is_file() else None
        from .linear import LinearScorer

        self.scorer = LinearScorer(self.kind_model, self.secondary_model)
        self.nlp = spacy.blank("xx")  # tokenizer + vocabulary for the topic matcher
        self.topics = TopicMatcher(self.nlp, load_products(path / "products.json"))
        from .language import load_word_model

        self.language_words = load_word_model(path / "language_words.json")  # None for an older model
        urgency_path = path / "urgency.json"
        self.urgency = (UrgencyModel(json.loads(urgency_path.read_text(encoding="utf-8")))
                        if urgency_path.exists() else None)
        # spaCy's StringStore grows when unseen words are added: serialise inference.
        self._lock = threading.Lock()

    def kind_scores(self, texts: list[str], spans: list | None = None) -> list[dict[str, float]]:
        return self.kind_outputs(texts, spans)[0]

    def kind_outputs(self, texts: list[str], spans: list | None = None,
                     parts: list | None = None) -> tuple[list[dict[str, float]], list[str | None]]:
        """Calibrated kind scores and the secondary kind of each text, from one feature matrix."""
        from .linear import linear_inputs
        from .secondary import pick_secondary

        if not texts:
            return [], []
        spans = spans if spans is not None else [None] * len(texts)
        parts = parts if parts is not None else [None] * len(texts)
        x = self.scorer.matrix([linear_inputs(t, s, word_bigrams=self.word_bigrams, parts=p)
                                for t, s, p in zip(texts, spans, parts, strict=True)])
        scores = [calibrate(d, self.temperature) for d in self.scorer.kind_probs(x)]
        second = self.scorer.secondary_probs(x)
        if second is None or self.secondary_min >= 1.0:
            return scores, [None] * len(texts)
        primaries = [max(KINDS, key=s.__getitem__) for s in scores]
        return scores, [pick_secondary(k, p, self.secondary_min) for k, p in zip(primaries, second, strict=True)]

    def languages(self, texts: list[str], spans: list | None = None) -> list[str]:
        return detect_languages(texts, spans=spans, word_model=self.language_words)

    def urgent_probs(self, texts: list[str], spans: list | None = None, hits: list | None = None,
                     parts: list | None = None) -> list[float | None]:
        """p(urgent) from the learned urgency model (None for every text when the model has none)."""
        spans = spans if spans is not None else [None] * len(texts)
        hits = hits if hits is not None else [None] * len(texts)
        parts = parts if parts is not None else [None] * len(texts)
        if self.urgency is None:
            return [None] * len(texts)
        return [self.urgency.prob(t, s, h, p) for t, s, h, p in zip(texts, spans, hits, parts, strict=True)]

    def is_urgent(self, text: str, kind: str, scores: dict[str, float], urgent_prob: float | None,
                  hits: list[str] | None = None) -> bool:
        threshold = self.urgency.threshold if self.urgency is not None else 1.0
        return is_urgent(text, kind, scores, urgent_prob=urgent_prob, threshold=threshold, hits=hits)

    def classify_many(self, texts: list[str]) -> list[Classification]:
        texts = [t if isinstance(t, str) else "" for t in texts]
        if not texts:
            return []
        # Contact spans feed redaction-before-features, language ID and extraction: find them once.
        spans = [find_spans(t) for t in texts]
        # ... and featurise each text once: the kind, secondary and urgency models share the tokens.
        parts = [featurize_parts(t, spans=s) for t, s in zip(texts, spans, strict=True)]
        all_scores, secondaries = self.kind_outputs(texts, spans=spans, parts=parts)
        languages = self.languages(texts, spans)
        hits = [urgency_hits(t) for t in texts]
        urgent_probs = self.urgent_probs(texts, spans, hits, parts)
        results = []
        for text, text_spans, language, scores, secondary, u_prob, text_hits in zip(
            texts, spans, languages, all_scores, secondaries, urgent_probs, hits, strict=True):
            kind = max(KINDS, key=lambda k: scores[k])
            contacts = extract_contacts(text, text_spans)
            with self._lock:
                topics = self.topics(self.nlp.make_doc(text))
            results.append(
                Classification(
                    kind=kind,
                    scores={k: round(scores[k], 6) for k in KINDS},
                    confidence=round(scores[kind], 6),
                    language=language,
                    urgent=self.is_urgent(text, kind, scores, u_prob, text_hits),
                    phones=contacts.phones,
                    emails=contacts.emails,
                    ibans=contacts.ibans,
                    topics=topics,
                    model_version=self.version,
                    secondary_kind=secondary,
                )
            )
        return results


_routers: dict[Path, Router] = {}
_load_lock = threading.Lock()


def get_router(path: Path | None = None) -> Router:
    """The process-wide router for ``path`` (default: the configured model dir), loaded once."""
    key = Path(path or model_dir()).resolve()
    router = _routers.get(key)
    if router is None:
        with _load_lock:
            router = _routers.get(key)
            if router is None:
                router = Router(key)
                _routers[key] = router
    return router


def reset_router() -> None:
    """Forget loaded models (after a retrain in the same process)."""
    with _load_lock:
        _routers.clear()
