"""Command line: ``python -m nlp {train,evaluate,evaluate-contacts,classify,ensure,retrain,rollback,select}``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .router import Router

CLASSIFY_BATCH = 256


def _cmd_train(args: argparse.Namespace) -> int:
    from .training import train

    train(out=args.out, extra=[Path(p) for p in args.extra])
    return 0


def _cmd_ensure(args: argparse.Namespace) -> int:
    from .training import ensure

    if ensure(out=args.out, quiet=args.quiet) and not args.quiet:
        _heldout_summary(args.out)
    return 0


def _cmd_retrain(args: argparse.Namespace) -> int:
    from .versions import retrain

    entry = retrain(out=args.out, corrections=[Path(p) for p in args.corrections], quiet=args.quiet)
    print(json.dumps(entry, indent=2, ensure_ascii=False))
    return 0 if entry["decision"] == "promoted" else 1


def _cmd_rollback(args: argparse.Namespace) -> int:
    from .versions import rollback

    try:
        entry = rollback(out=args.out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(entry, indent=2, ensure_ascii=False))
    return 0


def _cmd_select(args: argparse.Namespace) -> int:
    from .selection import main as select

    select(args.candidates, max_folds=args.max_folds)
    return 0


def _cmd_select_secondary(args: argparse.Namespace) -> int:
    from .selection import main_secondary

    main_secondary()
    return 0


def _cmd_select_urgency(args: argparse.Namespace) -> int:
    from .selection import main_urgency

    main_urgency()
    return 0


def _heldout_summary(model: Path | None) -> None:
    """What a fresh model is worth, on lines it never saw (fixtures/nlp/heldout); the dev split's
    figures printed while training are for tuning only."""
    from .corpus import heldout_files
    from .evaluation import evaluate_files
    from .router import get_router

    files = heldout_files()
    if not files:
        return
    reports = evaluate_files(files, router=get_router(model))
    report = reports.get("heldout.jsonl") or next(iter(reports.values()))
    per_language = ", ".join(f"{lang} {m['macro_f1']:.3f}" for lang, m in sorted(report["per_language"].items()))
    contacts = report["contacts"]
    print(
        f"held-out ({report['n']} messages never used for training): macro-F1 {report['macro_f1']:.3f} "
        f"({per_language}); urgent recall {report['urgent']['recall']}; contact recall "
        + ", ".join(f"{k} {contacts[k]['recall']}" for k in ("phones", "emails", "ibans")),
        file=sys.stderr, flush=True,
    )


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .corpus import heldout_files
    from .evaluation import evaluate_files, format_report
    from .router import get_router

    files = [Path(f) for f in args.files] or heldout_files()
    if not files:
        print("no evaluation files (fixtures/nlp/heldout/*.jsonl)", file=sys.stderr)
        return 2
    router = get_router(args.model)
    print(f"model {router.version}")
    reports = evaluate_files(files, router=router)
    if args.json:
        print(json.dumps(reports, indent=2, ensure_ascii=False))
        return 0
    for name, report in reports.items():
        print(f"\n== {name} ==")
        print(format_report(report))
    return 0


def _cmd_evaluate_contacts(args: argparse.Namespace) -> int:
    from .contacts_eval import evaluate_contact_files, format_contacts_report
    from .corpus import heldout_files

    files = [Path(f) for f in args.files] or heldout_files()
    reports = evaluate_contact_files(files)
    if args.json:
        print(json.dumps(reports, indent=2, ensure_ascii=False))
        return 0
    for name, report in reports.items():
        print(f"\n== {name} ==")
        print(format_contacts_report(report, show_errors=args.errors))
    return 0


def _emit(router: Router, batch: list[tuple[object, str | None, str | None]]) -> None:
    texts = [text or "" for _, text, _ in batch]
    results = router.classify_many(texts)
    out = sys.stdout
    for (ident, _text, error), r in zip(batch, results, strict=True):
        if error is not None:
            line = {"id": ident, "error": error}
        else:
            line = {
                "id": ident,
                "kind": r.kind,
                "scores": r.scores,
                "confidence": r.confidence,
                "language": r.language,
                "urgent": r.urgent,
                "phones": r.phones,
                "emails": r.emails,
                "topics": r.topics,
                "secondary_kind": r.secondary_kind,
                "model_version": r.model_version,
            }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()


def _cmd_classify(args: argparse.Namespace) -> int:
    from .router import get_router

    router = get_router(args.model)
    batch: list[tuple[object, str | None, str | None]] = []
    for raw in sys.stdin:
        if not raw.strip():
            continue
        obj = None
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError("expected an object with a string 'text'")
            batch.append((obj.get("id"), obj["text"], None))
        except ValueError as exc:  # JSONDecodeError is a ValueError
            ident = obj.get("id") if isinstance(obj, dict) else None
            batch.append((ident, None, f"bad input line: {exc}"))
        if len(batch) >= CLASSIFY_BATCH:
            _emit(router, batch)
            batch = []
    if batch:
        _emit(router, batch)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train the kind classifier (deterministic) and print the dev evaluation")
    p.add_argument("--extra", action="append", default=[], metavar="FILE.jsonl",
                   help="corrections in the corpus format (text + kind at least); repeatable")
    p.add_argument("--out", type=Path, default=None, help="model directory (default var/nlp-model)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("ensure", help="build the model only if it is missing or older than the corpus")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_ensure)

    p = sub.add_parser("evaluate", help="metrics on FILE(s) (default: the held-out split)")
    p.add_argument("files", nargs="*")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("evaluate-contacts", help="contact recall and false contacts on FILE(s) (default: held-out)")
    p.add_argument("files", nargs="*")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--errors", action="store_true", help="list every missed and every false contact")
    p.set_defaults(func=_cmd_evaluate_contacts)

    p = sub.add_parser("classify", help='JSON lines {"id","text"} on stdin → one JSON line each on stdout')
    p.add_argument("--model", type=Path, default=None)
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("retrain", help="candidate from corpus + corrections; promoted only if no headline "
                                       "figure drops by > 0.005 on either held-out split")
    p.add_argument("corrections", nargs="*", metavar="CORRECTIONS.jsonl", help="export_corrections output")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_retrain)

    p = sub.add_parser("rollback", help="put back the model the live one replaced")
    p.add_argument("--out", type=Path, default=None)
    p.set_defaults(func=_cmd_rollback)

    p = sub.add_parser("select", help="cross-validation grouped by writer of the candidate models")
    p.add_argument("candidates", nargs="*")
    p.add_argument("--max-folds", type=int, default=None)
    p.set_defaults(func=_cmd_select)

    p = sub.add_parser("select-secondary", help="cross-validation grouped by writer of the secondary-kind models")
    p.set_defaults(func=_cmd_select_secondary)

    p = sub.add_parser("select-urgency", help="cross-validation grouped by writer of the urgency options")
    p.set_defaults(func=_cmd_select_urgency)

    args = parser.parse_args(argv)
    from .router import ModelNotBuilt

    try:
        return args.func(args)
    except ModelNotBuilt as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
