"""The triage team's corrections, made fit to learn from: redacted, de-duplicated, contradictions held back.

Input rows are what the backend's ``export_corrections`` writes (``text`` and ``kind`` at
least). Two corrections of the same text (compared lowercased, contact details redacted,
whitespace collapsed) to the same kind are one example. When people corrected the same text to
different kinds, the kind at least ``AGREEING`` of them chose is learned, and each correction
that contradicts it is flagged for a human rather than learned; with no such majority, every
correction of that text is flagged.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .contacts import redact
from .corpus import KINDS

__all__ = ["AGREEING", "clean_corrections", "read_rows"]

AGREEING = 3
_SPACE = re.compile(r"\s+")


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("text"), str) and obj.get("kind") in KINDS:
            rows.append(obj)
    return rows


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def clean_corrections(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows to learn from, rows flagged for a human); duplicates are dropped from both."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        text = redact(str(row.get("text", "")))
        if not text.strip() or row.get("kind") not in KINDS:
            continue
        groups.setdefault(_key(text), []).append({**row, "text": text, "writer": "corrections"})
    kept: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    for group in groups.values():
        votes = Counter(r["kind"] for r in group)
        (top, top_n), *rest = votes.most_common()
        contested = bool(rest)
        majority = top if top_n >= AGREEING and all(n < top_n for _, n in rest) else None
        if not contested:
            kept.append(group[0])
            continue
        if majority is not None:
            kept.append(next(r for r in group if r["kind"] == majority))
        seen: set[str] = set()
        for r in group:
            if r["kind"] != majority and r["kind"] not in seen:
                seen.add(r["kind"])
                flagged.append({**r, "flag": f"contradicts {top_n} correction(s) to {top}" if majority
                                else f"corrections disagree: {dict(votes)}"})
    return kept, flagged
