"""Model choice by cross-validation grouped by writer (``python -m nlp select``).

Every writer's lines are in exactly one fold, so a model is always scored on wording it never
saw. The held-out splits are not touched. Candidates: spaCy's bag-of-words textcat (the first
round's model), spaCy's ``TextCatEnsemble`` with its own tok2vec, and scikit-learn logistic
regression on character n-grams alone and on word + character n-grams.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .corpus import Example, train_files

__all__ = ["writer_folds", "crossval_writers", "CANDIDATES"]


def writer_folds(examples: list[Example], folds: int) -> list[int]:
    """Fold of each example: writers are assigned by a stable hash, balanced greedily by size."""
    sizes: dict[str, int] = {}
    for e in examples:
        sizes[e.writer] = sizes.get(e.writer, 0) + 1
    order = sorted(sizes, key=lambda w: (-sizes[w], hashlib.sha1(w.encode()).hexdigest()))
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for w in order:
        k = min(range(folds), key=lambda i: (load[i], i))
        fold_of[w] = k
        load[k] += sizes[w]
    return [fold_of[e.writer] for e in examples]


Scorer = Callable[[list[Example], list[str]], list[dict[str, float]]]


def _spacy(config_changes: dict[str, Any]) -> Scorer:
    def run(train: list[Example], texts: list[str]) -> list[dict[str, float]]:
        from .training import CONFIG, fit, predict

        config = {**CONFIG, **config_changes}
        return predict(fit(train, config), texts, config)
    return run


def _linear(options: dict[str, Any]) -> Scorer:
    def run(train: list[Example], texts: list[str]) -> list[dict[str, float]]:
        from .linear import fit_linear, linear_probs

        pipe = fit_linear([e.text for e in train], [e.kind or "" for e in train], options)
        return linear_probs(pipe, texts)
    return run


CANDIDATES: dict[str, Scorer] = {
    "spacy_bow": _spacy({}),
    "spacy_ensemble": _spacy({"architecture": "spacy.TextCatEnsemble.v2", "epochs": 6}),
    "sk_chars": _linear({"views": "chars"}),
    "sk_words_chars_C3": _linear({"C": 3.0}),
    "sk_words_chars_C10": _linear({"C": 10.0}),
    "sk_words_chars_C30": _linear({"C": 30.0}),
    "sk_words_chars_3_5": _linear({"C": 10.0, "char_min": 3}),
}


def crossval_writers(name: str, folds: int = 5, files: list[Path] | None = None,
                     max_folds: int | None = None) -> dict[str, Any]:
    from .evaluation import evaluate_examples
    from .training import load_corpus

    examples = load_corpus(list(files if files is not None else train_files()))
    assigned = writer_folds(examples, folds)
    dev_all: list[Example] = []
    scores: list[dict[str, float]] = []
    started = time.perf_counter()
    for k in range(folds if max_folds is None else max_folds):
        train = [e for e, f in zip(examples, assigned, strict=True) if f != k]
        dev = [e for e, f in zip(examples, assigned, strict=True) if f == k]
        scores.extend(CANDIDATES[name](train, [e.text for e in dev]))
        dev_all.extend(dev)
    report = evaluate_examples(dev_all, scores=scores)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def main(names: list[str], max_folds: int | None = None) -> None:
    for name in names or list(CANDIDATES):
        r = crossval_writers(name, max_folds=max_folds)
        langs = " ".join(f"{k} {v['macro_f1']:.4f}" for k, v in r["per_language"].items())
        print(f"{name:<22} macro-F1 {r['macro_f1']:.4f}  acc {r['accuracy']:.4f}  {langs}  "
              f"n={r['n']}  {r['seconds']} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])


def held_back_writers(examples: list[Example], share: float = 0.2, largest: float = 0.05) -> set[str]:
    """Writers whose lines form the calibration fold: about ``share`` of the lines, by stable hash.

    A writer holding more than ``largest`` of the corpus (each older file is one writer) is
    never held back: the fold would be one person's habits, and calibration would learn them.
    """
    sizes: dict[str, int] = {}
    for e in examples:
        sizes[e.writer] = sizes.get(e.writer, 0) + 1
    total = sum(sizes.values())
    small = sorted((w for w, n in sizes.items() if n <= largest * total),
                   key=lambda w: hashlib.sha1(w.encode()).hexdigest())
    chosen: set[str] = set()
    held = 0
    for w in small:
        if held >= share * total:
            break
        chosen.add(w)
        held += sizes[w]
    return chosen


SECONDARY_CANDIDATES: dict[str, dict[str, Any]] = {
    "ovr_secondary_C10": {"targets": "secondary", "C": 10.0},
    "ovr_secondary_C3": {"targets": "secondary", "C": 3.0},
    "ovr_secondary_C30": {"targets": "secondary", "C": 30.0},
    "ovr_secondary_balanced": {"targets": "secondary", "C": 10.0, "class_weight": "balanced"},
    "multilabel_kind_and_secondary": {"targets": "both", "C": 10.0},
}


def crossval_secondary(folds: int = 5, files: list[Path] | None = None, precision: float = 0.6) -> dict[str, Any]:
    """Writer-grouped CV of the secondary-kind models: pooled out-of-fold probabilities, the primary
    from the kind model of the same fold; per candidate the precision/recall at the lowest cut-off
    reaching ``precision`` (chosen on the pooled folds, so the figure is a little optimistic)."""
    from .linear import LINEAR_DEFAULTS, fit_linear, linear_inputs
    from .secondary import fit_secondary, lowest_precise_cutoff, secondary_figures, secondary_probs
    from .training import load_corpus

    examples = load_corpus(list(files if files is not None else train_files()))
    assigned = writer_folds(examples, folds)
    primaries: list[str] = []
    golds: list[str | None] = []
    pooled: dict[str, list[dict[str, float]]] = {name: [] for name in SECONDARY_CANDIDATES}
    for k in range(folds):
        train = [e for e, f in zip(examples, assigned, strict=True) if f != k]
        dev = [e for e, f in zip(examples, assigned, strict=True) if f == k]
        pipe = fit_linear([e.text for e in train], [e.kind or "" for e in train])
        features = pipe.named_steps["features"]
        x_train = features.transform([linear_inputs(e.text, word_bigrams=LINEAR_DEFAULTS["word_bigrams"]) for e in train])
        x_dev = features.transform([linear_inputs(e.text, word_bigrams=LINEAR_DEFAULTS["word_bigrams"]) for e in dev])
        classes = list(pipe.classes_)
        primaries.extend(classes[i] for i in pipe.named_steps["model"].predict_proba(x_dev).argmax(axis=1))
        golds.extend(e.secondary_kind for e in dev)
        for name, options in SECONDARY_CANDIDATES.items():
            pooled[name].extend(secondary_probs(fit_secondary(x_train, train, options), x_dev))
    out: dict[str, Any] = {}
    for name, probs in pooled.items():
        cut = lowest_precise_cutoff(primaries, probs, golds, precision)
        out[name] = {"chosen": secondary_figures(primaries, probs, golds, cut),
                     "at_0.3": secondary_figures(primaries, probs, golds, 0.3),
                     "at_0.5": secondary_figures(primaries, probs, golds, 0.5)}
    return out


def main_secondary() -> None:
    for name, figures in crossval_secondary().items():
        print(name, json.dumps(figures), flush=True)


URGENCY_CANDIDATES: dict[str, dict[str, Any]] = {
    "l2_1e-3": {"l2": 1e-3},
    "l2_1e-3_balanced": {"l2": 1e-3, "class_weight": "balanced"},
    "l2_3e-4": {"l2": 3e-4},
    "l2_3e-3": {"l2": 3e-3},
}


def crossval_urgency(folds: int = 5, files: list[Path] | None = None) -> dict[str, Any]:
    """Writer-grouped CV of the urgency decision (rules OR p_urgent × p_complaint ≥ threshold), with
    the kind scores of the same fold's kind model, per urgency option and threshold: recall of the
    urgent lines and the share of non-urgent lines called urgent (false urgent)."""
    from .linear import fit_linear, linear_probs
    from .router import calibrate
    from .training import CONFIG, load_corpus
    from .urgency import UrgencyModel, fit_urgency_model, is_urgent, urgency_hits, urgency_labels

    examples = load_corpus(list(files if files is not None else train_files()))
    assigned = writer_folds(examples, folds)
    rows: dict[str, list[tuple[bool, bool, bool, float]]] = {name: [] for name in URGENCY_CANDIDATES}
    for k in range(folds):
        train = [e for e, f in zip(examples, assigned, strict=True) if f != k]
        dev = [e for e, f in zip(examples, assigned, strict=True) if e.urgent is not None and f == k]
        pipe = fit_linear([e.text for e in train], [e.kind or "" for e in train])
        scores = [calibrate(s, 0.85) for s in linear_probs(pipe, [e.text for e in dev])]
        texts, labels = urgency_labels(train)
        for name, options in URGENCY_CANDIDATES.items():
            model = UrgencyModel(fit_urgency_model(texts, labels, {**CONFIG["urgency"], **options}))
            for e, s in zip(dev, scores, strict=True):
                kind = max(s, key=s.__getitem__)
                hits = urgency_hits(e.text)
                rule = is_urgent(e.text, kind, s, hits=hits)
                p = model.prob(e.text, hits=hits) * s.get("complaint", 0.0)
                rows[name].append((bool(e.urgent), e.kind == "complaint", rule, p))
    out: dict[str, Any] = {}
    for name, r in rows.items():
        positives = sum(1 for gold, *_ in r if gold)
        negatives = sum(1 for gold, *_ in r if not gold)
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
            tp = sum(1 for gold, _, rule, p in r if gold and (rule or p >= t))
            fp = sum(1 for gold, _, rule, p in r if not gold and (rule or p >= t))
            out[f"{name} t={t}"] = {"recall": round(tp / positives, 4), "false_urgent": round(fp / negatives, 4),
                                    "precision": round(tp / max(tp + fp, 1), 4)}
    return out


def main_urgency() -> None:
    for name, figures in crossval_urgency().items():
        print(f"{name:<32} {json.dumps(figures)}", flush=True)
