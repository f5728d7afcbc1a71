"""Signal submission (including classification) through the real ASGI server.

Prints requests/s and p50/p95/p99 latency for POST /api/v1/signals/ and for /healthz (the trivial
yardstick) measured in the same run, on the embedded default (SQLite) and, when reachable, on
PostgreSQL (+ Redis). Usage:

    .venv/bin/python benchmarks/signals_bench.py [--seconds 20] [--users 20] [--workers 2]
        [--postgres postgres://postgres@127.0.0.1:5432/relay_bench] [--redis redis://127.0.0.1:6379/5]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

EMAILS = ["emma@relay.demo", "lars@relay.demo", "daan@relay.demo", "mette@relay.demo", "james@relay.demo"]


def ensure_postgres_db(url: str) -> bool:
    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # noqa: BLE001
        print(f"(PostgreSQL not reachable at {admin}: {type(exc).__name__}; skipping that run)")
        return False


def measure(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    harness.prepare_database(env)
    tokens = harness.tokens_for(env, EMAILS)
    extra = {"RELAY_BENCH_TOKENS": json.dumps(tokens)}
    with harness.asgi_server(env, workers=args.workers) as url:
        # Warm up: the first classification in each worker loads the spaCy model.
        harness.run_locust(host=url, locustfile="locustfile.py", user_class="Submitter", users=4, seconds=5,
                           env_extra=extra)
        trivial = harness.run_locust(host=url, locustfile="locustfile.py", user_class="Trivial",
                                     users=args.users, seconds=args.seconds, env_extra=extra)[0]
        submit = harness.run_locust(host=url, locustfile="locustfile.py", user_class="Submitter",
                                    users=args.users, seconds=args.seconds, env_extra=extra)
    harness.print_table(f"{label}: {args.users} users, {args.seconds}s each, {args.workers} server worker(s)",
                        [trivial, *submit], trivial)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()

    subprocess.run([sys.executable, "-m", "nlp", "ensure"], cwd=harness.ROOT, check=True)
    sqlite = harness.BENCH_DIR / "signals.sqlite3"
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    measure("embedded default (SQLite, in-memory layer)", harness.base_env(f"sqlite:///{sqlite}"), args)
    if ensure_postgres_db(args.postgres):
        measure("PostgreSQL + Redis", harness.base_env(args.postgres, args.redis), args)


if __name__ == "__main__":
    main()
