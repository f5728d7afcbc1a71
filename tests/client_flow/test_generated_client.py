"""Issue 16.7: the schema, checked by generated clients. Against a real uvicorn with the demo bank:
openapi-python-client generates the Python client from the live schema, mypy checks the mobile
flow (mobile_flow.py) against its types, and the flow runs; openapi-typescript makes TypeScript
types from the same schema when node is there."""
from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402 - benchmarks/ is not a package; its folder goes on sys.path first

TOOLS = ROOT / "var" / "tools"
GENERATOR_VENV = TOOLS / "clientgen"
TS_DIR = TOOLS / "openapi-typescript"
TS_VERSION = "7.13.0"
PACKAGE = "relay_mobile_api_client"  # from the schema's title, "Relay mobile API"


def _generator_pin() -> str:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return next(r for r in extras["clientgen"] if r.startswith("openapi-python-client"))


def _generator() -> Path:
    """openapi-python-client in its own venv under var/, installed on first use (it cannot live in
    the project's venv: see the `clientgen` extra in pyproject.toml)."""
    binary = GENERATOR_VENV / "bin" / "openapi-python-client"
    if binary.exists():
        return binary
    print(f"\nclient_flow: installing {_generator_pin()} into {GENERATOR_VENV} (once)", file=sys.__stderr__)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(GENERATOR_VENV)], check=True, capture_output=True)
        subprocess.run([str(GENERATOR_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", _generator_pin()],
                       check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(GENERATOR_VENV, ignore_errors=True)
        detail = getattr(exc, "stderr", "") or ""
        pytest.skip(f"{_generator_pin()} could not be installed from the package index into {GENERATOR_VENV} "
                    f"(no index reachable?): {str(detail)[-300:]}")
    return binary


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A real server with the demo bank (demo passwords), and its schema as JSON on disk."""
    work = tmp_path_factory.mktemp("client_flow")
    # The generated client is built from the schema as an operator would publish it for app developers.
    env = {**harness.base_env(f"sqlite:///{work / 'relay.sqlite3'}"), "API_DOCS_PUBLIC": "1"}
    harness.prepare_database(env, passwords=True)
    with harness.asgi_server(env, workers=1) as url:
        schema = httpx.get(f"{url}/api/v1/schema/", params={"format": "json"}, timeout=30)
        schema.raise_for_status()
        path = work / "schema.json"
        path.write_text(schema.text)
        yield url, path


@pytest.fixture(scope="module")
def generated(live, tmp_path_factory) -> Path:
    """The generated Python client's folder (holding the package `relay_mobile_api_client`)."""
    _url, schema = live
    out = tmp_path_factory.mktemp("generated")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run on the generated code
    result = subprocess.run(
        [str(_generator()), "generate", "--path", str(schema), "--meta", "none", "--config", str(config)],
        cwd=out, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert (out / PACKAGE / "client.py").exists()
    return out


def test_the_mobile_flow_type_checks_against_the_generated_client(generated) -> None:
    config = generated / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\nfollow_imports = silent\n")

    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental",
         str(ROOT / "tests" / "client_flow" / "mobile_flow.py")],
        cwd=generated, env={"MYPYPATH": str(generated), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_mobile_flow_runs_with_the_generated_client(live, generated, monkeypatch) -> None:
    url, _schema = live
    monkeypatch.syspath_prepend(str(generated))
    flow = importlib.import_module("tests.client_flow.mobile_flow")

    done = flow.run(url, email="emma@relay.demo", password="relay-demo")

    assert done["retried"] == done["signal"] and done["signal"] in done["mine"]
    assert done["view"] == "submitter"
    assert done["unregistered"] == 204 and done["logout"] == 205
    assert done["feed"] >= 1 and str(done["tracked_url"]).startswith(url + "/s/")


def test_typescript_types_are_generated_from_the_schema(live, tmp_path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("node/npm is not installed: the TypeScript types (openapi-typescript) are not checked here")
    binary = TS_DIR / "node_modules" / ".bin" / "openapi-typescript"
    if not binary.exists():
        TS_DIR.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--cache", str(TOOLS / "npm-cache"),
             f"openapi-typescript@{TS_VERSION}"], cwd=TS_DIR, capture_output=True, text=True, timeout=600,
        )
        if installed.returncode != 0:
            pytest.skip(f"openapi-typescript@{TS_VERSION} could not be installed from the npm registry: "
                        f"{installed.stderr[-300:]}")
    _url, schema = live

    result = subprocess.run([str(binary), str(schema), "-o", str(tmp_path / "relay.d.ts")],
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
    types = (tmp_path / "relay.d.ts").read_text()
    assert '"Idempotency-Key"?: string' in types
    assert 'view: "team"' in types and 'view: "submitter"' in types
    assert json.loads(schema.read_text())["components"]["schemas"]["SignalStatusEnum"]["enum"]
