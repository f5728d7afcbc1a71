"""A new story to N devices: messages per second delivered through the real firebase-admin SDK to a
fake FCM server on 127.0.0.1, and peak memory, for growing audiences.

    .venv/bin/python benchmarks/push_bench.py [--sizes 1000 5000 10000]

Each size runs in a fresh process (its own SQLite database), so "max RSS" is that audience's peak,
not the largest so far. The timed part is the real path: `notifications.services.dispatch()` of
the story's ids, the Celery task `notifications.deliver` per NOTIFICATION_TASK_CHUNK rows (run
eagerly, in-process), claim, send_each_async batches, progress and outcome writes.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run for one size
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    print(f"{'devices':>8} {'seconds':>8} {'msgs/s':>8} {'max RSS MiB':>12} {'RSS growth MiB':>15} {'batches':>8}")
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=900)
        print(out.stdout.strip().splitlines()[-1], flush=True)


def one(size: int) -> None:
    port = harness.free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "benchmarks.fake_fcm_app:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=ROOT, start_new_session=True)
    db = harness.BENCH_DIR / f"push-{size}.sqlite3"
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ.update(harness.base_env(f"sqlite:///{db}"))
    key = harness.BENCH_DIR / f"bench-service-account-{size}.json"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key.write_text(json.dumps({"type": "service_account", "project_id": "relay-bench", "private_key_id": "k",
                               "private_key": pem, "client_email": "bench@relay-bench.iam.gserviceaccount.com",
                               "client_id": "1", "token_uri": f"http://127.0.0.1:{port}/token"}))
    os.environ["FIREBASE_CREDENTIALS"] = str(key)
    # Queue (in memory) while the story is published; the delivery is what is timed.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from firebase_admin import messaging
        from google.auth import _regional_access_boundary_utils as rab

        from backend.celery import app as celery_app
        from backend.people.models import User
        from notifications.models import Device, Notification
        from notifications.services import Draft, dispatch, notify

        # The endpoints are patched, not our code: this is the real SDK talking to a local server.
        messaging._MessagingService.FCM_URL = f"http://127.0.0.1:{port}/v1/projects/{{0}}/messages:send"
        rab.get_service_account_rab_endpoint = lambda email: f"http://127.0.0.1:{port}/x/allowedLocations"
        call_command("migrate", verbosity=0)
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        users = User.objects.bulk_create(User(email=f"bench{i}@relay.test") for i in range(size))
        Device.objects.bulk_create(Device(user=u, token=f"bench-token-{u.pk:08d}-" + "x" * 120,
                                          platform="android") for u in users)
        ids = [n.pk for n in notify([
            Draft(user_id=u.pk, type="story.published", category="new_stories", title="A new story for you",
                  body="Our bank funds 200 local solar roofs", data={"type": "story", "id": "1"},
                  collapse_key="story-1")
            for u in users])]
        del users
        sdk_calls = [0]
        real = messaging.send_each_async

        async def counted(messages, dry_run=False, app=None):  # type: ignore[no-untyped-def]
            sdk_calls[0] += 1
            return await real(messages, dry_run=dry_run, app=app)

        messaging.send_each_async = counted
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        celery_app.conf.task_always_eager = True
        started = time.perf_counter()
        dispatch(ids)
        elapsed = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        states = dict(Notification.objects.filter(pk__in=ids).values_list("push_state").annotate(
            n=django.db.models.Count("pk")))
        count = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5))["messages"]
        assert states == {"sent": size} and count == size, (states, count)
        print(f"{size:8d} {elapsed:8.2f} {size / elapsed:8.0f} {rss:12.0f} {rss - rss_before:15.1f} {sdk_calls[0]:8d}")
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
