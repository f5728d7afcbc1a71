"""Accuracy floor on the repo's held-out split (written independently of the training corpus).

The floors sit a little below the figures measured when the model was built (see
fixtures/nlp/README.md), so a regression fails CI while retraining noise does not.
"""

from __future__ import annotations

import pytest

from nlp.corpus import heldout_files, load_jsonl
from nlp.evaluation import evaluate_examples

# measured on kind-bow-47f044e5: macro-F1 0.945 (da 0.944, en 0.952, nl 0.940), language ID 1.000,
# urgent recall 0.933 / precision 0.800, phone and e-mail recall 1.00; short_langid.jsonl language ID 1.000.
MACRO_F1_FLOOR = 0.93
LANGUAGE_MACRO_F1_FLOOR = 0.92
LANGUAGE_ID_FLOOR = 0.99
URGENT_RECALL_FLOOR = 0.90
URGENT_PRECISION_FLOOR = 0.78
PHONE_RECALL_FLOOR = 0.97
EMAIL_RECALL_FLOOR = 0.97
SHORT_LANGUAGE_ID_FLOOR = 0.98


@pytest.fixture(scope="module")
def heldout_report(router):
    files = [p for p in heldout_files() if p.name == "heldout.jsonl"]
    if not files:
        pytest.skip("no held-out split in fixtures/nlp/heldout/")
    return evaluate_examples(load_jsonl(files[0], require_kind=False), router=router)


def test_heldout_macro_f1_floor(heldout_report):
    assert heldout_report["macro_f1"] >= MACRO_F1_FLOOR


def test_heldout_macro_f1_floor_per_language(heldout_report):
    for language, figures in heldout_report["per_language"].items():
        assert figures["macro_f1"] >= LANGUAGE_MACRO_F1_FLOOR, language


def test_heldout_language_id_urgency_and_contacts(heldout_report):
    assert heldout_report["language_id"]["accuracy"] >= LANGUAGE_ID_FLOOR
    assert heldout_report["urgent"]["recall"] >= URGENT_RECALL_FLOOR
    assert heldout_report["urgent"]["precision"] >= URGENT_PRECISION_FLOOR
    assert heldout_report["contacts"]["phones"]["recall"] >= PHONE_RECALL_FLOOR
    assert heldout_report["contacts"]["emails"]["recall"] >= EMAIL_RECALL_FLOOR


def test_short_language_id_probes(router):
    files = [p for p in heldout_files() if p.name == "short_langid.jsonl"]
    if not files:
        pytest.skip("no short language-ID probes")
    report = evaluate_examples(load_jsonl(files[0], require_kind=False), router=router)
    assert report["language_id"]["accuracy"] >= SHORT_LANGUAGE_ID_FLOOR
