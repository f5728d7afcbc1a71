"""Deterministic training, corrections, staleness: on a small corpus so the tests stay fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.corpus import KINDS, load_jsonl, train_files
from nlp.router import Router
from nlp.training import CONFIG, dev_split, is_stale, train

SMALL_CONFIG = {**CONFIG, "linear": {**CONFIG["linear"], "max_iter": 300}}
PROBES = [
    "kan mijn zus de personeelskorting krijgen?",
    "kortet er spærret og ingen svarer",
    "my neighbour wants a mortgage quote",
]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """20 lines per file from the real corpus: enough for every kind, quick to train."""
    directory = tmp_path_factory.mktemp("corpus")
    for path in train_files():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:20]
        (directory / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _train(corpus: Path, out: Path, **kwargs) -> dict:
    return train(out=out, files=sorted(corpus.glob("*.jsonl")), config=SMALL_CONFIG, quiet=True,
                 evaluate_dev=False, **kwargs)


def test_training_twice_gives_the_same_version_and_identical_scores(small_corpus, tmp_path):
    first = _train(small_corpus, tmp_path / "a")
    second = _train(small_corpus, tmp_path / "b")
    assert first["version"] == second["version"]
    assert Router(tmp_path / "a").kind_scores(PROBES) == Router(tmp_path / "b").kind_scores(PROBES)
    assert (tmp_path / "a" / "urgency.json").read_bytes() == (tmp_path / "b" / "urgency.json").read_bytes()


def test_corrections_change_the_version_and_are_learned(small_corpus, tmp_path):
    base = _train(small_corpus, tmp_path / "base")
    corrections = tmp_path / "corrections.jsonl"
    text = "zebra giraffe olifant"
    corrections.write_text("".join(json.dumps({"text": text, "kind": "referral"}) + "\n" for _ in range(30)))
    corrected = _train(small_corpus, tmp_path / "corrected", extra=[corrections])
    assert corrected["version"] != base["version"]
    assert corrected["fingerprint"] == base["fingerprint"]  # ensure keeps a corrected model
    scores = Router(tmp_path / "corrected").kind_scores([text])[0]
    assert max(KINDS, key=scores.__getitem__) == "referral"


def test_is_stale_follows_the_corpus(small_corpus, tmp_path):
    files = sorted(small_corpus.glob("*.jsonl"))
    assert is_stale(tmp_path / "m", files, SMALL_CONFIG)
    _train(small_corpus, tmp_path / "m")
    assert not is_stale(tmp_path / "m", files, SMALL_CONFIG)
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in files:
        (changed / path.name).write_bytes(path.read_bytes())
    with open(changed / files[0].name, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "nieuwe regel", "kind": "feedback"}) + "\n")
    assert is_stale(tmp_path / "m", sorted(changed.glob("*.jsonl")), SMALL_CONFIG)


def test_dev_split_holds_out_whole_hard_case_families(small_corpus):
    examples = [e for p in sorted(small_corpus.glob("*.jsonl")) for e in load_jsonl(p)]
    train_part, dev = dev_split(examples)
    train_families = {e.hard_case for e in train_part if e.hard_case}
    dev_families = {e.hard_case for e in dev if e.hard_case}
    assert not train_families & dev_families
    assert len(train_part) + len(dev) == len(examples)


def test_load_jsonl_skips_broken_and_unknown_lines(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok", "kind": "lead"}\n{"text": "x", "kind": "spam"}\n{"text": "half', encoding="utf-8")
    assert [e.text for e in load_jsonl(path)] == ["ok"]


def test_every_corpus_line_is_well_formed():
    """The checks the corpus writers ran: known kind, language and family fields; a secondary kind differs
    from the kind; urgent only on complaints; every contact is a literal substring; no line twice."""
    import json

    seen: set[str] = set()
    for path in train_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line)
            where = f"{path.name}:{number}"
            assert row["kind"] in KINDS and row["text"].strip(), where
            assert row.get("language") in {"nl", "da", "en", "no", "sv"}, where
            assert row.get("secondary_kind") in (None, *KINDS) and row.get("secondary_kind") != row["kind"], where
            assert not row.get("urgent") or row["kind"] == "complaint", where
            for contact in row.get("phones", []) + row.get("emails", []):
                assert contact in row["text"], where
            key = " ".join(row["text"].lower().split())
            assert key not in seen, where
            seen.add(key)
