"""The performance ratios of issue 14, each beside its yardstick and its goal, measured in one run.

One uvicorn process (DEBUG=0) on PostgreSQL + Redis with the demo bank plus a workload (load_seed.py),
driven over HTTP from this process; nothing here imports the code under test. Figures:

  server CPU per request   the server process's CPU time (/proc, all threads) over N sequential
                           requests on one keep-alive connection, median of --rounds rounds; the
                           endpoints take turns within a round, so a busy moment of the machine
                           touches all of them; a ratio is the median of the per-round ratios
  latency                  wall-clock median of the same requests (a second view)
  throughput               requests/s with --clients concurrent keep-alive connections for
                           --seconds, /healthz and the redirect taking turns, median of the rounds
  statements               per request, counted in a child process through Django's test client
                           (load_seed.py queries), at 1x and at 100x the workload data

Goals (issue 14): GET /api/v1/queues/ <= 2x /healthz; POST /api/v1/signals/ (classification
included, a fresh Idempotency-Key each) <= 2.5x the queues read; a feed page of 20 <= 2x the queues
read, with the same statement count at 1x and 100x data; /s/{code} throughput >= 0.6x /healthz.
The push ratios come from push_bench.py, run at the end when present. Usage:

    .venv/bin/python benchmarks/ratios.py [--rounds 5] [--requests 200] [--clients 8] [--seconds 4]
        [--postgres postgres://postgres@127.0.0.1:5432/relay_ratios] [--redis redis://127.0.0.1:6379/6]
        [--profile] [--no-push] [--push-args "..."]

`--postgres` is dropped and created anew and `--redis` flushed: give the run databases of its own.
`--profile` samples the server with py-spy (the `bench` extra) during each endpoint whose goal was
missed and prints where its CPU went, by package and by function. About 3 minutes without push.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harness  # noqa: E402 - found through the sys.path line above (benchmarks/ is not a package)
from traffic import AGENTS, TEXTS  # noqa: E402

BROWSERS = [a for a in AGENTS if "Bot" not in a]  # a bot's visit is not a click: browsers take the full path


@dataclass
class Call:
    """One kind of request: what to send, and the status that says it worked."""

    name: str
    method: str
    path: Callable[[int], str]
    expect: int
    headers: Callable[[int], dict[str, str]] = lambda i: {}
    body: Callable[[int], bytes | None] = lambda i: None
    check: Callable[[bytes], str | None] = lambda body: None  # an error message, or None


@dataclass
class Figures:
    cpu_ms: list[float] = field(default_factory=list)  # per round
    latency_ms: list[float] = field(default_factory=list)  # per round: the round's median


def _send(conn: http.client.HTTPConnection, call: Call, i: int) -> tuple[int, bytes]:
    conn.request(call.method, call.path(i), body=call.body(i), headers={"Host": "127.0.0.1", **call.headers(i)})
    response = conn.getresponse()
    return response.status, response.read()


def sequential(server: harness.Server, call: Call, n: int, start: int = 0) -> tuple[float, float]:
    """(server CPU ms per request, median latency ms) over n requests, one after the other."""
    conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
    latencies = []
    cpu0 = harness.cpu_seconds(server.pid)
    for i in range(start, start + n):
        t0 = time.perf_counter()
        status, body = _send(conn, call, i)
        latencies.append(1000 * (time.perf_counter() - t0))
        problem = f"status {status}" if status != call.expect else call.check(body)
        if problem:
            raise SystemExit(f"{call.name}: {problem}: {body[:300]!r}")
    cpu = harness.cpu_seconds(server.pid) - cpu0
    conn.close()
    return 1000 * cpu / n, statistics.median(latencies)


def concurrent(server: harness.Server, call: Call, clients: int, seconds: float) -> tuple[float, float, float, float]:
    """(requests/s, server CPU ms per request, server busy share, client CPU ms per request) with
    `clients` keep-alive connections sending as fast as answers come, for `seconds` (and at most
    200,000 requests)."""
    counts, errors = [0] * clients, []
    stop = threading.Event()
    ready = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
        _send(conn, call, k)  # connected before the clock starts
        ready.wait()
        i = k
        while not stop.is_set() and counts[k] < 200_000 // clients:
            i += clients
            status, _ = _send(conn, call, i)
            if status != call.expect:
                errors.append(status)
                return
            counts[k] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    cpu0, t0, mine0 = harness.cpu_seconds(server.pid), time.perf_counter(), time.process_time()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    took, cpu = time.perf_counter() - t0, harness.cpu_seconds(server.pid) - cpu0
    mine = time.process_time() - mine0
    if errors:
        raise SystemExit(f"{call.name}: status {errors[0]} under concurrent load")
    done = sum(counts)
    return done / took, 1000 * cpu / done, cpu / took, 1000 * mine / done


def seed(env: dict[str, str], factor: int) -> dict:
    out = subprocess.run([harness.PY, str(HERE / "load_seed.py"), "seed", "--factor", str(factor),
                          "--refresh-tokens", "0"], cwd=harness.ROOT, env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def statements(env: dict[str, str]) -> dict[str, dict[str, int]]:
    out = subprocess.run([harness.PY, str(HERE / "load_seed.py"), "queries"], cwd=harness.ROOT, env=env,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def calls(data: dict) -> dict[str, Call]:
    emma = {"Authorization": f"Bearer {data['submitters'][0]}"}
    submitters = [{"Authorization": f"Bearer {t}"} for t in data["submitters"]]
    codes = data["codes"]

    def page_of_20(body: bytes) -> str | None:
        n = len(json.loads(body)["results"])
        return None if n == 20 else f"{n} items on the page, not 20"

    return {
        "healthz": Call("GET /healthz", "GET", lambda i: "/healthz", 200),
        "queues": Call("GET /api/v1/queues/", "GET", lambda i: "/api/v1/queues/", 200, headers=lambda i: emma),
        "submit": Call(
            "POST /api/v1/signals/", "POST", lambda i: "/api/v1/signals/", 201,
            headers=lambda i: {**submitters[i % len(submitters)], "Content-Type": "application/json",
                               "Idempotency-Key": str(uuid.uuid4())},
            body=lambda i: json.dumps({"text": TEXTS[i % len(TEXTS)], "heard_via": "in_person"}).encode()),
        "feed": Call("GET /api/v1/feed/ (20 items)", "GET", lambda i: "/api/v1/feed/", 200, headers=lambda i: emma,
                     check=page_of_20),
        "redirect": Call("GET /s/{code}", "GET", lambda i: f"/s/{codes[i % len(codes)]}", 302,
                         headers=lambda i: {"User-Agent": BROWSERS[i % len(BROWSERS)],
                                            "Referer": "https://www.linkedin.com/feed/"}),
    }


def per_round_ratio(a: Figures, b: Figures, attr: str = "cpu_ms") -> list[float]:
    return per_round_ratio_lists(getattr(a, attr), getattr(b, attr))


def per_round_ratio_lists(a: list[float], b: list[float]) -> list[float]:
    return [x / y for x, y in zip(a, b, strict=True) if y]


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def profile(server: harness.Server, call: Call, n: int) -> None:
    """Where the server's CPU goes for `call`: py-spy samples it during n sequential requests."""
    py_spy = Path(harness.PY).parent / "py-spy"
    if not py_spy.exists():
        print(f"  (no py-spy in {py_spy.parent}: install the bench extra to profile)")
        return
    out = harness.BENCH_DIR / f"profile-{int(time.time())}.txt"
    # --gil: only the thread holding the GIL, so a thread waiting for PostgreSQL, Redis or a
    # socket is not counted as busy.
    spy = subprocess.Popen([str(py_spy), "record", "--pid", str(server.pid), "--rate", "250", "--format", "raw",
                            "--gil", "--nolineno", "--nonblocking", "--output", str(out), "--duration", "600"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # attached
    sequential(server, call, n, start=10_000_000)
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
    if not out.exists():
        print(f"  (py-spy wrote nothing: {spy.stderr.read().decode()[-300:] if spy.stderr else ''})")
        return
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text(errors="replace").splitlines():  # py-spy may cut a name mid-character
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, samples = stack.split(";"), int(count)
        total += samples
        leaf = frames[-1]
        by_package[_package(leaf)] += samples
        by_function[leaf] += samples
        for frame in set(frames):
            if _package(frame).startswith("relay:") or frame.startswith(("dispatch (rest_framework", "__call__ (uvicorn")):
                inclusive[frame] += samples
    if not total:
        print("  (no samples)")
        return
    print(f"  {call.name}: {total} samples over {n} requests; self time by package:")
    for name, samples in by_package.most_common(12):
        print(f"    {100 * samples / total:5.1f}%  {name}")
    print("  self time by function:")
    for name, samples in by_function.most_common(12):
        print(f"    {100 * samples / total:5.1f}%  {name}")
    print("  time under Relay's own functions, DRF's dispatch and uvicorn's entry (inclusive):")
    for name, samples in inclusive.most_common(12):
        print(f"    {100 * samples / total:5.1f}%  {name}")


RELAY_FOLDERS = {"backend", "mobile_api", "notifications", "nlp"}


def _package(frame: str) -> str:
    """`handle (django/core/handlers/base.py)` -> `django`; Relay's own folders as `relay:<folder>`.
    py-spy names a file by its path below sys.path, so the first part is the package."""
    top = frame.rpartition("(")[2].rstrip(")").split("/", 1)[0].removesuffix(".py")
    return f"relay:{top}" if top in RELAY_FOLDERS else top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per endpoint and round")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections for the throughput ratio")
    parser.add_argument("--seconds", type=float, default=4.0, help="per throughput run")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_ratios")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--profile", action="store_true", help="py-spy the endpoints whose goal was missed")
    parser.add_argument("--no-push", action="store_true", help="skip push_bench.py")
    parser.add_argument("--push-args", default="", help="arguments for push_bench.py")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # in order with push_bench's output

    started = time.monotonic()
    subprocess.run([harness.PY, "-m", "nlp", "ensure"], cwd=harness.ROOT, check=True)
    if not harness.ensure_postgres_db(args.postgres):
        sys.exit("PostgreSQL is needed")
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this run's Redis database only
    env = harness.base_env(args.postgres, args.redis)
    harness.prepare_database(env, passwords=False)
    data = seed(env, 1)
    counts_1x = statements(env)
    c = calls(data)
    figures = {name: Figures() for name in ("healthz", "queues", "submit", "feed")}
    throughput: dict[str, list[float]] = {"healthz": [], "redirect": []}
    concurrent_cpu: dict[str, list[float]] = {"healthz": [], "redirect": []}
    busy: list[float] = []
    client_cpu: list[float] = []
    with harness.uvicorn(env) as server:
        for call in c.values():  # first requests pay for lazy set-up (the spaCy model, connections)
            sequential(server, call, 30, start=1_000_000)
        cpu0 = harness.cpu_seconds(server.pid)
        time.sleep(2)
        idle_ms_per_s = 1000 * (harness.cpu_seconds(server.pid) - cpu0) / 2
        for r in range(args.rounds):
            for name, fig in figures.items():
                cpu, latency = sequential(server, c[name], args.requests, start=r * args.requests)
                fig.cpu_ms.append(cpu)
                fig.latency_ms.append(latency)
            for name in ("healthz", "redirect"):
                rps, cpu, share, mine = concurrent(server, c[name], args.clients, args.seconds)
                throughput[name].append(rps)
                concurrent_cpu[name].append(cpu)
                busy.append(share)
                client_cpu.append(mine)

        seed(env, 100)
        counts_100x = statements(env)
        feed_100x, queues_100x = Figures(), Figures()
        for r in range(args.rounds):
            for fig, name in ((queues_100x, "queues"), (feed_100x, "feed")):
                cpu, latency = sequential(server, c[name], args.requests, start=(args.rounds + r) * args.requests)
                fig.cpu_ms.append(cpu)
                fig.latency_ms.append(latency)

        h, q, s, f = (figures[n] for n in ("healthz", "queues", "submit", "feed"))
        redirect_ratio = per_round_ratio_lists(throughput["redirect"], throughput["healthz"])
        feed_same = counts_1x["GET /api/v1/feed/"]["statements"] == counts_100x["GET /api/v1/feed/"]["statements"]
        goals = [
            ("GET /api/v1/queues/ ÷ /healthz, CPU", per_round_ratio(q, h), "<=", 2.0),
            ("POST /api/v1/signals/ ÷ queues read, CPU", per_round_ratio(s, q), "<=", 2.5),
            ("GET /api/v1/feed/ (20) ÷ queues read, CPU", per_round_ratio(f, q), "<=", 2.0),
            ("GET /s/{code} ÷ /healthz, throughput", redirect_ratio, ">=", 0.6),
        ]
        missed = []
        print(f"\nRATIOS (issue 14): uvicorn, 1 process, PostgreSQL + Redis, DEBUG=0; {args.rounds} rounds of "
              f"{args.requests} sequential requests per endpoint; throughput with {args.clients} connections, "
              f"{args.seconds:g}s per run")
        print(f"  {'ratio':44} {'median (min–max)':>22} {'goal':>7}  met")
        for (label, values, op, goal), key in zip(goals, ("queues", "submit", "feed", "redirect"), strict=True):
            med = statistics.median(values)
            ok = med <= goal if op == "<=" else med >= goal
            if not ok:
                missed.append(key)
            print(f"  {label:44} {spread(values):>22} {op} {goal:<4}  {'yes' if ok else 'NO'}")
        print(f"  {'feed statements, 1x data = 100x data':44} "
              f"{counts_1x['GET /api/v1/feed/']['statements']:>10} = {counts_100x['GET /api/v1/feed/']['statements']:<9}"
              f" {'equal':>7}  {'yes' if feed_same else 'NO'}")

        print("\n  server CPU per request (ms) and wall-clock median latency (ms), sequential; median (min–max) "
              "of the rounds")
        print(f"  {'endpoint':34} {'CPU ms':>20} {'÷ /healthz':>10} {'latency ms':>20} {'÷ /healthz':>10}")
        rows = [("GET /healthz", h), ("GET /api/v1/queues/", q), ("POST /api/v1/signals/", s),
                ("GET /api/v1/feed/ (20 items)", f), ("GET /api/v1/queues/ at 100x data", queues_100x),
                ("GET /api/v1/feed/ at 100x data", feed_100x)]
        for label, fig in rows:
            print(f"  {label:34} {spread(fig.cpu_ms):>20} {statistics.median(per_round_ratio(fig, h)):>10.2f} "
                  f"{spread(fig.latency_ms):>20} {statistics.median(per_round_ratio(fig, h, 'latency_ms')):>10.2f}")
        lat = {k: statistics.median(v) for k, v in
               (("q/h", per_round_ratio(q, h, "latency_ms")), ("s/q", per_round_ratio(s, q, "latency_ms")),
                ("f/q", per_round_ratio(f, q, "latency_ms")))}
        print(f"  the same ratios by latency: queues ÷ /healthz {lat['q/h']:.2f}, submission ÷ queues "
              f"{lat['s/q']:.2f}, feed ÷ queues {lat['f/q']:.2f}")
        print(f"  feed at 100x data ÷ feed at 1x, CPU: {statistics.median(feed_100x.cpu_ms) / statistics.median(f.cpu_ms):.2f}")
        print(f"  server idle: {idle_ms_per_s:.1f} ms CPU per second (threads of its own)")

        print(f"\n  throughput with {args.clients} connections (req/s) and server CPU per request (ms)")
        for name, label in (("healthz", "GET /healthz"), ("redirect", "GET /s/{code}")):
            print(f"  {label:34} {spread(throughput[name], '{:.0f}'):>20} req/s {spread(concurrent_cpu[name]):>20} ms")
        print(f"  server busy during those runs: {spread([100 * b for b in busy], '{:.0f}')} % of one core; "
              f"the client spent {spread(client_cpu)} ms CPU per request")
        cpu_view = statistics.median(per_round_ratio_lists(concurrent_cpu["healthz"], concurrent_cpu["redirect"]))
        print("  (a server busy well below 100 % did not set the pace itself: the client or the machine's other "
              "work did;")
        print(f"   the CPU view is then the steadier one: /healthz CPU ÷ redirect CPU = {cpu_view:.2f})")

        print("\n  statements per request (counted in-process by Django's test client), 1x -> 100x data")
        for name, one in counts_1x.items():
            hundred = counts_100x[name]
            print(f"  {name:34} {one['statements']:3d} -> {hundred['statements']:3d}   "
                  f"({one['items']} -> {hundred['items']} items on the page)")
        print(f"  data: {data['rows']}")

        if args.profile and missed:
            print("\nPROFILES (py-spy, server process) of the endpoints whose goal was missed")
            for key in missed:
                profile(server, c[key], args.requests * 2)
    print(f"\n(ratios: {time.monotonic() - started:.0f}s)", flush=True)

    push = HERE / "push_bench.py"
    if push.exists() and not args.no_push:
        print("\nPUSH (benchmarks/push_bench.py)", flush=True)
        result = subprocess.run([harness.PY, str(push), *shlex.split(args.push_args)], cwd=harness.ROOT,
                                check=False, timeout=3600)
        if result.returncode:
            print(f"(push_bench.py exited with {result.returncode})")


if __name__ == "__main__":
    main()
