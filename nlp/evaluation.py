"""Metrics: kind P/R/F1 and confusion, per-language accuracy, language ID, urgency, contacts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .contacts import extract_contacts, iban_is_valid, normalize_phone
from .corpus import KINDS, Example, load_jsonl
from .language import detect_language
from .urgency import is_urgent

if TYPE_CHECKING:
    from .router import Router
    from .urgency import UrgencyModel

__all__ = ["evaluate_examples", "evaluate_files", "format_report", "headline"]


def _prf(gold: list[str], pred: list[str]) -> dict[str, Any]:
    per_kind = {}
    for k in KINDS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p == k)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != k and p == k)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p != k)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_kind[k] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": tp + fn}
    present = [k for k in KINDS if per_kind[k]["support"]]
    macro = sum(per_kind[k]["f1"] for k in present) / len(present) if present else 0.0
    acc = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return {"per_kind": per_kind, "macro_f1": round(macro, 4), "accuracy": round(acc, 4), "n": len(gold)}


def evaluate_examples(examples: list[Example], *, scores: list[dict[str, float]] | None = None,
                      router: Router | None = None, urgency_model: UrgencyModel | None = None) -> dict[str, Any]:
    """Score ``examples``; kind scores come from ``scores`` or from ``router``, p(urgent) from
    ``urgency_model`` (an ``UrgencyModel``) or from the router's."""
    texts = [e.text for e in examples]
    secondaries: list[str | None] | None = None
    if scores is None:
        from .router import get_router

        router = router or get_router()
        scores, secondaries = router.kind_outputs(texts)
        if urgency_model is None:
            urgency_model = router.urgency
    u_probs = [urgency_model.prob(t) for t in texts] if urgency_model is not None else [None] * len(texts)
    u_threshold = urgency_model.threshold if urgency_model is not None else 1.0
    u_of = {id(e): u for e, u in zip(examples, u_probs, strict=True)}
    labelled = [(e, s) for e, s in zip(examples, scores, strict=True) if e.kind]
    gold = [e.kind for e, _ in labelled if e.kind]  # every labelled row; the test narrows the type
    pred = [max(KINDS, key=lambda k: s[k]) for _, s in labelled]
    report: dict[str, Any] = _prf(gold, pred)
    pairs = list(zip(gold, pred, strict=True))
    report["confusion"] = {g: {p: sum(1 for a, b in pairs if a == g and b == p) for p in KINDS} for g in KINDS}

    per_language: dict[str, Any] = {}
    for lang in sorted({e.language for e, _ in labelled if e.language}):
        idx = [i for i, (e, _) in enumerate(labelled) if e.language == lang]
        sub = _prf([gold[i] for i in idx], [pred[i] for i in idx])
        per_language[lang] = {"accuracy": sub["accuracy"], "macro_f1": sub["macro_f1"], "n": sub["n"]}
    report["per_language"] = per_language

    hard: dict[str, Any] = {}
    for fam in sorted({e.hard_case for e, _ in labelled if e.hard_case}):
        idx = [i for i, (e, _) in enumerate(labelled) if e.hard_case == fam]
        hard[fam] = {"accuracy": round(sum(gold[i] == pred[i] for i in idx) / len(idx), 4), "n": len(idx)}
    report["hard_cases"] = hard

    # confidence: calibration error and what the backend's triage threshold does with it
    from .training import TRIAGE_THRESHOLD, ece, triage_figures

    labelled_scores = [s for _, s in labelled]
    report["calibration"] = {"ece": round(ece(labelled_scores, gold), 4) if gold else None,
                             **triage_figures(labelled_scores, gold, TRIAGE_THRESHOLD)}
    if secondaries is not None:
        secondary_of_row = {id(e): g for e, g in zip(examples, secondaries, strict=True)}
        guesses = [secondary_of_row[id(e)] for e, _ in labelled]
        golds = [e.secondary_kind for e, _ in labelled]
        made = sum(g is not None for g in guesses)
        right = sum(g is not None and g == t for g, t in zip(guesses, golds, strict=True))
        wanted = sum(t is not None for t in golds)
        report["secondary"] = {"given": made, "right": right, "gold": wanted,
                               "precision": round(right / made, 4) if made else None,
                               "recall": round(right / wanted, 4) if wanted else None}

    # language ID (all rows with a gold language, labelled with a kind or not)
    lang_rows = [e for e in examples if e.language]
    lang_texts = [e.text for e in lang_rows]
    detected = router.languages(lang_texts) if router is not None else [detect_language(t) for t in lang_texts]
    short = [(e, d) for e, d in zip(lang_rows, detected, strict=True) if len(e.text.split()) <= 3]
    report["language_id"] = {
        "accuracy": (round(sum(e.language == d for e, d in zip(lang_rows, detected, strict=True)) / len(lang_rows), 4)
                     if lang_rows else None),
        "n": len(lang_rows),
        "short_accuracy": round(sum(e.language == d for e, d in short) / len(short), 4) if short else None,
        "short_n": len(short),
        "errors": [(e.text, e.language, d) for e, d in zip(lang_rows, detected, strict=True) if e.language != d][:10],
    }

    # urgency: over labelled rows with a gold urgent flag
    tp = fp = fn = 0
    for (e, s), p in zip(labelled, pred, strict=True):
        if e.urgent is None:
            continue
        u = is_urgent(e.text, p, s, urgent_prob=u_of[id(e)], threshold=u_threshold)
        tp += bool(u and e.urgent)
        fp += bool(u and not e.urgent)
        fn += bool(not u and e.urgent)
    negatives = sum(1 for e, _ in labelled if e.urgent is False)
    report["urgent"] = {
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "false_urgent": round(fp / negatives, 4) if negatives else None,
        "support": tp + fn,
    }

    # contacts: recall of the gold substrings, normalised the way extract_contacts normalises
    found = {"phones": [0, 0], "emails": [0, 0], "ibans": [0, 0]}
    false_phones = 0
    checksum_invalid = 0
    missed: list[str] = []
    false_messages = 0
    for e in examples:
        c = extract_contacts(e.text)
        gold_phones = {normalize_phone(p) or p for p in e.phones}
        gold_emails = {m.strip().lower() for m in e.emails}
        false_messages += any(p not in gold_phones for p in c.phones) or any(m not in gold_emails for m in c.emails)
        for p in gold_phones:
            found["phones"][1] += 1
            if p in c.phones:
                found["phones"][0] += 1
            else:
                missed.append(p)
        false_phones += sum(1 for p in c.phones if p not in gold_phones)
        for m in e.emails:
            found["emails"][1] += 1
            found["emails"][0] += m.strip().lower() in c.emails
        for i in e.ibans:
            found["ibans"][1] += 1
            found["ibans"][0] += i.replace(" ", "").replace("-", "").upper() in c.ibans
            checksum_invalid += not iban_is_valid(i.replace(" ", "").replace("-", ""))
    report["contacts"] = {
        k: {"recall": round(a / b, 4) if b else None, "n": b} for k, (a, b) in found.items()
    }
    report["contacts"]["phones"]["false_positives"] = false_phones
    # messages in which a phone or e-mail was extracted that the text does not hold
    report["contacts"]["false_contact_share"] = round(false_messages / len(examples), 4) if examples else None
    report["contacts"]["ibans"]["gold_failing_mod97"] = checksum_invalid
    report["contacts"]["missed_phones"] = missed[:10]
    return report


