"""Benchmark of the nlp router: throughput, latency, load time, size on disk, peak memory.

    .venv/bin/python benchmarks/nlp_bench.py [--n 5000] [--single 1000]

Messages come from the training corpus (the model has seen them, which does not matter for
speed). Targets from the issue: ≥ 1,000 messages/s through nlp.pipe in one process, p99 ≤ 10 ms
for a single message.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="messages for the throughput run")
    parser.add_argument("--single", type=int, default=1000, help="single-message calls for latency")
    parser.add_argument("--json", action="store_true")
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
    started = time.perf_counter()
    nlp.classify_many(batch)
    elapsed = time.perf_counter() - started
    throughput = len(batch) / elapsed

    # Kind scores only (the textcat through nlp.pipe), to show where the time goes.
    started = time.perf_counter()
    router.kind_scores(batch)
    kind_throughput = len(batch) / (time.perf_counter() - started)

    latencies = []
    for text in (texts * (args.single // len(texts) + 1))[: args.single]:
        t0 = time.perf_counter()
        nlp.classify(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    figures = {
        "model_version": nlp.model_version(),
        "messages": len(batch),
        "throughput_msgs_per_s": round(throughput, 1),
        "kind_only_throughput_msgs_per_s": round(kind_throughput, 1),
        "single_p50_ms": round(p50, 3),
        "single_p99_ms": round(p99, 3),
        "model_load_s": round(load_seconds, 3),
        "model_size_on_disk_mb": round(_dir_size(model_dir()) / 1e6, 2),
        "load_peak_python_alloc_mb": round(load_peak / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<34}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
