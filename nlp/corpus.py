"""Where the corpus, the held-out split and the model live, and how they are fingerprinted."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "KINDS", "REPO_ROOT", "Example", "load_jsonl", "train_files", "heldout_files", "model_dir",
    "products_path", "fingerprint",
]

KINDS: tuple[str, ...] = ("complaint", "lead", "referral", "friend_discount", "feedback")
REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "fixtures" / "nlp"


@dataclass(frozen=True)
class Example:
    text: str
    kind: str | None
    language: str | None = None
    urgent: bool | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    ibans: list[str] = field(default_factory=list)
    hard_case: str | None = None
    source: str = ""  # file stem
    writer: str = ""  # persona id of the writer; the older files were one writer each (the file stem)
    secondary_kind: str | None = None


def load_jsonl(path: Path, *, require_kind: bool = True) -> list[Example]:
    """Read one corpus file; lines that are blank, broken or carry an unknown kind are skipped.

    Other helpers may still be writing a file while it is read, so a half-written last line
    must not break training.
    """
    rows: list[Example] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        text, kind = obj.get("text"), obj.get("kind")
        if not isinstance(text, str) or not text.strip():
            continue
        if kind not in KINDS:
            if require_kind:
                continue
            kind = None
        rows.append(
            Example(
                text=text,
                kind=kind,
                language=obj.get("language"),
                urgent=obj.get("urgent"),
                phones=list(obj.get("phones") or []),
                emails=list(obj.get("emails") or []),
                ibans=list(obj.get("ibans") or []),
                hard_case=obj.get("hard_case"),
                source=Path(path).stem,
                writer=str(obj.get("writer") or Path(path).stem),
                secondary_kind=obj.get("secondary_kind") if obj.get("secondary_kind") in KINDS else None,
            )
        )
    return rows


def train_files() -> list[Path]:
    root = Path(os.environ.get("RELAY_NLP_CORPUS_DIR", FIXTURES / "train"))
    return sorted(root.glob("*.jsonl"))


def heldout_files() -> list[Path]:
    return sorted((FIXTURES / "heldout").glob("*.jsonl"))


def products_path() -> Path:
    return FIXTURES / "products.json"


def model_dir() -> Path:
    env = os.environ.get("RELAY_NLP_MODEL_DIR")
    return Path(env) if env else REPO_ROOT / "var" / "nlp-model"


def fingerprint(files: list[Path], config: dict, extra_files: Sequence[Path] = ()) -> str:
    """Hash of corpus content + products + config + spaCy version + feature code version.

    File *contents* are hashed (sorted by name), not mtimes, so a checkout on another machine
    gets the same version and ``ensure`` does not rebuild needlessly.
    """
    import spacy

    from .features import FEATURES_VERSION

    h = hashlib.sha256()
    h.update(f"spacy={spacy.__version__};features={FEATURES_VERSION};".encode())
    h.update(json.dumps(config, sort_keys=True).encode())
    for path in sorted(files, key=lambda p: p.name):
        h.update(b"\0train:" + path.name.encode() + b"\0" + path.read_bytes())
    for path in extra_files:
        h.update(b"\0extra:" + Path(path).read_bytes())
    pp = products_path()
    if pp.exists():
        h.update(b"\0products:" + pp.read_bytes())
    return h.hexdigest()
