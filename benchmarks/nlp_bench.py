"""Benchmark of the nlp router: every goal of issue 19 in one run.

    .venv/bin/python benchmarks/nlp_bench.py [--n 5000] [--single 1000] [--json]

Quality on both held-out splits (fixtures/nlp/heldout/heldout.jsonl and heldout2.jsonl) and the
headline = the worse of the two: macro-F1 overall and per language, language accuracy, urgent
recall and false urgent, phone/e-mail recall and false contacts, calibration (ECE, triage share,
wrong routes escaping triage). Speed: messages/s through nlp.classify_many in one process and the
p99 of single-message calls (messages from the training corpus; seen or not does not matter), and
the CPU time per message (process time: less sensitive to other processes than wall-clock time).
Goals: macro-F1 ≥ 0.95 (≥ 0.93 per language), language ≥ 0.99, urgent recall ≥ 0.95 with ≤ 2 %
false urgent, contacts recall ≥ 0.99 with ≤ 1 % false, ≥ 1,000 msgs/s, p99 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


SPLITS = ("heldout.jsonl", "heldout2.jsonl")


def _quality(router: object) -> dict[str, object]:
    from nlp.corpus import heldout_files, load_jsonl
    from nlp.evaluation import evaluate_examples

    out: dict[str, object] = {}
    per_split: dict[str, dict[str, float | None]] = {}
    for path in heldout_files():
        if path.name not in SPLITS:
            continue
        r = evaluate_examples(load_jsonl(path, require_kind=False), router=router)  # type: ignore[arg-type]
        c = r["contacts"]
        row: dict[str, float | None] = {
            "macro_f1": r["macro_f1"],
            **{f"macro_f1_{lang}": r["per_language"].get(lang, {}).get("macro_f1") for lang in ("nl", "da", "en")},
            "language_accuracy": r["language_id"]["accuracy"],
            "urgent_recall": r["urgent"]["recall"],
            "false_urgent": r["urgent"]["false_urgent"],
            "phone_recall": c["phones"]["recall"],
            "email_recall": c["emails"]["recall"],
            "false_contact_share": c["false_contact_share"],
            "ece": r["calibration"]["ece"],
            "triage_share": r["calibration"]["triage_share"],
            "wrong_escaping_triage": r["calibration"]["wrong_escaping_share"],
        }
        per_split[path.stem] = row
        for key, value in row.items():
            out[f"{path.stem}.{key}"] = value
    lower_is_better = {"false_urgent", "false_contact_share", "ece", "triage_share", "wrong_escaping_triage"}
    if per_split:
        for key in next(iter(per_split.values())):
            values = [v[key] for v in per_split.values() if v[key] is not None]
            if values:
                out[f"headline.{key}"] = max(values) if key in lower_is_better else min(values)  # type: ignore[type-var]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="messages for the throughput run")
    parser.add_argument("--single", type=int, default=1000, help="single-message calls for latency")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--speed-only", action="store_true",
                        help="skip the held-out quality figures (for measuring speed while tuning)")
    args = parser.parse_args()

    from nlp.corpus import load_jsonl, model_dir, train_files
    from nlp.router import Router, get_router
    from nlp.training import ensure

    ensure(quiet=True)
    texts = [e.text for path in train_files() for e in load_jsonl(path)]
    if not texts:
        print("no corpus", file=sys.stderr)
        return 2
    batch = (texts * (args.n // len(texts) + 1))[: args.n]

    tracemalloc.start()
    started = time.perf_counter()
    router = Router(model_dir())  # a fresh load, not the cached one
    router.classify_many(["warm up: lingua loads its models lazily"])
    load_seconds = time.perf_counter() - started
    _, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    import nlp

    get_router()
    nlp.classify("warm up")
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    nlp.classify_many(batch)
    elapsed = time.perf_counter() - started
    batch_cpu_ms = (time.process_time() - cpu_started) / len(batch) * 1000
    throughput = len(batch) / elapsed

    # Kind scores only (featurising + the linear model), to show where the time goes.
    started = time.perf_counter()
    router.kind_scores(batch)
    kind_throughput = len(batch) / (time.perf_counter() - started)

    latencies = []
    singles = (texts * (args.single // len(texts) + 1))[: args.single]
    cpu_started = time.process_time()
    for text in singles:
        t0 = time.perf_counter()
        nlp.classify(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    single_cpu_ms = (time.process_time() - cpu_started) / len(singles) * 1000
    load_after = os.getloadavg()[0]
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    quality = {} if args.speed_only else _quality(router)
    figures = {
        "model_version": nlp.model_version(),
        **quality,
        "messages": len(batch),
        "throughput_msgs_per_s": round(throughput, 1),
        "kind_only_throughput_msgs_per_s": round(kind_throughput, 1),
        "batch_cpu_ms_per_msg": round(batch_cpu_ms, 3),
        "single_p50_ms": round(p50, 3),
        "single_cpu_ms_per_msg": round(single_cpu_ms, 3),
        "single_p99_ms": round(p99, 3),
        "model_load_s": round(load_seconds, 3),
        "model_size_on_disk_mb": round(_dir_size(model_dir()) / 1e6, 2),
        "load_peak_python_alloc_mb": round(load_peak / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpus": os.cpu_count(),
        # other processes' load while timing: wall-clock figures are only comparable at similar load
        "load_average_1min_before_after": [round(load_before, 2), round(load_after, 2)],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<34}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