def evaluate_files(files: list[Path], router: Router | None = None) -> dict[str, Any]:
    reports = {}
    everything: list[Example] = []
    for path in files:
        rows = load_jsonl(path, require_kind=False)
        everything.extend(rows)
        reports[path.name] = evaluate_examples(rows, router=router)
    if len(files) > 1:
        reports["ALL"] = evaluate_examples(everything, router=router)
    return reports


def format_report(r: dict[str, Any]) -> str:
    lines = []
    if r["n"]:
        lines.append(f"{'kind':<16}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}")
        for k in KINDS:
            m = r["per_kind"][k]
            lines.append(f"{k:<16}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}{m['support']:>6}")
        lines.append(f"macro-F1 {r['macro_f1']:.4f}   accuracy {r['accuracy']:.4f}   n={r['n']}")
        lines.append("confusion (rows gold, columns predicted):")
        lines.append(" " * 16 + "".join(f"{k[:8]:>9}" for k in KINDS))
        for g in KINDS:
            lines.append(f"{g:<16}" + "".join(f"{r['confusion'][g][p]:>9}" for p in KINDS))
        for lang, m in r["per_language"].items():
            lines.append(f"language {lang}: accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  n={m['n']}")
        if r.get("hard_cases"):
            lines.append("hard cases: " + ", ".join(f"{k} {v['accuracy']:.2f} ({v['n']})" for k, v in r["hard_cases"].items()))
    li = r["language_id"]
    if li["accuracy"] is not None:
        short = f"{li['short_accuracy']:.4f} (n={li['short_n']})" if li["short_accuracy"] is not None else "n/a"
        lines.append(f"language ID accuracy {li['accuracy']:.4f} (n={li['n']}); texts of ≤3 words {short}")
    u = r["urgent"]
    if u["support"]:
        lines.append(f"urgent recall {u['recall']}  precision {u['precision']}  false urgent {u.get('false_urgent')} "
                     f"(support {u['support']})")
    if r.get("calibration") and r["calibration"]["ece"] is not None:
        cal = r["calibration"]
        lines.append(f"ECE {cal['ece']:.4f}; at confidence < {cal['threshold']}: {cal['triage_share']:.1%} to triage, "
                     f"{cal['wrong_escaping_share']:.1%} routed wrongly without triage")
    if r.get("secondary"):
        sec = r["secondary"]
        lines.append(f"secondary kind: given {sec['given']}, right {sec['right']}, gold {sec['gold']} "
                     f"(precision {sec['precision']}, recall {sec['recall']})")
    c = r["contacts"]
    lines.append(
        "contact recall: "
        + ", ".join(f"{k} {c[k]['recall']} (n={c[k]['n']})" for k in ("phones", "emails", "ibans"))
        + f"; phones not in the gold list: {c['phones']['false_positives']}"
        + f"; gold IBANs failing mod-97 (never extracted, but redacted): {c['ibans'].get('gold_failing_mod97', 0)}"
    )
    return "\n".join(lines)


HEADLINE_LANGUAGES = ("nl", "da", "en")


def headline(report: dict[str, Any]) -> dict[str, float]:
    """The figures the promotion gate and the README compare (higher is better for each)."""
    figures = {"macro_f1": float(report["macro_f1"])}
    for lang in HEADLINE_LANGUAGES:
        if lang in report["per_language"]:
            figures[f"macro_f1_{lang}"] = float(report["per_language"][lang]["macro_f1"])
    if report["language_id"]["accuracy"] is not None:
        figures["language_accuracy"] = float(report["language_id"]["accuracy"])
    u = report["urgent"]
    if u["recall"] is not None:
        figures["urgent_recall"] = float(u["recall"])
    if u.get("false_urgent") is not None:
        figures["not_false_urgent"] = round(1.0 - float(u["false_urgent"]), 4)
    return figures
