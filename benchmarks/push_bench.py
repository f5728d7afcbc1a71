"""Push throughput as ratios, in one run: the whole pipeline against firebase-admin alone.

    .venv/bin/python benchmarks/push_bench.py [--messages 4000] [--repeat 3]

Both sides talk to the same fake FCM (tests/notifications/fake_fcm.py in a process of its own:
hypercorn, HTTP/2 over TLS, 100 streams per connection, its test CA trusted through SSL_CERT_FILE)
with the real SDK and a generated service account (OAuth token from the fake).

- bare SDK: N processes, each with one App and one event loop, `messaging.send_each_async` in
  batches of FCM_BATCH_SIZE, FCM_BATCHES_IN_FLIGHT at a time, after a warm-up batch.
- pipeline: `celery worker --concurrency N` (prefork, Redis broker, PostgreSQL), warmed up by a
  first small delivery; then the Notification rows and their delivery tasks are written in one
  transaction (`notify` → on_commit → `notifications.deliver` per NOTIFICATION_TASK_CHUNK) and the
  clock runs from the commit to the last row marked sent.

Printed: messages/s per side and per process count (median of the repeats), and the two ratios
with their goals: pipeline ≥ 0.85 × bare SDK; 2 processes ≥ 1.5 × 1.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402
from harness import ensure_postgres_db  # noqa: E402

BATCH, IN_FLIGHT = 500, 1
PY = sys.executable


# --- children -------------------------------------------------------------------------------------
def bare_child(count: int, go_at: float) -> None:
    """firebase-admin alone: one App, one loop, batches of BATCH, IN_FLIGHT at a time."""
    import asyncio

    import firebase_admin
    from firebase_admin import credentials, messaging

    bench_endpoints(messaging)
    app = firebase_admin.initialize_app(credentials.Certificate(os.environ["FIREBASE_CREDENTIALS"]),
                                        options={"projectId": "relay-bench"}, name="bare")
    from notifications.push import (  # the same messages the pipeline sends
        PushMessage,
        build_all,
    )

    messages = build_all([PushMessage(token=f"bench-token-{i:08d}", fid=f"bench-fid-{i:08d}", title="A new story",
                                      body="Solar roofs", data={"type": "story", "id": "1", "notification_id": str(i),
                                                                "event": "story.published"})
                          for i in range(count)])

    async def send_all() -> float:
        await messaging.send_each_async(messages[:10], app=app)  # warm-up: token, TLS connection
        await asyncio.sleep(max(go_at - time.time(), 0))
        started = time.time()
        batches = [messages[i:i + BATCH] for i in range(0, count, BATCH)]
        for w in range(0, len(batches), IN_FLIGHT):
            answers = await asyncio.gather(*(messaging.send_each_async(b, app=app) for b in batches[w:w + IN_FLIGHT]))
            assert all(a.failure_count == 0 for a in answers)
        return started

    with asyncio.Runner() as runner:
        started = runner.run(send_all())
        print(json.dumps({"started": started, "ended": time.time()}))


def bench_endpoints(messaging) -> None:  # type: ignore[no-untyped-def]
    """The SDK's endpoints pointed at the fake, as the tests do; our code is not patched."""
    from google.auth import _regional_access_boundary_utils as rab

    messaging._MessagingService.FCM_URL = os.environ["RELAY_FAKE_FCM_URL"] + "/v1/projects/{0}/messages:send"
    plain = os.environ["RELAY_FAKE_FCM_PLAIN_URL"]

    def allowed_locations(service_account_email: str) -> str:
        return f"{plain}/v1/projects/-/serviceAccounts/{service_account_email}/allowedLocations"

    rab.get_service_account_rab_endpoint = allowed_locations


def pipeline_child(count: int) -> None:
    """Write `count` notifications (one device each) in one transaction; their tasks are queued on
    commit. Prints the commit time."""
    import django

    django.setup()
    from django.db import transaction

    from backend.people.models import User
    from notifications.models import Device, QuietHours
    from notifications.services import Draft, notify

    users = User.objects.bulk_create(User(email=f"bench-{time.time_ns()}-{i}@relay.test") for i in range(count))
    QuietHours.objects.bulk_create(QuietHours(user=u, enabled=False) for u in users)
    Device.objects.bulk_create(Device(user=u, token=f"bench-token-{u.pk:08d}", installation_id=f"bench-fid-{u.pk:08d}",
                                      platform="android") for u in users)
    committed = [0.0]
    with transaction.atomic():
        transaction.on_commit(lambda: committed.__setitem__(0, time.time()))  # runs before notify's
        notify(Draft(user_id=u.pk, type="story.published", category="queue", title="A new story",
                     body="Solar roofs", data={"type": "story", "id": "1"}) for u in users)
    print(json.dumps({"committed": committed[0], "ids": [u.pk for u in users][:1]}))


