"""Deterministic training of the kind classifier, calibration, ``ensure``; spaCy textcat for comparison.

Calibration (temperature) and the secondary-kind cut-off are fitted on a held-back fold of
whole *writers* (``nlp.selection.writer_folds``), never random lines: a random split of a
corpus where each writer has habits flatters the model. The older scenario folds
(``dev_split``: hard-case families and 25-line blocks) remain for ``crossval``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .corpus import KINDS, Example, fingerprint, load_jsonl, model_dir, products_path, train_files
from .features import featurize

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import TextCategorizer
    from spacy.tokens import Doc

    from .urgency import UrgencyModel

__all__ = ["CONFIG", "train", "build", "install", "ensure", "is_stale", "dev_split", "fit", "predict", "crossval"]

CONFIG: dict[str, Any] = {
    # the kind model (issue 19): scikit-learn logistic regression on word + character n-grams
    "kind_model": "linear",
    "linear": {"views": "both", "C": 10.0, "char_min": 2, "char_max": 5, "word_bigrams": True, "max_iter": 2000},
    # calibration and the secondary kind: fitted on a held-back fold of whole writers
    "calibration_share": 0.2,
    "secondary_precision": 0.6,
    # one-vs-rest "also asks for K", balanced class weights: chosen by writer-grouped CV (docs/nlp.md)
    "secondary": {"targets": "secondary", "C": 10.0, "class_weight": "balanced"},
    # spaCy textcat options, used only by nlp/selection.py to measure the alternatives
    "architecture": "spacy.TextCatBOW.v3",
    "ngram_size": 1,
    "length": 65536,
    "epochs": 12,
    "dropout": 0.2,
    "batch_start": 16,
    "batch_end": 64,
    "learn_rate": 0.001,
    "seed": 0,
    "folds": 5,
    "dev_fold": 0,
    "features": {"prefixes": True, "markers": True},
    # urgency: rule-set revision + the learned model's options (nlp/urgency.py)
    "language": {"word_model_weight": 2.0, "word_model_temperature": 1.0, "alpha": 0.5, "extra": ["no", "sv"]},
    # urgency: class_weight "balanced" + threshold 0.5 chosen by writer-grouped CV (docs/nlp.md)
    "urgency": {"rules": 2, "char_ngrams": 4, "l2": 1e-3, "iters": 1000, "threshold": 0.5, "class_weight": "balanced"},
}
# The backend's default RELAY_ROUTING_CONFIDENCE_THRESHOLD: below it a signal goes to triage.
TRIAGE_THRESHOLD = 0.6
BLOCK = 25


def _log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def group_of(ex: Example, index_in_file: int) -> str:
    if ex.hard_case:
        return "family:" + ex.hard_case
    return f"block:{ex.source}:{index_in_file // BLOCK}"


def fold_of(group: str, folds: int) -> int:
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % folds


def assign_folds(examples: list[Example], folds: int) -> list[int]:
    counters: dict[str, int] = {}
    out = []
    for ex in examples:
        i = counters.get(ex.source, 0)
        counters[ex.source] = i + 1
        out.append(fold_of(group_of(ex, i), folds))
    return out


def dev_split(examples: list[Example], config: dict = CONFIG, fold: int | None = None) -> tuple[list[Example], list[Example]]:
    fold = config["dev_fold"] if fold is None else fold
    assigned = assign_folds(examples, config["folds"])
    train = [e for e, f in zip(examples, assigned, strict=True) if f != fold]
    dev = [e for e, f in zip(examples, assigned, strict=True) if f == fold]
    return train, dev


def build_pipeline(config: dict) -> Language:
    import spacy

    nlp = spacy.blank("xx")
    if "BOW" in config["architecture"]:
        model = {
            "@architectures": config["architecture"],
            "exclusive_classes": True,
            "ngram_size": config["ngram_size"],
            "no_output_layer": False,
            "length": config["length"],
        }
    elif "Ensemble" in config["architecture"]:  # measured by nlp/selection.py, not used
        model = {
            "@architectures": config["architecture"],
            "nO": None,
            "linear_model": {
                "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1,
                "no_output_layer": False, "length": config["length"],
            },
            "tok2vec": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2", "width": 64, "rows": [2000, 2000, 1000, 1000],
                    "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX"], "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1,
                    "maxout_pieces": 3, "depth": 2,
                },
            },
        }
    else:  # the CNN, measured for the record (slower and less accurate on this corpus)
        model = {
            "@architectures": "spacy.TextCatCNN.v2",
            "exclusive_classes": True,
            "nO": None,
            "tok2vec": {
                "@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 64, "depth": 2,
                "embed_size": 2000, "window_size": 1, "maxout_pieces": 3, "subword_features": True,
            },
        }
    # spaCy types add_pipe as returning any pipe; the "textcat" factory builds a TextCategorizer.
    textcat = cast("TextCategorizer", nlp.add_pipe("textcat", config={"model": model}))
    for kind in KINDS:
        textcat.add_label(kind)
    return nlp


def _to_doc(nlp: Language, text: str, config: dict) -> Doc:
    from spacy.tokens import Doc

    return Doc(nlp.vocab, words=featurize(text, **config["features"]))


def fit(examples: list[Example], config: dict = CONFIG, *, quiet: bool = True) -> Language:
    """Train a pipeline on ``examples``; same input and config → bit-identical weights."""
    from spacy.training import Example as SpacyExample
    from spacy.util import compounding, fix_random_seed, minibatch
    from thinc.api import Adam

    fix_random_seed(config["seed"])
    nlp = build_pipeline(config)
    data = []
    for ex in examples:
        doc = _to_doc(nlp, ex.text, config)
        data.append(SpacyExample.from_dict(doc, {"cats": {k: float(k == ex.kind) for k in KINDS}}))
    optimizer = nlp.initialize(lambda: data, sgd=Adam(config["learn_rate"]))
    rng = random.Random(config["seed"])
    for epoch in range(config["epochs"]):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        for batch in minibatch(data, size=compounding(config["batch_start"], config["batch_end"], 1.01)):
            nlp.update(batch, sgd=optimizer, drop=config["dropout"], losses=losses)
        _log(f"  epoch {epoch + 1:2d}/{config['epochs']} loss {losses.get('textcat', 0.0):.4f}", quiet)
    return nlp


def predict(nlp: Language, texts: list[str], config: dict = CONFIG) -> list[dict[str, float]]:
    docs = [_to_doc(nlp, t, config) for t in texts]
    return [{k: float(d.cats[k]) for k in KINDS} for d in nlp.pipe(docs, batch_size=256)]


def _fit_urgency(examples: list[Example], config: dict = CONFIG) -> UrgencyModel:
    from .urgency import URGENCY_MODEL_DEFAULTS, UrgencyModel, fit_urgency_model, urgency_labels

    options = {k: v for k, v in config.get("urgency", {}).items() if k in URGENCY_MODEL_DEFAULTS}
    texts, labels = urgency_labels(examples)
    return UrgencyModel(fit_urgency_model(texts, labels, options))


# --- calibration ----------------------------------------------------------------------
def _scaled(probs: dict[str, float], t: float) -> dict[str, float]:
    from .router import calibrate

    return calibrate(probs, t)


def nll(probs: list[dict[str, float]], gold: list[str], t: float) -> float:
    return -sum(math.log(max(_scaled(p, t)[g], 1e-12)) for p, g in zip(probs, gold, strict=True)) / max(len(gold), 1)


def ece(probs: list[dict[str, float]], gold: list[str], t: float = 1.0, bins: int = 10) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins)."""
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, g in zip(probs, gold, strict=True):
        s = _scaled(p, t)
        kind = max(s, key=s.__getitem__)
        conf = s[kind]
        buckets[min(int(conf * bins), bins - 1)].append((conf, kind == g))
    total = sum(len(b) for b in buckets) or 1
    return sum(
        len(b) / total * abs(sum(c for c, _ in b) / len(b) - sum(ok for _, ok in b) / len(b)) for b in buckets if b
    )


