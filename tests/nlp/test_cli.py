"""The command-line contract scripts rely on: ``python -m nlp classify|evaluate|ensure``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from nlp.corpus import KINDS

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_nlp(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nlp", *args], input=stdin, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )


def test_classify_reads_json_lines_and_writes_one_line_per_input_in_order(router):
    lines = [
        {"id": 1, "text": "mijn buurman wil een hypotheekofferte, bel 06-12345678"},
        {"id": "b", "text": "kortet er stjålet, spær det nu!"},
        {"id": None, "text": "idea: dark mode in the app please, mail me at ANNA@example.com"},
    ]
    proc = run_nlp("classify", stdin="".join(json.dumps(line) + "\n" for line in lines))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", None]
    assert all(
        set(o) == {"id", "kind", "scores", "confidence", "language", "urgent", "phones", "emails", "topics",
                   "secondary_kind", "model_version"} for o in out
    )
    assert [o["kind"] for o in out] == ["lead", "complaint", "feedback"]
    assert {o["model_version"] for o in out} == {router.version}
    assert all(o["secondary_kind"] is None or o["secondary_kind"] in KINDS for o in out)
    assert [o["language"] for o in out] == ["nl", "da", "en"]
    assert [o["urgent"] for o in out] == [False, True, False]
    assert out[0]["phones"] == ["+31612345678"]
    assert out[2]["emails"] == ["anna@example.com"]
    assert "mortgage" in out[0]["topics"]


def test_classify_answers_a_bad_line_with_an_error_line(router):
    proc = run_nlp("classify", stdin='not json\n{"id": 7}\n{"id": 8, "text": "hallo"}\n')
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [None, 7, 8]
    assert "error" in out[0] and "error" in out[1] and "kind" in out[2]


def test_evaluate_prints_the_metrics(router, tmp_path):
    sample = tmp_path / "sample.jsonl"
    sample.write_text(
        json.dumps({"text": "kan mijn zus de personeelskorting krijgen? 06-12345678", "kind": "friend_discount",
                    "language": "nl", "urgent": False, "phones": ["06-12345678"], "emails": [], "ibans": []}) + "\n"
        + json.dumps({"text": "card stolen, block it now", "kind": "complaint", "language": "en", "urgent": True,
                      "phones": [], "emails": [], "ibans": []}) + "\n",
        encoding="utf-8",
    )
    proc = run_nlp("evaluate", str(sample))
    assert proc.returncode == 0, proc.stderr
    for needle in ("macro-F1", "confusion", "language nl", "language ID accuracy", "urgent recall", "contact recall"):
        assert needle in proc.stdout


def test_ensure_is_a_fast_no_op_when_the_model_is_fresh(router):
    started = time.perf_counter()
    proc = run_nlp("ensure")
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stderr
    assert time.perf_counter() - started < 15


def test_classify_without_a_model_fails_clearly(tmp_path):
    proc = run_nlp("classify", "--model", str(tmp_path), stdin='{"id": 1, "text": "hoi"}\n')
    assert proc.returncode == 3
    assert "ensure" in proc.stderr
