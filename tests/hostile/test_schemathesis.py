"""schemathesis over the whole OpenAPI schema, against the real ASGI server, signed in as each role:
no 5xx, documented status codes and content types, every response matches its schema."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402 - benchmarks/ is not a package; its folder goes on sys.path first

# The roles whose permissions differ most; the full role × endpoint matrix is in the permission tests.
ROLES = {
    "employee": "emma@relay.demo", "sales": "sam@relay.demo", "editor": "mark@relay.demo", "anonymous": None,
}
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, dict[str, str], Path]]:
    db = tmp_path_factory.mktemp("schemathesis") / "relay.sqlite3"
    env = harness.base_env(f"sqlite:///{db}")
    harness.prepare_database(env, passwords=False)
    tokens = harness.tokens_for(env, [e for e in ROLES.values() if e])
    with harness.asgi_server(env, workers=1) as url:
        # With DEBUG off the schema itself needs sign-in (issue 15): fetched once signed in, before any
        # run can log a role out (`POST /auth/logout/ {"everywhere": true}` is in the schema too).
        schema = tmp_path_factory.mktemp("schema") / "schema.json"
        response = httpx.get(f"{url}/api/v1/schema/?format=json", timeout=30,
                             headers={"Authorization": f"Bearer {tokens['emma@relay.demo']}"})
        response.raise_for_status()
        schema.write_bytes(response.content)
        yield url, tokens, schema


@pytest.mark.parametrize("role", list(ROLES))
def test_api_conforms_to_its_schema(server, role, capsys) -> None:
    url, tokens, schema_file = server
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a dev dependency"
    headers = ["-H", f"Authorization: Bearer {tokens[ROLES[role]]}"] if ROLES[role] else []
    # A signed-in run must not log its own role out everywhere halfway (every later request a 401).
    logout = ["--exclude-path", "/api/v1/auth/logout/"] if ROLES[role] else []
    # The coverage phase sends each parameter's boundaries (integers at and past their minimum and
    # maximum, dates, enums, missing and extra fields); fuzzing then sends examples from the schema.
    command = [st, "run", str(schema_file), "--url", url, *headers, "--checks", CHECKS, "--max-examples", "1",
               "--phases", "coverage,fuzzing", "--seed", "7",
               # Sign-in is throttled per address and per account and address by design (tests/hostile/test_ways_in.py).
               "--exclude-path", "/api/v1/auth/token/", *logout]
    started = time.monotonic()
    with capsys.disabled():  # a minute or more per role: say what runs, so `make test` does not look hung
        print(f"\nschemathesis [{role}]: coverage and fuzzing phases over every operation ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    summary = next((line.strip() for line in reversed(result.stdout.splitlines()) if line.strip()), "")
    with capsys.disabled():
        print(f"schemathesis [{role}]: {summary} ({time.monotonic() - started:.0f} s)", flush=True)

    assert result.returncode == 0, result.stdout[-6000:]
    assert "passed" in result.stdout
