"""The ASGI application a server worker imports: Django for HTTP, Channels for websockets, and
nothing running beside them — no thread of its own, no frozen heap."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: what importing the application leaves behind must not depend on the suite.
PROBE = """
import gc, sys, threading
import backend.asgi
print(int("mobile_api.v1.signals" in sys.modules), threading.active_count(), gc.get_freeze_count())
"""


def test_importing_the_application_loads_the_views_and_starts_no_thread(tmp_path: Path) -> None:
    env = {"DEBUG": "1", "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    views_imported, threads, frozen = map(int, out.stdout.split())
    assert views_imported == 1  # the URLconf was imported at start-up, not by the first request
    assert threads == 1
    assert frozen == 0
