"""deploy/: the Prometheus alert rules pass `promtool check rules` and their unit tests, have what an
operator needs, and the rules and the Grafana dashboard use only metrics that /metrics exposes."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import service_unavailable

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
RULES = DEPLOY / "prometheus" / "relay-rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "relay-rules.test.yml"
DASHBOARD = DEPLOY / "grafana" / "relay.json"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        service_unavailable("promtool (Debian package prometheus; .ci/run installs it)")
    return str(found)


def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    tool = promtool()
    check = subprocess.run([tool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60, check=False)
    unit = subprocess.run([tool, "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent, capture_output=True,
                          text=True, timeout=60, check=False)

    assert check.returncode == 0, check.stdout + check.stderr
    assert unit.returncode == 0, unit.stdout + unit.stderr


def test_every_rule_has_what_an_operator_needs_and_the_issues_alerts_are_there() -> None:
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]

    for rule in rules:
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]
    assert {r["alert"] for r in rules} >= {
        "RelayOutboxStuck", "RelayPushFailureRatio", "RelaySLABreachesRising", "RelayCeleryBacklog", "RelayHTTP5xxRatio",
    }
    outbox = next(r for r in rules if r["alert"] == "RelayOutboxStuck")
    assert "> 300" in outbox["expr"]  # the issue's "oldest pending > 5 min"


def exposed_names(text: str) -> set[str]:
    names: set[str] = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.MULTILINE):
        names.add(name)
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return names


@pytest.mark.django_db
def test_the_rules_and_the_dashboard_use_only_metrics_that_metrics_exposes(api_client) -> None:
    exposed = exposed_names(api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode())
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += [r["expr"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]

    used = {name for expr in expressions for name in re.findall(r"\brelay_[a-z0-9_]+", expr)}

    assert used - exposed == set()
    assert len(used) >= 14  # the pipeline, the product and the per-view figures all have a panel or a rule
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
