"""The console page of router model versions: the live one, and each retrain's decision with its reason."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    out = tmp_path / "nlp-model"
    out.mkdir()
    (out / "meta.json").write_text(json.dumps({"version": "kind-lin-0000beef", "n_train": 5360, "n_corrections": 12}))
    history = [
        {"at": "2026-12-01T03:00:00+00:00", "decision": "promoted", "version": "kind-lin-0000beef",
         "replaces": "kind-lin-0000cafe", "reason": "no headline figure dropped by more than 0.005",
         "figures": {"worst": {"macro_f1": 0.9271}}},
        {"at": "2026-12-07T03:00:00+00:00", "decision": "refused", "version": "kind-lin-0000dead",
         "replaces": "kind-lin-0000beef", "reason": "heldout2.jsonl macro_f1 0.9271 → 0.9100",
         "figures": {"worst": {"macro_f1": 0.91}}},
    ]
    (tmp_path / "nlp-model-history.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
    monkeypatch.setenv("RELAY_NLP_MODEL_DIR", str(out))
    return out


def test_the_models_page_shows_the_live_version_and_why_each_retrain_was_refused_or_promoted(
    bank, browser_for, model_dir,
) -> None:
    page = browser_for(bank.admin).get(reverse("console:models"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "kind-lin-0000beef" in html
    assert "refused" in html and "heldout2.jsonl macro_f1 0.9271 → 0.9100" in html
    assert html.index("kind-lin-0000dead") < html.index("kind-lin-0000cafe")  # newest first


def test_the_models_page_is_not_for_employees_or_editors(bank, browser_for, model_dir) -> None:
    assert browser_for(bank.emma).get(reverse("console:models")).status_code == 403
    assert browser_for(bank.mark).get(reverse("console:models")).status_code == 403
