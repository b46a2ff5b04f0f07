"""The corpus tools of eval/ (docs/evaluation.md): what CI's floors check, when a judged sheet still counts,
and that a verdict once given is carried to the same item in a new sheet."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "eval"))
corpus = importlib.import_module("corpus")
score = importlib.import_module("score")
judge = importlib.import_module("judge")


def _change(new: str, kind: str = "added", published: bool = True, topic: str = "migratie") -> dict:
    return {"topic": topic, "kind": kind, "letter": "l1", "old_text": None, "new_text": new, "published": published}


def test_the_output_version_follows_what_is_published_and_nothing_else():
    a = {"changes": [_change("Het kabinet verhoogt de steun."), _change("Een detail.", published=False)]}
    same = {"changes": [dict(_change("Het kabinet verhoogt de steun."), significance=0.9),
                        _change("Een ander detail.", published=False)]}
    other = {"changes": [_change("Het kabinet verlaagt de steun.")]}
    reaffirmed = {"changes": a["changes"] + [_change("Herhaald.", kind="reaffirmed")]}
    assert corpus.version(a) == corpus.version(same) == corpus.version(reaffirmed)
    assert corpus.version(a) != corpus.version(other)


def test_a_sheet_counts_only_for_the_output_it_judged(tmp_path: Path):
    folder = tmp_path / "d"
    (folder / "judged").mkdir(parents=True)
    item = '[[judged]]\ntopic = "migratie"\nkind = "added"\nnew = "Het kabinet"\nverdict = "{}"\n'
    (folder / "judged" / "v1.toml").write_text('version = "v1"\n' + item.format("genuine"), encoding="utf-8")
    (folder / "judged" / "v0.toml").write_text('version = "v0"\n' + item.format("noise"), encoding="utf-8")
    (folder / "judged" / "kept-v1.toml").write_text('version = "v1"\n' + item.format("noise"), encoding="utf-8")
    dossier = corpus.Dossier("d", "d", folder, folder, "", ())
    sheets = corpus.load_sheets(dossier, "v1")
    assert [i["verdict"] for i in sheets.current] == ["genuine"] and sheets.stale == 1  # kept sheets never count
    # every sheet, kept and stale ones too, is a source of verdicts to carry: one per item, the last sheet's
    assert corpus.all_verdicts(dossier) == {("migratie", "added", "Het kabinet", ""): ("genuine", "v1.toml")}


def test_a_verdict_is_carried_to_the_same_item_and_only_to_it():
    drawn = ('[[judged]]\ntopic = "migratie"\nkind = "added"\nnew = "Het kabinet verhoogt"\nverdict = ""\n\n'
             '[[judged]]\ntopic = "veiligheid"\nkind = "added"\nnew = "Het kabinet verhoogt"\nverdict = ""\n')
    body, carried = judge._carry(drawn, {("migratie", "added", "Het kabinet verhoogt", ""): ("genuine", "v0.toml")})
    assert carried == 1
    assert body.count('verdict = "genuine"   # carried from v0.toml') == 1 and body.count('verdict = ""') == 1


def test_the_floors_fail_a_macro_below_them(tmp_path: Path):
    floors = tmp_path / "floors.toml"
    floors.write_text("[floor]\nchange_recall = 0.5\njudged_precision_pooled = 0.3\n\n[ceiling]\nforbidden_reported = 0\n",
                      encoding="utf-8")
    good = {"change_recall": 0.5, "judged_precision_pooled": 0.31, "forbidden_reported": 0.0}
    assert score.check(good, floors) == []
    bad = {"change_recall": 0.49, "judged_precision_pooled": None, "forbidden_reported": 1.0}
    failures = score.check(bad, floors)
    assert len(failures) == 3 and any("judged_precision_pooled: None" in f for f in failures)


def test_the_seed_row_is_kept_out_of_the_corpus_macro():
    rows = [{"dossier": corpus.SEEDS, "change_recall": 1.0, "judged_precision": None, "judged_n": 0, "per_topic": {}},
            {"dossier": "mali", "change_recall": 0.2, "judged_precision": 0.5, "judged_n": 10, "per_topic": {}},
            {"dossier": "irak", "change_recall": 0.4, "judged_precision": 0.25, "judged_n": 30, "per_topic": {}}]
    avg = corpus.macro(rows)
    assert avg["change_recall"] == pytest.approx(0.3)
    assert avg["judged_precision_pooled"] == pytest.approx((0.5 * 10 + 0.25 * 30) / 40, abs=0.001)
