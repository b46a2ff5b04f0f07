"""The learned significance model: the features a change is described by, and a fitted language publishing
by its weights and threshold (monitor.significance, monitor/lang/nl/signals.toml, weights.toml)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from monitor import significance as sig
from monitor.lang import DUTCH, LanguageError, dutch, load
from monitor.position import PositionStatement, PositionTracker
from monitor.traits import Traits


def test_a_change_is_described_by_the_signals_of_its_sentence():
    procedure = sig.features("added", Traits(), "Zoals verzocht door uw Kamer informeer ik u hierbij over de stand.")
    decision = sig.features("added", Traits(function="decision", government=True),
                            "Het kabinet heeft besloten de bijdrage te verlengen tot 31 december 2018.")
    situation = sig.features("added", Traits(), "De veiligheidssituatie in het noorden is sterk verslechterd.")
    assert procedure["signal_procedure"] == 1.0 and "signal_decided" not in procedure
    assert decision["signal_decided"] == decision["signal_dated"] == decision["government_stance"] == 1.0
    assert situation["signal_moved"] == 1.0 and situation["function_fact"] == 1.0
    assert all(value for value in decision.values())  # only what is there: a sparse description
    assert sig.features("modified", Traits(), "x " * 10, similarity=0.4, numbers=True)["numbers_moved"] == 1.0


def _statement(uid: str, text: str, day: int, position: int = 0) -> PositionStatement:
    return PositionStatement(uid, f"letter-{day}", dt.date(2024, 1, day), text, position=position)


def test_a_statement_said_under_two_topics_knows_it():
    tracker = PositionTracker(threshold=0.12)
    both = _statement("s1", "Het kabinet stelt tien miljoen euro beschikbaar voor opvang in de regio.", 1)
    only = _statement("s2", "De grens met het buurland is sinds maart gesloten voor alle verkeer.", 1, 1)
    changes = tracker.process("letter-1", dt.date(2024, 1, 1), {"migratie": [both, only], "ontwikkeling": [both]})
    feats = {(c.topic, c.new.uid): c.details["features"] for c in changes if c.new is not None}
    assert feats[("migratie", "s1")]["other_topics"] == feats[("ontwikkeling", "s1")]["other_topics"] > 0
    assert "other_topics" not in feats[("migratie", "s2")]


@pytest.fixture()
def fitted(tmp_path: Path):
    """Dutch with a weights file that strongly counts procedure against and a new statement for."""
    folder = tmp_path / "nl"
    shutil.copytree(DUTCH, folder)
    (folder / "weights.toml").write_text(
        '[model]\nbias = 0.0\nthreshold = 0.6\nkinds = ["added"]\n\n[weights]\nkind_added = 1.5\nsignal_procedure = -5.0\n\n'
        '[labels]\nkind_added = "nieuw"\n', encoding="utf-8")
    return load(folder)


def test_a_fitted_language_publishes_by_its_weights_and_threshold(fitted):
    assert fitted.weights.fitted and fitted.weights.kinds == ("added",) and not dutch().weights.fitted
    tracker = PositionTracker(threshold=0.12, lang=fitted)
    tracker.process("letter-1", dt.date(2024, 1, 1),
                    {"migratie": [_statement("a", "Nederland vangt dit jaar tweeduizend vluchtelingen op in de regio.", 1)]})
    news = _statement("b", "De opvang van asielzoekers in gemeenten wordt met vijfhonderd plaatsen uitgebreid.", 2)
    procedure = _statement("c", "Zoals verzocht door uw Kamer informeer ik u hierbij over de opvang van asielzoekers.", 2, 1)
    changes = {c.new.uid: c for c in tracker.process("letter-2", dt.date(2024, 1, 2), {"migratie": [news, procedure]})
               if c.new is not None}
    # the model's probability on the floor's scale: FLOOR + sigmoid(1.5) - threshold
    assert changes["b"].published and changes["b"].significance == pytest.approx(sig.FLOOR + 0.8176 - 0.6, abs=0.001)
    assert not changes["c"].published and changes["c"].significance < sig.FLOOR
    assert changes["c"].details["rules"] != changes["c"].significance  # the hand-set rules' score stays beside
    assert "− procedure" in changes["c"].details["why"] and "nieuw" in changes["b"].details["why"]
    assert sig.contributions(changes["c"].details["features"], fitted)[0] == ("signal_procedure", -5.0)


def test_a_bad_weights_file_is_an_error_naming_file_and_key(tmp_path: Path):
    folder = tmp_path / "nl"
    shutil.copytree(DUTCH, folder)
    (folder / "weights.toml").write_text('[model]\nbias = 0.0\n\n[weights]\nkind_added = "veel"\n', encoding="utf-8")
    with pytest.raises(LanguageError, match=r"weights\.toml: weights\.kind_added: expected a number"):
        load(folder)
