"""Mixed-traffic load on the real ASGI server (uvicorn on 127.0.0.1), driven by locust (headless).

Parts (all by default; pick with --parts):

  mix      app start (token refresh, feed, inbox), signal submissions with Idempotency-Keys (and
           retries), queue polling and claims, tracked-link redirects, and /healthz as the yardstick,
           all at once: per endpoint req/s, p50/p95/p99, errors and ratios to /healthz in the same
           run; on the embedded default (SQLite) and on PostgreSQL + Redis (--workers workers)
  workers  the same mix on PostgreSQL + Redis with 1 and with 2 uvicorn workers
  data     feed and queues with 1×, 10× and 100× the workload data on PostgreSQL: queries per request
           measured in-process (CaptureQueriesContext), in-process ms, and p50/p99 through the server
  rate     signal submission alone at a fixed rate (default 200 req/s) on PostgreSQL + Redis: the
           achieved rate and p99, against the target p99 <= 50 ms

Every locust run is bounded in time (--seconds) and in requests (--max-requests); the whole default
run takes about 7 minutes on a 2-core machine. Usage:

    .venv/bin/python benchmarks/load_bench.py [--parts mix,workers,data,rate] [--seconds 15] [--users 24]
        [--workers 2] [--rate 200] [--rate-seconds 20] [--max-requests 200000]
        [--postgres postgres://postgres@127.0.0.1:5432/relay_load] [--redis redis://127.0.0.1:6379/4]
        [--no-postgres]

The load generator runs on the same cores as the server: absolute figures are pessimistic, and the
ratios to /healthz are the ones to compare between runs. Closed-loop users (no wait) make the mix
saturate the server on purpose; the rate part is open-ended only as far as locust's
`constant_throughput` allows (a user whose request is late sends its next one late), so when the
achieved rate is below the target the p99 is flattered, and the output says so.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from signals_bench import ensure_postgres_db  # noqa: E402

HERE = Path(__file__).resolve().parent
# Users per class in the mix (scaled to --users): redirects are the most frequent request.
# After a warm-up, the server still works off the requests locust left in flight when it stopped:
# the first measured request would queue behind them (seen: ~250 ms instead of ~25 ms).
WARM_UP_DRAIN_SECONDS = 2.0
# "Kept up with the offered rate": locust's start and stop edges cost a few percent of a short run.
KEPT_UP = 0.95
MIX = {"Redirector": 8, "AppStart": 5, "Submitter": 4, "QueueWorker": 3, "Trivial": 4}


def seed(env: dict[str, str], factor: int) -> dict:
    out = subprocess.run([harness.PY, str(HERE / "load_seed.py"), "seed", "--factor", str(factor)],
                         cwd=harness.ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def in_process_queries(env: dict[str, str]) -> dict:
    out = subprocess.run([harness.PY, str(HERE / "load_seed.py"), "queries"], cwd=harness.ROOT, env=env,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def locust(host: str, users: dict[str, int], seconds: int, data: dict, args: argparse.Namespace,
           extra: dict[str, str] | None = None) -> list[harness.Stats]:
    """One headless locust run with several user classes in fixed numbers; figures per endpoint (ms)."""
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    prefix = harness.BENCH_DIR / f"load-{int(time.time() * 1000)}"
    # Each app user rotates a refresh token of its own; a token used by an earlier run is blacklisted.
    fresh = users.get("AppStart", 0) + users.get("FeedAndQueues", 0)
    if fresh > len(data["app"]):
        raise RuntimeError("out of refresh tokens: seed more (load_seed.py --refresh-tokens)")
    mine, data["app"] = data["app"][:fresh], data["app"][fresh:]
    data_file = Path(f"{prefix}-data.json")
    data_file.write_text(json.dumps({**data, "app": mine}))  # tokens for hundreds of users: too long for one variable
    env = {**os.environ, "RELAY_LOAD_DATA_FILE": str(data_file), "RELAY_LOAD_USERS": json.dumps(users),
           "RELAY_LOAD_MAX_REQUESTS": str(args.max_requests), **(extra or {})}
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
    if args.no_postgres or not ensure_postgres_db(args.postgres):
        return None
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this run's Redis database only: throttles, queued tasks
    return harness.base_env(args.postgres, args.redis)


def part_mix(args: argparse.Namespace) -> None:
    env = fresh_sqlite()
    harness.prepare_database(env, passwords=False)
    run_mix("MIX, embedded default (SQLite, in-memory layer, tasks in-process)", env, args.workers, args,
            seed(env, 1))
    env = fresh_postgres(args)
    if env:
        harness.prepare_database(env, passwords=False)
        run_mix("MIX, PostgreSQL + Redis", env, args.workers, args, seed(env, 1))


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


def part_data(args: argparse.Namespace) -> None:
    env = fresh_postgres(args)
    label = "PostgreSQL + Redis"
    if not env:
        env, label = fresh_sqlite(), "SQLite"
    harness.prepare_database(env, passwords=False)
    results = []
    for factor in (1, 10, 100):
        data = seed(env, factor)
        queries = in_process_queries(env)
        with harness.asgi_server(env, workers=args.workers) as url:
            locust(url, {"FeedAndQueues": 2}, 3, data, args)
            time.sleep(WARM_UP_DRAIN_SECONDS)
            rows = {r.name: r for r in locust(url, {"FeedAndQueues": 4, "Trivial": 1}, args.seconds, data, args)}
        results.append((factor, data["rows"], queries, rows))
    print(f"\nDATA: feed and queues at 1x/10x/100x the workload data ({label}, {args.workers} worker(s), "
          f"4 readers + 1 /healthz, {args.seconds}s each)")
    print(f"  {'scale':6} {'stories':>8} {'signals':>8} {'notifs':>7}  {'endpoint':36} {'queries':>7} {'items':>5} "
          f"{'in-proc ms':>10} {'p50 ms':>7} {'p99 ms':>7}")
    http_name = {"GET /api/v1/feed/": "GET /api/v1/feed/", "GET /api/v1/queues/{sales}/signals/":
                 "GET /api/v1/queues/{id}/signals/"}
    for factor, counts, queries, rows in results:
        for name, q in queries.items():
            r = rows.get(http_name.get(name, ""))
            print(f"  {factor:5d}x {counts['stories']:8d} {counts['signals']:8d} {counts['notifications']:7d}  "
                  f"{name:36} {q['queries']:7d} {q['items']:5d} {q['median_ms']:10.2f} "
                  f"{(f'{r.p50:7.0f}' if r else '      -')} {(f'{r.p99:7.0f}' if r else '      -')}")
    first, last = results[0][2], results[-1][2]
    same = all(first[k]["queries"] == last[k]["queries"] for k in first)
    growth = {k: last[k]["median_ms"] / first[k]["median_ms"] for k in first if first[k]["median_ms"]}
    print(f"  queries per request constant from 1x to 100x: {'yes' if same else 'NO'}; in-process time 100x/1x: "
          + ", ".join(f"{k.split()[1]} {v:.1f}x" for k, v in growth.items())
          + f" (log2(100) = {math.log2(100):.1f})")


def rate_run(url: str, user_class: str, name: str, data: dict, args: argparse.Namespace,
             seconds: int) -> tuple[harness.Stats, dict[str, float]]:
    """One fixed-rate locust run; its figures and the CPU ms per request of each process group,
    measured over the middle of the run (spawning and stopping left out)."""
    users = max(1, math.ceil(args.rate / 5))  # 5 requests/s per user: each has 200 ms per request
    meter, out = harness.CpuMeter(url), {}

    def run() -> None:
        out["rows"] = locust(url, {user_class: users}, seconds, data, args,
                             extra={"RELAY_LOAD_RATE_PER_USER": str(args.rate / users)})

    thread = threading.Thread(target=run)
    thread.start()
    margin = max(2.0, seconds / 6)
    time.sleep(margin)
    meter.start()
    time.sleep(seconds - 2 * margin)
    took, cpu = meter.stop()
    thread.join()
    row = next(r for r in out["rows"] if r.name == name)
    return row, {k: 1000 * v / took / row.rps if row.rps else 0.0 for k, v in cpu.items()}


@contextmanager
def submission_server(args: argparse.Namespace, part: str) -> Iterator[tuple[str, dict] | None]:
    """A fresh PostgreSQL database with the workload and a server on it, warmed up and drained;
    None (and a note) when there is no PostgreSQL."""
    env = fresh_postgres(args)
    if not env:
        print(f"\n{part}: needs PostgreSQL (skipped)")
        yield None
        return
    harness.prepare_database(env, passwords=False)
    data = seed(env, 1)
    with harness.asgi_server(env, workers=args.workers) as url:
        locust(url, {"Submitter": 4 * args.workers}, 5, data, args)  # enough connections to reach every worker
        time.sleep(WARM_UP_DRAIN_SECONDS)
        yield url, data


def part_rate(args: argparse.Namespace) -> None:
    users = max(1, math.ceil(args.rate / 5))
    with submission_server(args, "RATE") as server:
        if server is None:
            return
        url, data = server
        r, cpu = rate_run(url, "RateSubmitter", "POST /api/v1/signals/", data, args, args.rate_seconds)
        yardsticks = [rate_run(url, cls, name, data, args, max(10, args.rate_seconds // 2))
                      for cls, name in (("RateTrivial", "GET /healthz"), ("RateAuthRead", "GET /api/v1/queues/"))]
    cores = os.cpu_count() or 1
    budget = cores * 1000 / args.rate
    print(f"\nRATE: POST /api/v1/signals/ at {args.rate:g} req/s offered ({users} users x {args.rate / users:g}/s), "
          f"PostgreSQL + Redis, {args.workers} worker(s), {args.rate_seconds}s")
    print(f"  achieved {r.rps:.1f} req/s, {r.requests} requests, {r.failures} errors, "
          f"p50 {r.p50:.0f} ms, p95 {r.p95:.0f} ms, p99 {r.p99:.0f} ms")

    def cpu_line(c: dict[str, float]) -> str:
        return " · ".join(f"{k} {v:.1f}" for k, v in c.items()) + f" · all {sum(c.values()):.1f}"

    print(f"  CPU ms per submission: {cpu_line(cpu)}")
    print(f"  the machine's CPU budget at {args.rate:g} req/s: {cores} cores = {budget:.1f} ms per request for "
          f"everything (server, database, Redis, load generator)")
    print(f"  yardsticks at the same offered rate, same server:")
    for y, ycpu in yardsticks:
        print(f"    {y.name:20} achieved {y.rps:6.1f} req/s, {y.failures} errors, p50 {y.p50:.0f} ms, "
              f"p99 {y.p99:.0f} ms; CPU ms per request: {cpu_line(ycpu)}")
    kept_up = r.rps >= KEPT_UP * args.rate
    verdict = "MET" if kept_up and r.p99 <= 50 and r.failures == 0 else "NOT MET"
    print(f"  target p99 <= 50 ms at {args.rate:g} req/s with no errors: {verdict}"
          + ("" if kept_up else " (the server did not keep up with the offered rate, so the p99 is flattered:"
                                " late users send late)"))
    if sum(cpu.values()) > budget:
        print(f"  a submission needs {sum(cpu.values()):.1f} ms of CPU in all against a budget of {budget:.1f} ms: "
              f"at most ~{cores * 1000 / sum(cpu.values()):.0f} submissions/s fit on this machine at full load")


def part_capacity(args: argparse.Namespace) -> None:
    """The highest offered rate (of --capacity-rates) at which submissions still have p99 <= 50 ms."""
    rates = [float(r) for r in args.capacity_rates.split(",") if r.strip()]
    results = []
    with submission_server(args, "CAPACITY") as server:
        if server is None:
            return
        url, data = server
        for rate in rates:
            users = max(1, math.ceil(rate / 5))
            rows = locust(url, {"RateSubmitter": users}, args.capacity_seconds, data, args,
                          extra={"RELAY_LOAD_RATE_PER_USER": str(rate / users)})
            time.sleep(WARM_UP_DRAIN_SECONDS)  # the next rate starts on an idle server
            results.append((rate, next(r for r in rows if r.name == "POST /api/v1/signals/")))
    print(f"\nCAPACITY: POST /api/v1/signals/ at fixed offered rates, PostgreSQL + Redis, {args.workers} worker(s), "
          f"{args.capacity_seconds}s each")
    print(f"  {'offered':>8} {'achieved':>9} {'err':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    best = None
    for rate, r in results:
        ok = r.rps >= KEPT_UP * rate and r.p99 <= 50 and r.failures == 0
        best = rate if ok else best
        print(f"  {rate:8g} {r.rps:9.1f} {r.failures:5d} {r.p50:7.0f} {r.p95:7.0f} {r.p99:7.0f}{'  <= 50 ms' if ok else ''}")
    print(f"  highest offered rate with p99 <= 50 ms and no errors: {f'{best:g} req/s' if best else 'none of these'}")


PARTS = {"mix": part_mix, "workers": part_workers, "data": part_data, "rate": part_rate, "capacity": part_capacity}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="mix,workers,data,rate,capacity")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--rate-seconds", type=int, default=20)
    parser.add_argument("--capacity-rates", default="5,10,20,30,40,60")
    parser.add_argument("--capacity-seconds", type=int, default=12)
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
