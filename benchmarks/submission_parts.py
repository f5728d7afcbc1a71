"""Where a signal submission's CPU goes: the whole request in-process, and its parts one by one.

Runs in-process (Django's test client, no HTTP server, no load generator), on a fresh PostgreSQL
database with the demo organisation (and Redis for cache, throttles and the broker), and prints
the CPU time (all threads of the process) per call, median of --repeat rounds. Writes are made
inside a transaction that is rolled back, so the rounds measure the same thing. Usage:

    .venv/bin/python benchmarks/submission_parts.py [--rounds 5] [--calls 200]
        [--postgres postgres://postgres@127.0.0.1:5432/relay_parts] [--redis redis://127.0.0.1:6379/7]

The parts do not add up to the whole: the request also pays Django's request cycle, DRF's
parsing, validation and rendering, the throttle's Redis round trip, and (on other threads) the
Celery hand-off and the live events. Through uvicorn each request costs a few ms more (the ASGI
cycle and the thread hand-off); `load_bench.py --parts rate` measures that.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harness  # noqa: E402
from signals_bench import ensure_postgres_db  # noqa: E402

LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


def cpu_ms(fn: Callable[[], object], *, rounds: int, calls: int) -> float:
    for _ in range(max(10, calls // 10)):
        fn()
    medians = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            fn()
        medians.append(1000 * (time.process_time() - start) / calls)
    return statistics.median(medians)


def child(rounds: int, calls: int) -> None:
    import django

    sys.path.insert(0, str(harness.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    import nlp
    from backend.listening import events, routing
    from backend.listening.models import Signal, SignalEvent
    from backend.people.models import User
    from notifications.services import Draft, notify

    emma = User.objects.select_related("profile").get(email="emma@relay.demo")
    token = str(RefreshToken.for_user(emma).access_token)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    team = routing.route(text=LEAD, chosen="lead", predicted="lead", confidence=1.0, scores={"lead": 1.0},
                         language="nl", topics=[]).team
    on_duty = events._on_duty(team.pk, exclude={emma.pk})

    def submit() -> None:
        r = client.post("/api/v1/signals/", data=json.dumps({"text": LEAD, "heard_via": "in_person"}),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert r.status_code == 201, r.content

    def rolled_back(fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with transaction.atomic():
                fn()
                transaction.set_rollback(True)
        return run

    def signal_row() -> Signal:
        return Signal(submitter=emma, text=LEAD, kind="lead", language="nl", confidence=0.9, scores={"lead": 0.9},
                      topics=[], model_version="bench", team=team, routing_reason="bench", heard_via="in_person",
                      captured_at=timezone.now(), request_fingerprint="bench")

    some_signal = Signal.objects.create(**{f: getattr(signal_row(), f) for f in (
        "submitter", "text", "kind", "language", "confidence", "scores", "topics", "model_version", "team",
        "routing_reason", "heard_via", "captured_at", "request_fingerprint")})

    parts: list[tuple[str, Callable[[], object]]] = [
        ("POST /api/v1/signals/ (whole request)", submit),
        ("GET /api/v1/queues/ (cheapest authenticated read)", lambda: client.get("/api/v1/queues/")),
        ("GET /healthz", lambda: client.get("/healthz")),
        ("JWT person + profile query", lambda: User.objects.select_related("profile").get(pk=emma.pk)),
        ("classification (nlp.classify)", lambda: nlp.classify(LEAD)),
        ("routing (rules from the process cache)", lambda: routing.route(
            text=LEAD, chosen=None, predicted="lead", confidence=0.9, scores={"lead": 0.9}, language="nl", topics=[])),
        ("signal INSERT (+ BEGIN/ROLLBACK)", rolled_back(lambda: signal_row().save())),
        ("BEGIN/ROLLBACK alone", rolled_back(lambda: None)),
        ("two history events INSERT", rolled_back(lambda: SignalEvent.objects.bulk_create([
            SignalEvent(signal=some_signal, actor=emma, type="created", to_status="new"),
            SignalEvent(signal=some_signal, type="routed", to_status="new", data={"team": team.pk})]))),
        ("people on duty", lambda: events._on_duty(team.pk, exclude={emma.pk})),
        (f"outbox fan-out to {len(on_duty)} people (notify)", rolled_back(lambda: notify(
            Draft(user_id=uid, type="signal.routed", category="queue", title="Lead for Sales NL", body=LEAD[:140],
                  data={"type": "signal", "id": str(some_signal.pk)}, collapse_key=f"signal-{some_signal.pk}")
            for uid in on_duty))),
    ]
    results = []
    for name, fn in parts:
        results.append((name, cpu_ms(fn, rounds=rounds, calls=calls)))
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_parts")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rounds, args.calls)
        return
    subprocess.run([harness.PY, "-m", "nlp", "ensure"], cwd=harness.ROOT, check=True)
    if not ensure_postgres_db(args.postgres):
        sys.exit("PostgreSQL is needed")
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this run's Redis database only
    env = harness.base_env(args.postgres, args.redis)
    harness.prepare_database(env, passwords=False)
    out = subprocess.run([harness.PY, __file__, "--child", "--rounds", str(args.rounds), "--calls", str(args.calls)],
                         cwd=harness.ROOT, env=env, check=True, capture_output=True, text=True)
    results = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nCPU per call, in-process, PostgreSQL + Redis (median of {args.rounds} rounds of {args.calls} calls)")
    for name, ms in results:
        print(f"  {name:52} {ms:7.2f} ms")


if __name__ == "__main__":
    main()