# --- the parent -------------------------------------------------------------------------------------
def wait_sent(env: dict[str, str], since_user: int, count: int, timeout: float = 600) -> float:
    """Poll until `count` rows of users from `since_user` on are sent; the time of the last one."""
    import psycopg

    deadline = time.time() + timeout
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while time.time() < deadline:
            row = conn.execute(
                "SELECT count(*), extract(epoch FROM max(sent_at)) FROM notifications_notification "
                "WHERE user_id >= %s AND push_state = 'sent'", [since_user]).fetchone()
            done, last = row if row is not None else (0, None)
            if done >= count:
                return float(last)
            time.sleep(0.2)
    raise TimeoutError(f"only {done} of {count} sent")


def run_pipeline(env: dict[str, str], procs: int, count: int, logs: Path) -> float:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    log = open(logs / f"worker-{procs}.log", "a")  # noqa: SIM115 - closed with the worker
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "tests.hostile.celery_fake_fcm", "worker", "--pool", "prefork",
         "--concurrency", str(procs), "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", f"bench{procs}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(procs):  # warm-up: every pool process gets its token and connection
            first = json.loads(harness.run_child(__file__, env, "--pipeline", str(20)))
            wait_sent(env, first["ids"][0], 20)
        out = json.loads(harness.run_child(__file__, env, "--pipeline", str(count)))
        last = wait_sent(env, out["ids"][0], count)
        return count / (last - out["committed"])
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        log.close()


def run_bare(env: dict[str, str], procs: int, count: int) -> float:
    go_at = time.time() + 10  # every process has its App, token and connection by then
    children = [subprocess.Popen([PY, __file__, "--bare", str(count // procs), "--go-at", str(go_at)], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, text=True) for _ in range(procs)]
    marks = [json.loads(c.communicate(timeout=600)[0].strip().splitlines()[-1]) for c in children]
    return (count // procs) * procs / (max(m["ended"] for m in marks) - min(m["started"] for m in marks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_pushbench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--go-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_child(args.bare, args.go_at)
        return
    if args.pipeline:
        pipeline_child(args.pipeline)
        return

    if not ensure_postgres_db(args.postgres):
        sys.exit(1)
    work = harness.BENCH_DIR / "push"
    work.mkdir(parents=True, exist_ok=True)
    port, token_port = harness.free_port(), harness.free_port()
    (work / "ca" / "fake-fcm-ca.pem").unlink(missing_ok=True)
    fake = subprocess.Popen([PY, "-m", "tests.notifications.fake_fcm", "--port", str(port), "--token-port",
                             str(token_port), "--ca-dir", str(work / "ca")], cwd=ROOT, start_new_session=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{token_port}/count", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        from tests.notifications.conftest import service_account

        key = service_account(work / "service-account.json", f"http://127.0.0.1:{token_port}/token")
        env = harness.base_env(args.postgres, args.redis)
        env.update({
            "FIREBASE_CREDENTIALS": str(key), "SSL_CERT_FILE": str(work / "ca" / "fake-fcm-ca.pem"),
            "RELAY_FAKE_FCM_URL": f"https://127.0.0.1:{port}",
            "RELAY_FAKE_FCM_PLAIN_URL": f"http://127.0.0.1:{token_port}",
            "CELERY_TASK_ALWAYS_EAGER": "0", "DJANGO_SETTINGS_MODULE": "backend.settings",
            "FCM_BATCH_SIZE": str(BATCH), "FCM_BATCHES_IN_FLIGHT": str(IN_FLIGHT),
        })
        harness.manage(env, "migrate", "--noinput")
        figures: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.repeat):
            for procs in (1, 2):
                figures.setdefault(("bare", procs), []).append(run_bare(env, procs, args.messages))
                figures.setdefault(("pipeline", procs), []).append(run_pipeline(env, procs, args.messages, work))
                print(f"  {procs} process(es): bare {figures['bare', procs][-1]:.0f} msg/s, "
                      f"pipeline {figures['pipeline', procs][-1]:.0f} msg/s", flush=True)
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"\nPUSH, {args.messages} messages, median of {args.repeat} (batches of {BATCH}, {IN_FLIGHT} in flight)")
    print(f"{'processes':>10} {'bare SDK msg/s':>15} {'pipeline msg/s':>15} {'pipeline/bare':>14}  goal")
    for procs in (1, 2):
        ratio = med["pipeline", procs] / med["bare", procs]
        print(f"{procs:>10} {med['bare', procs]:>15.0f} {med['pipeline', procs]:>15.0f} {ratio:>14.2f}  ≥ 0.85 "
              f"{'met' if ratio >= 0.85 else 'MISSED'}")
    for side in ("bare", "pipeline"):
        ratio = med[side, 2] / med[side, 1]
        print(f"{side + ' 2 / 1 processes':>30} {ratio:>6.2f}  ≥ 1.5 {'met' if ratio >= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