def fit_temperature(probs: list[dict[str, float]], gold: list[str]) -> float:
    grid = [round(0.25 + 0.05 * i, 2) for i in range(76)]  # 0.25 … 4.0
    return min(grid, key=lambda t: (nll(probs, gold, t), t))


# --- training entry points ------------------------------------------------------------
def load_corpus(files: list[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in files:
        examples.extend(load_jsonl(path))
    return examples


def version_from(fp: str, config: dict) -> str:
    arch = {"linear": "lin"}.get(config.get("kind_model", ""), "bow" if "BOW" in config["architecture"] else "ens")
    return f"kind-{arch}-{fp[:8]}"


def triage_figures(probs: list[dict[str, float]], gold: list[str], threshold: float = TRIAGE_THRESHOLD) -> dict[str, float]:
    """Share sent to triage (confidence below ``threshold``) and share routed wrongly without it."""
    n = max(len(gold), 1)
    top = [max(KINDS, key=p.__getitem__) for p in probs]
    triage = sum(1 for p, k in zip(probs, top, strict=True) if p[k] < threshold)
    escaped = sum(1 for p, k, g in zip(probs, top, gold, strict=True) if p[k] >= threshold and k != g)
    return {"threshold": threshold, "triage_share": round(triage / n, 4), "wrong_escaping_share": round(escaped / n, 4)}


def fit_kind_model(examples: list[Example], config: dict = CONFIG) -> Any:
    from .linear import fit_linear

    return fit_linear([e.text for e in examples], [e.kind or "" for e in examples], config["linear"])


def kind_probs(model: Any, texts: list[str], config: dict = CONFIG) -> list[dict[str, float]]:
    from .linear import linear_probs

    return linear_probs(model, texts, word_bigrams=config["linear"]["word_bigrams"])


def kind_matrix(model: Any, texts: list[str], config: dict = CONFIG) -> Any:
    from .linear import linear_matrix

    return linear_matrix(model, texts, word_bigrams=config["linear"]["word_bigrams"])


def train(
    *,
    out: Path | None = None,
    files: list[Path] | None = None,
    extra: Sequence[Path] = (),
    config: dict = CONFIG,
    quiet: bool = False,
    evaluate_dev: bool = True,
) -> dict[str, Any]:
    """Train on the corpus (+ corrections), calibrate on a held-back fold of whole writers,
    write the model + meta.json into ``out`` (replacing what was there)."""
    meta = build(out=Path(out or model_dir()).with_name(Path(out or model_dir()).name + ".tmp"), files=files,
                 extra=extra, config=config, quiet=quiet, evaluate_dev=evaluate_dev)
    out = Path(out or model_dir())
    install(out.with_name(out.name + ".tmp"), out)
    _log(f"model {meta['version']} written to {out} in {meta['train_seconds']} s", quiet)
    return meta


def build(
    *,
    out: Path,
    files: list[Path] | None = None,
    extra: Sequence[Path] = (),
    config: dict = CONFIG,
    quiet: bool = False,
    evaluate_dev: bool = True,
) -> dict[str, Any]:
    """Train a model into the fresh directory ``out`` (nothing else is touched)."""
    import joblib

    from .evaluation import evaluate_examples, format_report
    from .linear import probs_from_matrix
    from .secondary import fit_secondary, lowest_precise_cutoff, secondary_figures, secondary_probs
    from .selection import held_back_writers

    started = time.perf_counter()
    files = list(files if files is not None else train_files())
    if not files:
        raise FileNotFoundError("no training files (fixtures/nlp/train/*.jsonl)")
    base = load_corpus(files)
    corrections: list[Example] = []
    for path in extra:
        corrections.extend(Example(**{**e.__dict__, "source": "extra:" + e.source, "writer": "corrections"})
                           for e in load_jsonl(Path(path)))
    _log(f"corpus: {len(base)} lines from {len(files)} files, {len(corrections)} corrections", quiet)

    meta: dict[str, Any] = {}
    temperature = 1.0
    secondary_min = 1.0
    if evaluate_dev:
        held = held_back_writers(base, config["calibration_share"])
        train_part = [e for e in base if e.writer not in held]
        dev = [e for e in base if e.writer in held]
        _log(f"held-back fold ({len(held)} whole writers): {len(train_part)} train / {len(dev)} held back", quiet)
        dev_model = fit_kind_model(train_part + corrections, config)
        x_dev = kind_matrix(dev_model, [e.text for e in dev], config)
        probs = probs_from_matrix(dev_model, x_dev)
        gold = [e.kind or "" for e in dev]
        temperature = fit_temperature(probs, gold)
        scaled = [_scaled(p, temperature) for p in probs]
        # "When it is confident of one": the lowest cut-off whose secondary kinds are right at
        # least secondary_precision of the time on the held-back writers (1.0: never).
        dev_secondary = fit_secondary(kind_matrix(dev_model, [e.text for e in train_part + corrections], config),
                                      train_part + corrections, config["secondary"])
        primaries = [max(KINDS, key=p.__getitem__) for p in scaled]
        sec_probs = secondary_probs(dev_secondary, x_dev)
        sec_gold = [e.secondary_kind for e in dev]
        secondary_min = lowest_precise_cutoff(primaries, sec_probs, sec_gold, config["secondary_precision"])
        sec_figures = secondary_figures(primaries, sec_probs, sec_gold, secondary_min)
        meta["calibration"] = {
            "method": "temperature scaling of the logistic regression's probabilities, fitted by NLL "
                      "on a held-back fold of whole writers",
            "temperature": temperature,
            "dev_ece_before": round(ece(probs, gold, 1.0), 4),
            "dev_ece_after": round(ece(probs, gold, temperature), 4),
            "dev_nll_before": round(nll(probs, gold, 1.0), 4),
            "dev_nll_after": round(nll(probs, gold, temperature), 4),
            **{"dev_" + k: v for k, v in triage_figures(scaled, gold).items()},
            "secondary_min": secondary_min,
            "dev_secondary": sec_figures,
        }
        dev_urgency = _fit_urgency(train_part + corrections, config)
        report = evaluate_examples(dev, scores=scaled, urgency_model=dev_urgency)
        meta["dev"] = {k: report[k] for k in ("n", "macro_f1", "accuracy", "per_language", "urgent")}
        _log("evaluation on the held-back fold:", quiet)
        _log(format_report(report), quiet)
        _log("calibration: " + json.dumps(meta["calibration"]), quiet)

    _log("training the final model on all lines …", quiet)
    final = fit_kind_model(base + corrections, config)
    _log("training the secondary-kind model on all lines …", quiet)
    secondary = fit_secondary(kind_matrix(final, [e.text for e in base + corrections], config), base + corrections,
                              config["secondary"])
    _log("training the urgency model on all lines …", quiet)
    urgency = _fit_urgency(base + corrections, config)
    base_fp = fingerprint(files, config)
    full_fp = fingerprint(files, config, list(extra)) if extra else base_fp
    version = version_from(full_fp, config)

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    joblib.dump(final, out / "kind.joblib")
    joblib.dump(secondary, out / "secondary.joblib")
    shutil.copyfile(products_path(), out / "products.json")
    from .language import build_word_counts

    (out / "language_words.json").write_text(
        json.dumps(build_word_counts(base + corrections), ensure_ascii=False, sort_keys=True), encoding="utf-8")
    (out / "urgency.json").write_text(
        json.dumps({"options": urgency.options, "weights": urgency.weights}, sort_keys=True), encoding="utf-8")
    import sklearn
    import spacy

    meta.update(
        {
            "version": version,
            "fingerprint": base_fp,
            "spacy": spacy.__version__,
            "sklearn": sklearn.__version__,
            "config": config,
            "features": config["features"],
            "temperature": temperature,
            "secondary_min": secondary_min,
            "train_files": [p.name for p in files],
            "extra_files": [str(p) for p in extra],
            "n_train": len(base) + len(corrections),
            "n_corrections": len(corrections),
            "train_seconds": round(time.perf_counter() - started, 2),
        }
    )
    (out / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return meta


def install(new: Path, out: Path, *, keep: Path | None = None) -> None:
    """Move the model in ``new`` to ``out``; the model that was there goes to ``keep`` (or is deleted).

    Renames only: a reader sees the old or the new model.
    """
    if out.exists():
        old = keep or out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        new.rename(out)
        if keep is None:
            shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        new.rename(out)
    from .router import reset_router

    reset_router()


def is_stale(out: Path | None = None, files: list[Path] | None = None, config: dict = CONFIG) -> bool:
    out = Path(out or model_dir())
    meta_path = out / "meta.json"
    if not meta_path.exists() or not (out / "kind.joblib").is_file():
        return True
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return True
    files = list(files if files is not None else train_files())
    return meta.get("fingerprint") != fingerprint(files, config)


def ensure(*, out: Path | None = None, files: list[Path] | None = None, quiet: bool = False) -> bool:
    """Build the model if it is missing or older than the corpus; True when it (re)built.

    A model trained with ``--extra`` corrections keeps the base corpus fingerprint, so ensure
    leaves it alone until the corpus itself changes; then it retrains with the same extra
    files if they still exist.
    """
    out = Path(out or model_dir())
    if not is_stale(out, files):
        _log(f"model up to date in {out}", quiet)
        return False
    extra: list[Path] = []
    meta_path = out / "meta.json"
    if meta_path.exists():
        try:
            extra = [Path(p) for p in json.loads(meta_path.read_text())["extra_files"] if Path(p).exists()]
        except (OSError, KeyError, json.JSONDecodeError):
            extra = []
    train(out=out, files=files, extra=extra, quiet=quiet)
    return True


def crossval(config: dict = CONFIG, files: list[Path] | None = None,
             scorer: Callable | None = None) -> dict[str, Any]:
    """k-fold over scenario groups; for model selection only (never touches the held-out split)."""
    from .evaluation import evaluate_examples

    examples = load_corpus(list(files if files is not None else train_files()))
    folds = assign_folds(examples, config["folds"])
    all_dev: list[Example] = []
    all_scores: list[dict[str, float]] = []
    for k in range(config["folds"]):
        tr = [e for e, f in zip(examples, folds, strict=True) if f != k]
        dv = [e for e, f in zip(examples, folds, strict=True) if f == k]
        if not dv:
            continue
        nlp = fit(tr, config)
        all_dev.extend(dv)
        all_scores.extend(predict(nlp, [e.text for e in dv], config))
    return evaluate_examples(all_dev, scores=all_scores)
