"""Shared benchmark plumbing: a fresh database, the real ASGI server (uvicorn) on 127.0.0.1, the
server's CPU time, and locust (headless) as the load generator of the mixed-load scripts.
Everything stays on this machine and stops by itself."""
from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BENCH_DIR = ROOT / "var" / "bench"
SECRET = "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def run_child(script: str, env: dict[str, str], *args: str) -> str:
    """Run `script` with `args` in a fresh interpreter (the benchmarks' child processes, each with
    its own Django set-up) and return the last line it printed: its JSON result."""
    out = subprocess.run([PY, script, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                         timeout=600)
    return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(database_url: str, redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING",
        "JWT_ACCESS_MINUTES": "240", "PYTHONPATH": str(ROOT),
        # The load generator is one client address: lift the per-user/anon rates for the run.
        "THROTTLE_USER": "1000000/min", "THROTTLE_ANON": "1000000/min",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([PY, "backend/manage.py", *args], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout


def prepare_database(env: dict[str, str], *, passwords: bool = True) -> None:
    """Migrate, load the demo bank, and (optionally) give the demo people a known password."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    if not passwords:
        return
    manage(env, "shell", "-c", (
        "from backend.people.models import User\n"
        "for u in User.objects.filter(email__endswith='@relay.demo'):\n"
        "    u.set_password('relay-demo'); u.save(update_fields=['password'])\n"
    ))


def tokens_for(env: dict[str, str], emails: list[str]) -> dict[str, str]:
    code = (
        "import json\nfrom backend.people.models import User\n"
        "from rest_framework_simplejwt.tokens import RefreshToken\n"
        f"emails = {emails!r}\n"
        "print(json.dumps({e: str(RefreshToken.for_user(User.objects.get(email=e)).access_token) for e in emails}))"
    )
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def ensure_postgres_db(url: str) -> bool:
    """Drop and create the database named in `url` (a benchmark's own); False when PostgreSQL is unreachable."""
    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        import psycopg
        from psycopg import sql

        with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True
    except Exception as exc:  # noqa: BLE001
        print(f"(PostgreSQL not reachable at {admin}: {type(exc).__name__}; skipping that run)")
        return False


@dataclass
class Server:
    url: str
    pid: int


@contextmanager
def uvicorn(env: dict[str, str], workers: int = 1) -> Iterator[Server]:
    """The real ASGI server on a free port of 127.0.0.1, started the way production starts it,
    answering /healthz; stopped (its whole process group) on exit."""
    port = free_port()
    proc = subprocess.Popen(
        [PY, "-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--no-access-log", "--log-level", "warning", "--ws", "websockets-sansio"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}")
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("server did not start")
        yield Server(url=url, pid=proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@contextmanager
def asgi_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    with uvicorn(env, workers) as server:
        yield server.url


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) of a process and its children, from /proc (Linux):
    the server's own cost, whatever the load generator, PostgreSQL or Redis spend."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # After the command name: state, ppid, ... utime and stime are the 12th and 13th fields.
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


@dataclass
class Stats:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


class CpuMeter:
    """CPU time (user + system) spent by groups of processes between start() and stop(): the
    server's workers, PostgreSQL, Redis and the load generator, each as ms per request."""

    GROUPS = ("server", "PostgreSQL", "Redis", "locust")

    def __init__(self, url: str) -> None:
        self.port = url.rsplit(":", 1)[1]

    def _sample(self) -> dict[str, float]:
        import psutil

        totals = dict.fromkeys(self.GROUPS, 0.0)
        procs = [p.info for p in psutil.process_iter(["pid", "ppid", "name", "cmdline", "cpu_times"])]
        server_pids = {i["pid"] for i in procs
                       if "uvicorn" in (cmd := " ".join(i["cmdline"] or [])) and f"--port {self.port}" in cmd}
        for info in procs:
            if info["cpu_times"] is None:
                continue
            cmd, name = " ".join(info["cmdline"] or []), info["name"] or ""
            used = info["cpu_times"].user + info["cpu_times"].system
            if info["pid"] in server_pids or info["ppid"] in server_pids:  # uvicorn and its spawned workers
                totals["server"] += used
            elif name == "postgres":
                totals["PostgreSQL"] += used
            elif name.startswith("redis-server"):
                totals["Redis"] += used
            elif "locust" in cmd:
                totals["locust"] += used
        return totals

    def start(self) -> None:
        self._t0, self._c0 = time.monotonic(), self._sample()

    def stop(self) -> tuple[float, dict[str, float]]:
        """(seconds measured, CPU seconds per group)."""
        c1 = self._sample()
        return time.monotonic() - self._t0, {k: max(0.0, c1[k] - self._c0[k]) for k in c1}


def run_locust(
    *, host: str, locustfile: str, user_class: str, users: int, seconds: int, env_extra: dict[str, str],
    spawn_rate: int | None = None,
) -> list[Stats]:
    """Run locust headless for a bounded time and return its per-endpoint figures (ms)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    prefix = BENCH_DIR / f"locust-{user_class}-{int(time.time() * 1000)}"
    env = {**os.environ, **env_extra}
    subprocess.run(
        [PY, "-m", "locust", "-f", str(ROOT / "benchmarks" / locustfile), user_class, "--headless",
         "--host", host, "-u", str(users), "-r", str(spawn_rate or users), "--run-time", f"{seconds}s",
         "--stop-timeout", "5", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=seconds + 120,
    )
    return read_stats(prefix, with_method=True)


def read_stats(prefix: Path, *, with_method: bool) -> list[Stats]:
    """The per-endpoint figures of a locust run written with `--csv prefix` (the aggregate left out).
    `with_method` puts the HTTP method before the name, for locustfiles whose names lack it."""
    stats = []
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                continue
            stats.append(Stats(
                name=f"{row['Type']} {row['Name']}" if with_method else row["Name"],
                requests=int(row["Request Count"]), failures=int(row["Failure Count"]), rps=float(row["Requests/s"]),
                p50=float(row["50%"]), p95=float(row["95%"]), p99=float(row["99%"]),
            ))
    return stats


def print_table(title: str, rows: list[Stats], trivial: Stats | None) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':44} {'reqs':>7} {'err':>5} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'rps/trivial':>11} {'p99/trivial':>11}")
    for r in rows:
        ratio_rps = f"{r.rps / trivial.rps:.2f}" if trivial and trivial.rps else "-"
        ratio_p99 = f"{r.p99 / trivial.p99:.2f}" if trivial and trivial.p99 else "-"
        print(f"{r.name:44} {r.requests:7d} {r.failures:5d} {r.rps:8.1f} {r.p50:7.0f} {r.p95:7.0f} {r.p99:7.0f} "
              f"{ratio_rps:>11} {ratio_p99:>11}")
