"""Mixed-traffic load on the real ASGI server (uvicorn on 127.0.0.1), driven by locust (headless).

Parts (all by default; pick with --parts):

  mix      app start (token refresh, feed, inbox), signal submissions with Idempotency-Keys (and
           retries), queue polling and claims, tracked-link redirects, and /healthz as the yardstick,
           all at once: per endpoint req/s, p50/p95/p99, errors and ratios to /healthz in the same
           run; on the embedded default (SQLite) and on PostgreSQL + Redis (--workers workers)
  workers  the same mix on PostgreSQL + Redis with 1 and with 2 uvicorn workers

What it tells that ratios.py does not: that everything keeps working at once under a saturating
load (no errors, retries replayed, claim races answered 409), and how the work spreads over more
than one server process. Every locust run is bounded in time (--seconds) and in requests
(--max-requests); the default run takes about 4 minutes on a 2-core machine. Usage:

    .venv/bin/python benchmarks/load_bench.py [--parts mix,workers] [--seconds 15] [--users 24]
        [--workers 2] [--max-requests 200000]
        [--postgres postgres://postgres@127.0.0.1:5432/relay_load] [--redis redis://127.0.0.1:6379/4]
        [--no-postgres]

The load generator runs on the same cores as the server: absolute figures measure the machine, and
the ratios to /healthz are the ones to compare between runs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

HERE = Path(__file__).resolve().parent
# Users per class in the mix (scaled to --users): redirects are the most frequent request.
# After a warm-up, the server still works off the requests locust left in flight when it stopped:
# the first measured request would queue behind them (seen: ~250 ms instead of ~25 ms).
WARM_UP_DRAIN_SECONDS = 2.0
MIX = {"Redirector": 8, "AppStart": 5, "Submitter": 4, "QueueWorker": 3, "Trivial": 4}


def seed(env: dict[str, str], factor: int) -> dict[str, Any]:
    out = subprocess.run([harness.PY, str(HERE / "load_seed.py"), "seed", "--factor", str(factor)],
                         cwd=harness.ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def locust(host: str, users: dict[str, int], seconds: int, data: dict, args: argparse.Namespace) -> list[harness.Stats]:
    """One headless locust run with several user classes in fixed numbers; figures per endpoint (ms)."""
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    prefix = harness.BENCH_DIR / f"load-{int(time.time() * 1000)}"
    # Each app user rotates a refresh token of its own; a token used by an earlier run is blacklisted.
    fresh = users.get("AppStart", 0)
    if fresh > len(data["app"]):
        raise RuntimeError("out of refresh tokens: seed more (load_seed.py --refresh-tokens)")
    mine, data["app"] = data["app"][:fresh], data["app"][fresh:]
    data_file = Path(f"{prefix}-data.json")
    data_file.write_text(json.dumps({**data, "app": mine}))  # tokens for hundreds of users: too long for one variable
    env = {**os.environ, "RELAY_LOAD_DATA_FILE": str(data_file), "RELAY_LOAD_USERS": json.dumps(users),
           "RELAY_LOAD_MAX_REQUESTS": str(args.max_requests)}
    total = sum(users.values())
    result = subprocess.run(
        [harness.PY, "-m", "locust", "-f", str(HERE / "load_locustfile.py"), *users, "--headless", "--host", host,
         "-u", str(total), "-r", str(total), "--run-time", f"{seconds}s", "--stop-timeout", "5",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=harness.ROOT, env=env, check=False, capture_output=True, text=True, timeout=seconds + 120,
    )
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise RuntimeError(f"locust wrote no figures:\n{result.stderr[-3000:]}")
    stats = harness.read_stats(prefix, with_method=False)  # this locustfile's names carry the method
    if not sum(s.requests for s in stats):
        raise RuntimeError(f"locust sent no requests:\n{result.stderr[-3000:]}")
    return sorted(stats, key=lambda s: (s.name != "GET /healthz", -s.rps))


def scaled_mix(total: int) -> dict[str, int]:
    weight = sum(MIX.values())
    return {name: max(1, round(total * n / weight)) for name, n in MIX.items()}


def print_mix(title: str, rows: list[harness.Stats], users: dict[str, int]) -> None:
    trivial = next((r for r in rows if r.name == "GET /healthz"), None)
    print(f"\n{title}")
    print(f"  users: {', '.join(f'{n} {k}' for k, n in users.items())}")
    print(f"  {'endpoint':38} {'reqs':>7} {'err':>5} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'p50/triv':>8} {'p99/triv':>8}")
    for r in rows:
        p50 = f"{r.p50 / trivial.p50:.2f}" if trivial and trivial.p50 else "-"
        p99 = f"{r.p99 / trivial.p99:.2f}" if trivial and trivial.p99 else "-"
        print(f"  {r.name:38} {r.requests:7d} {r.failures:5d} {r.rps:8.1f} {r.p50:7.0f} {r.p95:7.0f} {r.p99:7.0f} "
              f"{p50:>8} {p99:>8}")
    if trivial:
        # Each locust user waits for its answer, so one user's req/s is 1/latency: the ratio of
        # req/s per user is what "x times the trivial endpoint" means under a shared load.
        per_user = {"GET /s/{code}": users.get("Redirector", 0)}
        redirect = next((r for r in rows if r.name == "GET /s/{code}"), None)
        if redirect and per_user["GET /s/{code}"]:
            ratio = (redirect.rps / per_user["GET /s/{code}"]) / (trivial.rps / users["Trivial"])
            print(f"  redirect req/s per user ÷ /healthz req/s per user: {ratio:.2f} (target >= 0.6)")
    print(f"  total: {sum(r.requests for r in rows)} requests, {sum(r.failures for r in rows)} errors, "
          f"{sum(r.rps for r in rows):.1f} req/s")


def run_mix(label: str, env: dict[str, str], workers: int, args: argparse.Namespace,
            data: dict) -> list[harness.Stats]:
    users = scaled_mix(args.users)
    with harness.asgi_server(env, workers=workers) as url:
        # Warm-up: every worker sees each endpoint (its first request pays for lazy set-up).
        locust(url, {"Submitter": 2 * workers, "AppStart": 2, "Redirector": 2, "QueueWorker": 1, "Trivial": 1},
               5, data, args)
        time.sleep(WARM_UP_DRAIN_SECONDS)
        rows = locust(url, users, args.seconds, data, args)
    print_mix(f"{label}: {workers} uvicorn worker(s), {args.seconds}s, {sum(users.values())} users", rows, users)
    return rows


def fresh_sqlite() -> dict[str, str]:
    db = harness.BENCH_DIR / "load.sqlite3"
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return harness.base_env(f"sqlite:///{db}")


def fresh_postgres(args: argparse.Namespace) -> dict[str, str] | None:
    if args.no_postgres or not harness.ensure_postgres_db(args.postgres):
        return None
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this run's Redis database only: throttles, queued tasks
    return harness.base_env(args.postgres, args.redis)


def part_mix(args: argparse.Namespace) -> None:
    env = fresh_sqlite()
    harness.prepare_database(env, passwords=False)
    run_mix("MIX, embedded default (SQLite, in-memory layer, tasks in-process)", env, args.workers, args,
            seed(env, 1))
    pg_env = fresh_postgres(args)
    if pg_env:
        harness.prepare_database(pg_env, passwords=False)
        run_mix("MIX, PostgreSQL + Redis", pg_env, args.workers, args, seed(pg_env, 1))


def part_workers(args: argparse.Namespace) -> None:
    env = fresh_postgres(args)
    if not env:
        return
    harness.prepare_database(env, passwords=False)
    totals = {}
    for workers in (1, 2):
        rows = run_mix("WORKERS, PostgreSQL + Redis", env, workers, args, seed(env, 1))
        totals[workers] = rows
    print("\nWORKERS: 1 -> 2 uvicorn workers (same mix, same data)")
    print(f"  {'endpoint':38} {'req/s 1w':>9} {'req/s 2w':>9} {'x':>5} {'p50 1w':>7} {'p50 2w':>7}")
    two = {r.name: r for r in totals[2]}
    for r in totals[1]:
        o = two.get(r.name)
        if o:
            print(f"  {r.name:38} {r.rps:9.1f} {o.rps:9.1f} {o.rps / r.rps if r.rps else 0:5.2f} {r.p50:7.0f} {o.p50:7.0f}")
    t1, t2 = sum(r.rps for r in totals[1]), sum(r.rps for r in totals[2])
    print(f"  {'all':38} {t1:9.1f} {t2:9.1f} {t2 / t1 if t1 else 0:5.2f}")


PARTS = {"mix": part_mix, "workers": part_workers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="mix,workers")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    subprocess.run([harness.PY, "-m", "nlp", "ensure"], cwd=harness.ROOT, check=True)
    started = time.monotonic()
    for part in parts:
        PARTS[part](args)
    print(f"\n(total {time.monotonic() - started:.0f}s)")


if __name__ == "__main__":
    main()
