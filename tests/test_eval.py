"""The scorer (vendored in eval/) on our own export of the seeds: the seed row of the corpus, pinned.

The corpus as a whole is scored by `make eval-check` (eval/floors.toml), run by .ci/run."""
from __future__ import annotations

import importlib.util
import json
import tomllib

import pytest

from tests.conftest import EVAL_DIR


def _scorer():
    path = EVAL_DIR / "evaluate.py"
    spec = importlib.util.spec_from_file_location("evaluate", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture()
def scored(cli, seeded, tmp_path):
    mod = _scorer()
    out = tmp_path / "export.json"
    cli("export", "--output", str(out))
    gold = tomllib.loads((EVAL_DIR / "dossiers" / "seeds" / "gold.toml").read_text(encoding="utf-8"))
    return mod.score(gold, json.loads(out.read_text(encoding="utf-8")))


def test_every_letter_found_and_every_gold_quote_inside_one_statement(scored):
    assert scored["letters_found"] == "5/5"
    assert scored["quotes_unmatched"] == 0, scored["unmatched"]


def test_topic_scores_on_the_seeds(scored):
    assert scored["topic_macro_f1"] >= 0.95, scored["per_topic"]
    for topic, s in scored["per_topic"].items():
        assert s["f1"] >= 0.90, (topic, s)


def test_change_scores_on_the_seeds(scored):
    assert scored["change_recall"] == 1.0, scored["missed_changes"]
    assert scored["pair_recall"] == 1.0, scored["missed_pairs"]
    assert scored["forbidden_reported"] == 0, scored["forbidden"]


def test_the_change_signal_on_the_seeds(scored):
    assert scored["entry_items_median"] <= 5
    assert scored["judged_precision"] >= 0.8, scored["judged_noise_published"]
    assert scored["judged_recall"] >= 0.875
    assert scored["headline_top3"] == 1.0, scored["headline_ranks"]
