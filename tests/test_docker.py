"""docker-compose.yml and the Dockerfile, read as data: no Docker engine runs here, so the
properties issue 16 asks of the stack are held by parsing the files."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if name not in {"db", "redis"}}


def test_every_app_service_runs_the_one_image_built_once() -> None:
    app = _app_services(_compose())
    assert set(app) == {"migrate", "web", "worker", "beat"}
    assert {s["image"] for s in app.values()} == {"relay:local"}
    builders = [name for name, s in app.items() if "build" in s]
    assert builders == ["migrate"]
    for name, service in app.items():
        if name != "migrate":
            assert service["pull_policy"] == "never", name
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_every_service_has_a_restart_policy() -> None:
    services = _compose()["services"]
    missing = [name for name, s in services.items() if "restart" not in s]
    assert not missing
    assert services["migrate"]["restart"] == "on-failure"  # a one-off must not loop once done


def test_beat_is_its_own_service_so_that_workers_can_scale() -> None:
    services = _compose()["services"]
    assert "--beat" not in services["worker"]["command"] and " -B" not in services["worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A backend beat")
    assert sum("beat" in str(s.get("command", "")) for s in services.values()) == 1


def test_a_trial_stack_can_give_the_demo_logins_their_password() -> None:
    env = _compose()["x-app-env"]
    assert env["RELAY_DEMO_PASSWORDS"] == "${RELAY_DEMO_PASSWORDS:-0}"  # off unless asked for
    assert env["DEBUG"] == "${DEBUG:-0}"


def _dockerfile_steps() -> list[str]:
    """The instructions, each on one line (continuations joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line for line in text.splitlines() if re.match(r"^[A-Z]+ ", line)]


def test_the_dockerfile_installs_dependencies_and_trains_before_copying_the_code() -> None:
    steps = _dockerfile_steps()
    copy_all = steps.index("COPY . .")
    install = next(i for i, s in enumerate(steps) if "pip install -c constraints.txt -r" in s)
    train = next(i for i, s in enumerate(steps) if "python -m nlp ensure" in s)
    assert install < train < copy_all
    # Only the files the cached layers depend on are copied before the code.
    early = [s for s in steps[:copy_all] if s.startswith("COPY ")]
    assert early == ["COPY pyproject.toml constraints.txt ./", "COPY nlp/ nlp/", "COPY fixtures/nlp/ fixtures/nlp/"]


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [step.split()[1] for step in _dockerfile_steps() if step.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}


def test_apt_installs_no_recommended_packages() -> None:
    for path in ("Dockerfile", ".ci/run"):
        installs = re.findall(r"apt-get install[^\n]*", (ROOT / path).read_text())
        assert installs, path
        assert all("--no-install-recommends" in line for line in installs), (path, installs)
