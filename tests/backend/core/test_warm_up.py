"""Each server worker pays its one-time costs at start-up, not on its first request."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# A fresh interpreter: what the warm-up leaves behind must not depend on what the suite imported.
PROBE = """
import gc, sys, threading
import backend.asgi
warm = next(t for t in threading.enumerate() if t.name == "relay-warm-up")
warm.join(120)
import nlp.router
print(int("mobile_api.v1.signals" in sys.modules), len(nlp.router._routers), gc.get_freeze_count())
"""


def test_the_warm_up_imports_the_views_loads_the_model_and_freezes_start_up_objects(tmp_path) -> None:
    env = {"DEBUG": "1", "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    views_imported, model_loaded, frozen = map(int, out.stdout.split())
    assert views_imported == 1  # the URLconf was imported, views and all
    assert model_loaded == 1
    assert frozen > 50_000  # Django, DRF, the views and the model are out of the collector's way
