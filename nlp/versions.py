"""Retraining with a gate, rollback, and the record of what was promoted or refused and why.

Layout next to the live model directory ``M`` (``var/nlp-model`` or ``$RELAY_NLP_MODEL_DIR``):

* ``M`` — the live model; ``M.previous`` — the model it replaced (for ``python -m nlp rollback``);
* ``M.candidate`` — a candidate while it is being built and measured;
* ``M-history.jsonl`` — one line per decision: promoted, refused (with the reason), rolled back;
* ``M-corrections.jsonl`` / ``M-flagged.jsonl`` — the cleaned corrections a model learned from,
  and the ones held back for a human.

A candidate is promoted only when no headline figure on either held-out split drops by more
than ``MAX_DROP`` against the live model on the same files (each model's figures are stored
beside it in ``figures.json`` with a hash of the held-out files, and re-measured when they change).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .corpus import heldout_files, load_jsonl, model_dir

__all__ = ["MAX_DROP", "GATE_SPLITS", "figures_of", "gate", "history", "history_path", "measure", "retrain", "rollback"]

MAX_DROP = 0.005
GATE_SPLITS = ("heldout.jsonl", "heldout2.jsonl")


def history_path(out: Path | None = None) -> Path:
    out = Path(out or model_dir())
    return out.with_name(out.name + "-history.jsonl")


def previous_dir(out: Path) -> Path:
    return out.with_name(out.name + ".previous")


def history(out: Path | None = None) -> list[dict[str, Any]]:
    """Every recorded decision, oldest first (an empty list before the first retrain)."""
    path = history_path(out)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _record(out: Path, entry: dict[str, Any]) -> dict[str, Any]:
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
    with history_path(out).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    return entry


def measure(path: Path) -> dict[str, dict[str, float]]:
    """Headline figures of the model in ``path`` on each held-out split, plus the worse of them."""
    from .evaluation import evaluate_examples, headline
    from .router import Router

    router = Router(path)
    figures: dict[str, dict[str, float]] = {}
    for f in heldout_files():
        if f.name in GATE_SPLITS:
            figures[f.name] = headline(evaluate_examples(load_jsonl(f, require_kind=False), router=router))
    names = set.intersection(*(set(v) for v in figures.values())) if figures else set()
    figures["worst"] = {k: min(v[k] for v in figures.values() if k in v) for k in sorted(names)}
    return figures


def _heldout_fingerprint() -> str:
    import hashlib

    h = hashlib.sha256()
    for f in heldout_files():
        if f.name in GATE_SPLITS:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def figures_of(path: Path) -> dict[str, dict[str, float]]:
    """The model's held-out figures: those stored beside it when the held-out files are unchanged,
    measured (and stored) otherwise."""
    stored = path / "figures.json"
    fp = _heldout_fingerprint()
    try:
        data = json.loads(stored.read_text(encoding="utf-8"))
        if data.get("heldout_fingerprint") == fp:
            return dict(data["figures"])
    except (OSError, ValueError, KeyError):
        pass
    figures = measure(path)
    stored.write_text(json.dumps({"heldout_fingerprint": fp, "figures": figures}, indent=2, sort_keys=True),
                      encoding="utf-8")
    return figures


def gate(candidate: dict[str, dict[str, float]], live: dict[str, dict[str, float]]) -> list[str]:
    """The reasons to refuse: each headline figure that drops by more than MAX_DROP."""
    reasons = []
    for split in GATE_SPLITS:
        for name, old in live.get(split, {}).items():
            new = candidate.get(split, {}).get(name)
            if new is None or new < old - MAX_DROP:
                reasons.append(f"{split} {name} {old:.4f} → {'missing' if new is None else f'{new:.4f}'}")
    return reasons


def retrain(*, out: Path | None = None, corrections: Sequence[Path] = (), quiet: bool = True) -> dict[str, Any]:
    """Build a candidate from the corpus + cleaned corrections, measure it, promote or refuse it."""
    from .corrections import clean_corrections, read_rows
    from .training import build, install

    out = Path(out or model_dir())
    rows = [row for path in corrections for row in read_rows(Path(path))]
    kept, flagged = clean_corrections(rows)
    extra: list[Path] = []
    cleaned_path = out.with_name(out.name + "-corrections.jsonl")
    flagged_path = out.with_name(out.name + "-flagged.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    if kept:
        cleaned_path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in kept),
                                encoding="utf-8")
        extra.append(cleaned_path)
    flagged_path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in flagged),
                            encoding="utf-8")

    candidate = out.with_name(out.name + ".candidate")
    meta = build(out=candidate, extra=extra, quiet=quiet)
    figures = figures_of(candidate)
    live_meta: dict[str, Any] = {}
    live_figures: dict[str, dict[str, float]] = {}
    if (out / "meta.json").exists():
        live_meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        try:
            live_figures = figures_of(out)
        except Exception:  # noqa: BLE001 — an unreadable live model must not block its replacement
            live_figures = {}
    reasons = gate(figures, live_figures)
    entry: dict[str, Any] = {
        "version": meta["version"], "replaces": live_meta.get("version"), "figures": figures,
        "baseline": live_figures, "n_corrections": len(kept), "n_flagged": len(flagged),
        "n_duplicates": len(rows) - len(kept) - len(flagged),
    }
    if reasons:
        shutil.rmtree(candidate)
        return _record(out, {**entry, "decision": "refused", "reason": "; ".join(reasons)})
    install(candidate, out, keep=previous_dir(out))
    reason = ("no live model" if not live_figures
              else f"no headline figure dropped by more than {MAX_DROP} on {', '.join(GATE_SPLITS)}")
    return _record(out, {**entry, "decision": "promoted", "reason": reason})


def rollback(*, out: Path | None = None) -> dict[str, Any]:
    """Swap the live model and the one it replaced."""
    from .training import install

    out = Path(out or model_dir())
    previous = previous_dir(out)
    if not previous.exists() or not out.exists():
        raise FileNotFoundError(f"no previous model next to {out}")
    live_version = json.loads((out / "meta.json").read_text(encoding="utf-8"))["version"]
    back_version = json.loads((previous / "meta.json").read_text(encoding="utf-8"))["version"]
    parked = out.with_name(out.name + ".rollback")
    if parked.exists():
        shutil.rmtree(parked)
    previous.rename(parked)
    install(parked, out, keep=previous)
    return _record(out, {"decision": "rolled back", "version": back_version, "replaces": live_version,
                         "reason": "python -m nlp rollback"})
