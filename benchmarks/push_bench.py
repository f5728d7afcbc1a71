"""A new story to N devices: messages per second delivered through the real firebase-admin SDK to a
fake FCM server on 127.0.0.1, and peak memory, for growing audiences.

    .venv/bin/python benchmarks/push_bench.py [--sizes 1000 5000 10000]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args()

    port = harness.free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "benchmarks.fake_fcm_app:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=ROOT, start_new_session=True)
    db = harness.BENCH_DIR / "push.sqlite3"
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ.update(harness.base_env(f"sqlite:///{db}"))
    key = harness.BENCH_DIR / "bench-service-account.json"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key.write_text(json.dumps({"type": "service_account", "project_id": "relay-bench", "private_key_id": "k",
                               "private_key": pem, "client_email": "bench@relay-bench.iam.gserviceaccount.com",
                               "client_id": "1", "token_uri": f"http://127.0.0.1:{port}/token"}))
    os.environ["FIREBASE_CREDENTIALS"] = str(key)
    # Queue (in memory) instead of delivering inside notify(): the delivery is what is timed.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from firebase_admin import messaging
        from google.auth import _regional_access_boundary_utils as rab

        from backend.people.models import User
        from notifications import delivery, push
        from notifications.models import Device
        from notifications.services import Draft, notify

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

        print(f"{'devices':>8} {'seconds':>8} {'msgs/s':>8} {'peak MiB (tracemalloc)':>23} {'max RSS MiB':>12}")
        made = 0
        for size in args.sizes:
            if made < size:
                users = User.objects.bulk_create(User(email=f"bench{i}@relay.test") for i in range(made, size))
                Device.objects.bulk_create(Device(user=u, token=f"bench-token-{u.pk:08d}-" + "x" * 120,
                                                  platform="android") for u in users)
                made = size
            recipients = list(User.objects.filter(email__startswith="bench").values_list("pk", flat=True)[:size])
            rows = notify([Draft(user_id=uid, type="story.published", category="new_stories",
                                 title="A new story for you", body="Our bank funds 200 local solar roofs",
                                 data={"type": "story", "id": "1"}, collapse_key="story-1") for uid in recipients])
            ids = [n.pk for n in rows]
            push.reset_app()
            # The SDK mounts a 100-connection pool for https://fcm.googleapis.com only; give the local
            # stand-in the same pool, or every request past the 10th opens a new TCP connection.
            import requests
            from firebase_admin import _utils

            service = _utils.get_app_service(push._app(), "_messaging", messaging._MessagingService)
            service._client.session.mount(f"http://127.0.0.1:{port}", requests.adapters.HTTPAdapter(
                pool_connections=100, pool_maxsize=100))
            tracemalloc.start() if os.environ.get("TRACE") else None
            started = time.perf_counter()
            # As the tasks do: one delivery per chunk of NOTIFICATION_TASK_CHUNK rows.
            from django.conf import settings as dj

            report = delivery.DeliveryReport()
            for start in range(0, len(ids), dj.NOTIFICATION_TASK_CHUNK):
                part = delivery.deliver(notification_ids=ids[start:start + dj.NOTIFICATION_TASK_CHUNK])
                report.sent += part.sent
                report.messages += part.messages
                report.retry_ids += part.retry_ids
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if tracemalloc.is_tracing() else 0.0
            tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if report.sent != size:
                from notifications.models import Notification
                print("errors:", set(Notification.objects.filter(pk__in=report.retry_ids).values_list("last_error", flat=True)))
            assert report.sent == size, report.retry
            print(f"{size:8d} {elapsed:8.2f} {report.messages / elapsed:8.0f} {peak:23.1f} {rss:12.0f}")
        count = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/count"))["messages"]
        print(f"fake FCM accepted {count} messages in all")
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
