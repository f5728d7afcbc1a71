"""Model choice by cross-validation grouped by writer (``python -m nlp select``).

Every writer's lines are in exactly one fold, so a model is always scored on wording it never
saw. The held-out splits are not touched. Candidates: spaCy's bag-of-words textcat (the first
round's model), spaCy's ``TextCatEnsemble`` with its own tok2vec, and scikit-learn logistic
regression on character n-grams alone and on word + character n-grams.
"""

from __future__ import annotations

import hashlib
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
