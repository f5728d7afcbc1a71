"""Recall and false contacts of the contact detector on JSON lines with gold substrings.

Each line has ``text``, ``language`` and ``phones`` / ``emails`` / ``ibans``: the contact
details exactly as typed. A gold detail counts as found when every letter and digit of it lies
inside a span the detector labels with the same class — that is what redaction needs, whatever
the normalised value. A line without any gold detail on which the detector still finds a phone
or an e-mail is a false contact; the goal is ≤ 1 % of such lines.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from .contacts import Span, find_spans

__all__ = ["evaluate_contacts", "evaluate_contact_files", "format_contacts_report"]

_CLASSES = {"phones": ("phone",), "emails": ("email",), "ibans": ("iban", "iban_shape")}


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1 and needle:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _covered(text: str, start: int, end: int, spans: list[Span]) -> bool:
    return all(
        any(s.start <= i < s.end for s in spans) for i in range(start, end) if text[i].isalnum()
    )


def _ratio(hit: int, n: int) -> float | None:
    return round(hit / n, 4) if n else None


def evaluate_contacts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per class (phones, emails, ibans) and per language: recall, and false contacts."""
    recall: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    free: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # lines, with a false phone, with a false e-mail
    stray = {"phones": 0, "emails": 0}
    missed: list[dict[str, str]] = []
    false: list[dict[str, str]] = []
    for row in rows:
        text, language = row["text"], row.get("language") or "?"
        spans = find_spans(text)
        gold_ranges: list[tuple[int, int]] = []
        for cls, labels in _CLASSES.items():
            of_class = [s for s in spans if s.label in labels]
            for gold in row.get(cls) or []:
                places = _occurrences(text, gold)
                gold_ranges.extend((p, p + len(gold)) for p in places)
                hit = any(_covered(text, p, p + len(gold), of_class) for p in places)
                for key in (language, "all"):
                    recall[cls][key][0] += hit
                    recall[cls][key][1] += 1
                if not hit:
                    missed.append({"class": cls, "gold": gold, "text": text})
        spurious = {
            cls: [s for s in spans if s.label == labels[0]
                  and not any(s.start < e and b < s.end for b, e in gold_ranges)]
            for cls, labels in _CLASSES.items() if cls != "ibans"
        }
        for cls, found in spurious.items():
            stray[cls] += len(found)
            false.extend({"class": cls, "found": text[s.start:s.end], "text": text} for s in found)
        if not gold_ranges:
            for key in (language, "all"):
                free[key][0] += 1
                free[key][1] += bool(spurious["phones"])
                free[key][2] += bool(spurious["emails"])
    return {
        "recall": {
            cls: {key: {"recall": _ratio(h, n), "n": n} for key, (h, n) in sorted(by_lang.items())}
            for cls, by_lang in recall.items()
        },
        "contact_free_lines": {
            key: {"n": n, "false_phone": _ratio(p, n), "false_email": _ratio(m, n), "false_any_lines": p + m}
            for key, (n, p, m) in sorted(free.items())
        },
        "spurious_spans": stray,
        "missed": missed,
        "false": false,
    }


def evaluate_contact_files(files: list[Path]) -> dict[str, dict[str, Any]]:
    reports: dict[str, dict[str, Any]] = {}
    everything: list[dict[str, Any]] = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        everything.extend(rows)
        reports[path.name] = evaluate_contacts(rows)
    if len(files) > 1:
        reports["ALL"] = evaluate_contacts(everything)
    return reports


def format_contacts_report(report: dict[str, Any], *, show_errors: bool = False) -> str:
    lines = []
    for cls, by_lang in report["recall"].items():
        parts = [f"{key} {v['recall']:.4f} (n={v['n']})" for key, v in by_lang.items() if v["recall"] is not None]
        lines.append(f"{cls:<7} recall: " + ", ".join(parts))
    for key, v in report["contact_free_lines"].items():
        if v["n"]:
            lines.append(
                f"contact-free lines {key}: n={v['n']}  false phone {v['false_phone']:.4f}  "
                f"false e-mail {v['false_email']:.4f}"
            )
    lines.append(
        f"spans found that are no gold contact (all lines): phones {report['spurious_spans']['phones']}, "
        f"e-mails {report['spurious_spans']['emails']}"
    )
    if show_errors:
        lines += [f"  missed {m['class']}: {m['gold']!r} in {m['text']!r}" for m in report["missed"]]
        lines += [f"  false {f['class']}: {f['found']!r} in {f['text']!r}" for f in report["false"]]
    return "\n".join(lines)
