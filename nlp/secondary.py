"""The secondary kind: the other request in a message that holds two.

A single-label model's runner-up is not "a second request" (it is mostly the kind the model
half-confused the message with; precision ~12 % in round two). So the secondary kind has its own
model, trained on the lines that carry a ``secondary_kind``: one logistic regression per kind K,
"this message also asks for something of kind K" (one-vs-rest; a line without a secondary kind is
a negative for every K). It reads the kind model's own feature matrix (the same word and character
n-grams), so a message is featurised once for both. At run time the secondary kind is the K other
than the primary kind with the highest probability, when that reaches a cut-off chosen on a held-back
fold of whole writers as the lowest giving at least 60 % precision (``nlp/training.py``).
Chosen by writer-grouped cross-validation against a multi-label model over {kind, secondary kind}
(``python -m nlp select-secondary``; figures in docs/nlp.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .corpus import KINDS

if TYPE_CHECKING:
    from scipy.sparse import spmatrix
    from sklearn.linear_model import LogisticRegression

    from .corpus import Example

# kind → "this message also asks for something of this kind" (None: never seen as a second request)
SecondaryModel = dict[str, "LogisticRegression | None"]

__all__ = ["SECONDARY_DEFAULTS", "fit_secondary", "secondary_probs", "pick_secondary", "secondary_figures"]

SECONDARY_DEFAULTS: dict[str, Any] = {"targets": "secondary", "C": 10.0, "class_weight": "balanced"}


def _targets(examples: list[Example], targets: str) -> list[list[int]]:
    """Indicator rows: the secondary kind alone, or (``"both"``) every kind the message asks for."""
    rows = []
    for e in examples:
        wanted = {e.secondary_kind} | ({e.kind} if targets == "both" else set())
        rows.append([int(k in wanted) for k in KINDS])
    return rows


def fit_secondary(x: spmatrix, examples: list[Example], options: dict[str, Any] | None = None) -> SecondaryModel:
    """One logistic regression per kind on the kind model's feature matrix ``x`` (deterministic, lbfgs);
    None for a kind no training line has as a second request (it is then never given)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    opts = {**SECONDARY_DEFAULTS, **(options or {})}
    y = np.array(_targets(examples, opts["targets"]))
    model: SecondaryModel = {}
    for j, kind in enumerate(KINDS):
        if 0 < y[:, j].sum() < len(y):
            model[kind] = LogisticRegression(C=opts["C"], max_iter=2000, class_weight=opts["class_weight"]).fit(x, y[:, j])
        else:
            model[kind] = None
    return model


def secondary_probs(model: SecondaryModel, x: spmatrix) -> list[dict[str, float]]:
    import numpy as np

    columns = []
    for k in KINDS:
        estimator = model.get(k)
        columns.append(estimator.predict_proba(x)[:, 1] if estimator is not None else np.zeros(x.shape[0]))
    return [{k: float(p) for k, p in zip(KINDS, row, strict=True)} for row in np.column_stack(columns)]


def pick_secondary(primary: str, probs: dict[str, float], minimum: float) -> str | None:
    """The most likely second request of another kind than ``primary``, when it reaches ``minimum``."""
    best = max((k for k in KINDS if k != primary), key=lambda k: probs[k])
    return best if probs[best] >= minimum else None


def secondary_figures(primaries: list[str], probs: list[dict[str, float]], golds: list[str | None],
                      minimum: float) -> dict[str, Any]:
    """Given / right / gold counts, precision and recall of the secondary kinds at ``minimum``."""
    guesses = [pick_secondary(p, s, minimum) for p, s in zip(primaries, probs, strict=True)]
    given = sum(g is not None for g in guesses)
    right = sum(g is not None and g == t for g, t in zip(guesses, golds, strict=True))
    wanted = sum(t is not None for t in golds)
    return {"minimum": minimum, "given": given, "right": right, "gold": wanted,
            "precision": round(right / given, 4) if given else None,
            "recall": round(right / wanted, 4) if wanted else None}


def lowest_precise_cutoff(primaries: list[str], probs: list[dict[str, float]], golds: list[str | None],
                          precision: float, *, min_given: int = 5) -> float:
    """The lowest cut-off (0.10 … 0.90) whose secondary kinds are right ≥ ``precision`` of the time; 1.0: never."""
    for i in range(33):
        m = round(0.1 + 0.025 * i, 3)
        f = secondary_figures(primaries, probs, golds, m)
        if f["given"] >= min_given and (f["precision"] or 0.0) >= precision:
            return m
    return 1.0
