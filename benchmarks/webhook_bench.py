"""Webhook deliveries per second to a local receiver, as a ratio to pushes per second through the
same path (issue 18):

    .venv/bin/python benchmarks/webhook_bench.py [--messages 2000] [--repeat 3]

Both sides are the one outbox path: rows written in one transaction, `notifications.deliver` queued
on commit, one `celery worker --concurrency 1` (prefork, Redis broker, PostgreSQL) that leases the
rows and marks them done. The clock runs from the commit to the last row marked done.

- pushes: benchmarks/push_bench.py's pipeline (the real firebase-admin SDK against the fake FCM:
  hypercorn, HTTP/2 over TLS, batches of 500).
- webhooks: one subscription, N `story.published` events (each its own ordering key), signed with
  `standardwebhooks` and POSTed one by one (httpx, HTTP/1.1 keep-alive) to tests/integrations/receiver.py
  in a process of its own (uvicorn), which verifies every signature with the library's verifier.

Printed: webhooks/s, pushes/s (median of the repeats) and their ratio. There is no goal to meet:
a push is one of 500 messages in a batch, a webhook one signed request awaiting its receiver's answer.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
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
import push_bench  # noqa: E402
from harness import ensure_postgres_db  # noqa: E402

PY = sys.executable


def webhook_child(count: int, url: str, secret: str) -> None:
    """Write one subscription and `count` events in one transaction; prints the commit time."""
    import django

    django.setup()
    from django.db import transaction

    from backend.people.models import Team
    from notifications.models import WebhookSubscription
    from notifications.services import WebhookDraft, outbox_write

    WebhookSubscription.objects.update(active=False)  # the last run's subscription takes no more events
    stamp = time.time_ns()
    team = Team.objects.create(name=f"bench {stamp}", slug=f"bench-{stamp}")
    sub = WebhookSubscription.objects.create(team=team, url=url, secret=secret, events=["story.published"])
    committed = [0.0]
    with transaction.atomic():
        transaction.on_commit(lambda: committed.__setitem__(0, time.time()))  # runs before the outbox's
        outbox_write(webhooks=[WebhookDraft(type="story.published", ordering_key=f"story:{i}",
                                            payload={"story_id": i, "title": "Solar roofs", "language": "nl"})
                               for i in range(count)])
    print(json.dumps({"committed": committed[0], "subscription": sub.pk}))


def sweep_child() -> None:
    """What beat does every minute: queue the sweeper (a task whose queueing failed under load)."""
    import django

    django.setup()
    from notifications.tasks import sweep_outbox

    sweep_outbox.delay()
    print("{}")


def wait_delivered(env: dict[str, str], subscription: int, count: int, timeout: float = 600) -> float:
    """Poll until `count` rows are delivered; the time of the last. A run that stalls for 10 s gets a
    sweep, as beat would give it (and the figure then includes that wait: it is the path's)."""
    import psycopg

    deadline = time.time() + timeout
    done, seen, stalled_since = 0, -1, time.time()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while time.time() < deadline:
            row = conn.execute(
                "SELECT count(*), extract(epoch FROM max(delivered_at)) FROM notifications_webhookdelivery "
                "WHERE subscription_id = %s AND state = 'delivered'", [subscription]).fetchone()
            done, last = row if row is not None else (0, None)
            if done >= count:
                return float(last)
            if done != seen:
                seen, stalled_since = done, time.time()
            elif time.time() - stalled_since > 10:
                print(f"  stalled at {done} of {count}: sweeping", flush=True)
                harness.run_child(__file__, env, "--sweep", "1")
                stalled_since = time.time()
            time.sleep(0.2)
    raise TimeoutError(f"only {done} of {count} delivered")


def run_webhooks(env: dict[str, str], count: int, url: str, secret: str, logs: Path) -> float:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    log = open(logs / "worker-webhooks.log", "a")  # noqa: SIM115 - closed with the worker
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "tests.hostile.celery_fake_fcm", "worker", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", "benchhooks@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        warm = json.loads(harness.run_child(__file__, env, "--webhooks", "20", "--url", url, "--secret", secret))
        wait_delivered(env, warm["subscription"], 20)
        out = json.loads(harness.run_child(__file__, env, "--webhooks", str(count), "--url", url, "--secret", secret))
        last = wait_delivered(env, out["subscription"], count)
        return count / (last - out["committed"])
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/relay_hookbench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--webhooks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    parser.add_argument("--sweep", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweep:
        sweep_child()
        return
    if args.webhooks:
        webhook_child(args.webhooks, args.url, args.secret)
        return

    if not ensure_postgres_db(args.postgres):
        sys.exit(1)
    work = harness.BENCH_DIR / "webhooks"
    work.mkdir(parents=True, exist_ok=True)
    port, token_port, hook_port = harness.free_port(), harness.free_port(), harness.free_port()
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    (work / "ca" / "fake-fcm-ca.pem").unlink(missing_ok=True)
    fake = subprocess.Popen([PY, "-m", "tests.notifications.fake_fcm", "--port", str(port), "--token-port",
                             str(token_port), "--ca-dir", str(work / "ca")], cwd=ROOT, start_new_session=True)
    receiver = subprocess.Popen([PY, "-m", "tests.integrations.receiver", "--port", str(hook_port), "--secret", secret],
                                cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{hook_port}/hooks/relay"
    try:
        for probe in (f"http://127.0.0.1:{token_port}/count", f"http://127.0.0.1:{hook_port}/count"):
            for _ in range(100):
                try:
                    urllib.request.urlopen(probe, timeout=1)
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
            "FCM_BATCH_SIZE": str(push_bench.BATCH), "FCM_BATCHES_IN_FLIGHT": str(push_bench.IN_FLIGHT),
            "WEBHOOK_ALLOW_PRIVATE": "1",
        })
        harness.manage(env, "migrate", "--noinput")
        hooks: list[float] = []
        pushes: list[float] = []
        for _ in range(args.repeat):
            hooks.append(run_webhooks(env, args.messages, url, secret, work))
            # push_bench's children are started from its own file: same env, same path.
            pushes.append(push_bench.run_pipeline(env, 1, args.messages, work))
            print(f"  webhooks {hooks[-1]:.0f}/s, pushes {pushes[-1]:.0f}/s", flush=True)
        answer = urllib.request.urlopen(f"http://127.0.0.1:{hook_port}/count", timeout=5)
        applied, duplicates = answer.headers["x-applied"], answer.headers["x-duplicates"]
    finally:
        for proc in (fake, receiver):
            proc.terminate()
            proc.wait(timeout=10)

    hook, push = statistics.median(hooks), statistics.median(pushes)
    print(f"\nWEBHOOKS vs PUSHES, {args.messages} events, 1 worker process, median of {args.repeat}")
    print(f"{'webhooks/s':>12} {'pushes/s':>10} {'ratio':>7}")
    print(f"{hook:>12.0f} {push:>10.0f} {hook / push:>7.2f}")
    print(f"receiver: {applied} events applied, {duplicates} duplicates, every signature verified")


if __name__ == "__main__":
    main()
