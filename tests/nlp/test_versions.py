"""Retraining behind the gate, rollback, and the cleaning of corrections (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.corpus import train_files
from nlp.corrections import clean_corrections
from nlp.versions import MAX_DROP, gate, history, retrain, rollback


def test_corrections_are_redacted_deduplicated_and_contradictions_flagged():
    rows = (
        [{"text": "Buurman wil hypotheek, bel 06-12345678", "kind": "lead"}] * 2
        + [{"text": "buurman wil  hypotheek, bel 06-87654321", "kind": "lead"}]
        + [{"text": "pas kwijt", "kind": "complaint"}] * 3
        + [{"text": "Pas kwijt", "kind": "feedback"}]
        + [{"text": "idee: donkere modus", "kind": "feedback"}, {"text": "idee: donkere modus", "kind": "lead"}]
    )
    kept, flagged = clean_corrections(rows)
    assert sorted((r["text"].lower(), r["kind"]) for r in kept) == [
        ("buurman wil hypotheek, bel [phone]", "lead"), ("pas kwijt", "complaint"),
    ]
    assert all("06-" not in r["text"] for r in kept + flagged)
    assert sorted((r["text"].lower(), r["kind"]) for r in flagged) == [
        ("idee: donkere modus", "feedback"), ("idee: donkere modus", "lead"), ("pas kwijt", "feedback"),
    ]
    assert "contradicts 3" in next(r["flag"] for r in flagged if r["text"] == "Pas kwijt")


def test_the_gate_refuses_a_drop_of_more_than_half_a_point_on_either_split():
    live = {"heldout.jsonl": {"macro_f1": 0.95, "urgent_recall": 0.93}, "heldout2.jsonl": {"macro_f1": 0.92}}
    within = {"heldout.jsonl": {"macro_f1": 0.95 - MAX_DROP + 1e-4, "urgent_recall": 0.99},
              "heldout2.jsonl": {"macro_f1": 0.93}}
    assert gate(within, live) == []
    dropped = {**within, "heldout2.jsonl": {"macro_f1": 0.92 - MAX_DROP - 1e-3}}
    assert gate(dropped, live) == ["heldout2.jsonl macro_f1 0.9200 → 0.9140"]
    assert gate({}, live)  # a figure the candidate lacks counts as a drop


@pytest.fixture
def small_corpus(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    for path in train_files():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:40]
        (directory / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("RELAY_NLP_CORPUS_DIR", str(directory))
    return directory


@pytest.mark.timeout(400)  # three small trainings, each measured on both held-out splits
def test_retrain_promotes_refuses_with_a_reason_and_rolls_back(small_corpus, tmp_path):
    out = tmp_path / "model"
    first = retrain(out=out)
    assert first["decision"] == "promoted" and first["reason"] == "no live model"

    # Corrections that teach the opposite of the corpus: the candidate gets worse and is refused.
    poison = tmp_path / "poison.jsonl"
    kinds = ["lead", "referral", "friend_discount", "feedback", "complaint"]
    rows = [json.loads(line) for p in sorted(small_corpus.glob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines()]
    poison.write_text("".join(json.dumps({"text": r["text"], "kind": kinds[(kinds.index(r["kind"]) + 1) % 5]}) + "\n"
                              for r in rows for _ in range(3)), encoding="utf-8")
    refused = retrain(out=out, corrections=[poison])
    assert refused["decision"] == "refused"
    assert "macro_f1" in refused["reason"]
    assert json.loads((out / "meta.json").read_text())["version"] == first["version"]  # still live

    harmless = tmp_path / "harmless.jsonl"
    harmless.write_text(json.dumps({"text": "zebra giraffe olifant", "kind": "referral"}) + "\n", encoding="utf-8")
    second = retrain(out=out, corrections=[harmless])
    assert second["decision"] == "promoted", second["reason"]
    assert second["version"] != first["version"]
    assert json.loads((out / "meta.json").read_text())["version"] == second["version"]

    back = rollback(out=out)
    assert back["version"] == first["version"]
    assert json.loads((out / "meta.json").read_text())["version"] == first["version"]
    assert [h["decision"] for h in history(out)] == ["promoted", "refused", "promoted", "rolled back"]
