"""The standing position across several letters: what supersedes what, when silence is news, and a
tracker restored from the store (``load``) behaving as the one that built it. Pure: no database."""
from __future__ import annotations

import datetime as dt

from monitor.position import (ADDED, INITIAL, MODIFIED, NOT_RESTATED, REAFFIRMED, PositionStatement,
                              PositionTracker, can_hold_position, change_uid)
from monitor.significance import Traits

KEEP = "Het kabinet blijft de opvang van Eritrese vluchtelingen in Ethiopië via UNHCR financieren."
FACT = "De situatie in de kampen in het noorden van Ethiopië is de afgelopen maanden verslechterd."
OTHER = "Nederland steunt de Europese missie die de grensbewaking in Niger versterkt met extra personeel."


def _ps(uid: str, letter: str, text: str, function: str = "commitment", position: int = 0) -> PositionStatement:
    day = {"A": 1, "B": 2, "C": 3, "D": 4}[letter]
    return PositionStatement(uid, letter, dt.date(2024, day, 1), text, ref=hash(uid) % 1000,
                             traits=Traits(function=function, government=True), position=position)


def _run(t: PositionTracker, letter: str, series: str, *items: PositionStatement) -> list:
    return t.process(letter, items[0].date, {"migratie": list(items)}, series=series)


def test_a_dossier_that_stops_repeating_a_commitment_publishes_the_silence():
    t = PositionTracker()
    assert [c.kind for c in _run(t, "A", "36000", _ps("a1", "A", KEEP), _ps("a2", "A", FACT, "fact", 1))] \
        == [INITIAL, INITIAL]
    b = _run(t, "B", "36000", _ps("b1", "B", KEEP), _ps("b2", "B", OTHER, position=1))
    assert [(c.kind, c.old.uid if c.old else None) for c in b] == [(REAFFIRMED, "a1"), (ADDED, None),
                                                                      (NOT_RESTATED, "a2")]
    assert not b[2].published  # a fact not said again is no news
    c = _run(t, "C", "36000", _ps("c1", "C", OTHER))
    silent = {ch.old.uid: ch for ch in c if ch.kind == NOT_RESTATED}
    assert set(silent) == {"b1"}  # only the previous letter's statements; b2 was restated by c1
    assert silent["b1"].published and silent["b1"].significance == 0.62
    assert "eerder herhaald" in silent["b1"].details["why"]


def test_silence_in_another_series_or_on_a_point_said_once_is_kept_not_published():
    for series_c, repeat in (("99999", True), ("36000", False)):
        t = PositionTracker()
        _run(t, "A", "36000", _ps("a1", "A", KEEP if repeat else OTHER))
        _run(t, "B", "36000", _ps("b1", "B", KEEP))
        [silent] = [ch for ch in _run(t, "C", series_c, _ps("c1", "C", FACT, "fact")) if ch.kind == NOT_RESTATED]
        assert silent.old is not None and silent.old.uid == "b1"
        assert not silent.published and silent.significance == 0.2, (series_c, repeat)


def test_a_revised_statement_leaves_the_standing_position():
    t = PositionTracker()
    _run(t, "A", "s", _ps("a1", "A", "Nederland draagt 20 miljoen euro bij aan de opvang via UNHCR."))
    [m] = _run(t, "B", "s", _ps("b1", "B", "Nederland draagt 35 miljoen euro bij aan de opvang via UNHCR."))
    assert m.kind == MODIFIED
    assert [s.uid for s in t.position("migratie")] == ["b1"]
    # the superseded a1 is gone from every index: a later letter is compared with b1 only
    later = _run(t, "C", "s", _ps("c1", "C", "Nederland draagt 50 miljoen euro bij aan de opvang via UNHCR."))
    assert [(c.kind, c.old.uid if c.old else None) for c in later] == [(MODIFIED, "b1")]


def test_a_tracker_restored_from_the_store_makes_the_same_changes():
    built = PositionTracker()
    _run(built, "A", "36000", _ps("a1", "A", KEEP), _ps("a2", "A", FACT, "fact", 1))
    _run(built, "B", "36000", _ps("b1", "B", KEEP), _ps("b2", "B", OTHER, position=1))
    restored = PositionTracker()
    restored.load("migratie", built.position("migratie"), last_letter="B", last_series="36000",
                  repeated=built.repeated["migratie"])
    assert restored.position("migratie") == built.position("migratie")
    letter_c = (_ps("c1", "C", OTHER),)
    assert _run(restored, "C", "36000", *letter_c) == _run(built, "C", "36000", *letter_c)


def test_change_ids_depend_on_what_changed_only():
    a = change_uid("migratie", MODIFIED, "B", "b1", "a1")
    assert a == change_uid("migratie", MODIFIED, "B", "b1", "a1") and a.startswith("c-")
    assert len({a, change_uid("terugkeer", MODIFIED, "B", "b1", "a1"), change_uid("migratie", ADDED, "B", "b1", "a1"),
                change_uid("migratie", MODIFIED, "C", "b1", "a1"), change_uid("migratie", MODIFIED, "B", "b2", "a1"),
                change_uid("migratie", MODIFIED, "B", "b1", None)}) == 6


def test_only_running_text_of_four_words_or_more_can_hold_a_position():
    assert can_hold_position("paragraph", "Het kabinet steunt dit.")
    assert can_hold_position("list_item", "het kabinet steunt dit")
    assert not can_hold_position("paragraph", "Het kabinet steunt.")
    assert not can_hold_position("heading", "Het kabinet steunt de terugkeer")


def test_a_change_records_what_the_api_and_the_feed_show():
    t = PositionTracker()
    old = _ps("a1", "A", "Nederland draagt 20 miljoen euro bij aan de opvang via UNHCR.")
    new = _ps("b1", "B", "Nederland draagt 35 miljoen euro bij aan de opvang via UNHCR.")
    _run(t, "A", "s", old)
    [m] = _run(t, "B", "s", new)
    assert (m.uid, m.topic, m.kind, m.letter, m.date, m.new, m.old) == (
        change_uid("migratie", MODIFIED, "B", "b1", "a1"), "migratie", MODIFIED, "B", dt.date(2024, 2, 1), new, old)
    assert m.similarity is not None and 0.9 < m.similarity <= 1.0
    assert "".join(o.text for o in m.ops if o.op != "-") == new.text  # the word diff rebuilds the new text
    assert "".join(o.text for o in m.ops if o.op != "+") == old.text
    assert set(m.details) == {"diff_ratio", "numbers", "why", "features"} and "getal gewijzigd" in m.details["why"]
    assert m.details["features"]["kind_modified"] == m.details["features"]["numbers_moved"] == 1.0
    assert 0.56 <= m.significance <= 1.0
    [r] = _run(t, "C", "s", _ps("c1", "C", new.text))
    assert (r.uid, r.kind, r.letter, r.date, r.significance, r.published) == (
        change_uid("migratie", REAFFIRMED, "C", "c1", "b1"), REAFFIRMED, "C", dt.date(2024, 3, 1), 0.0, False)
    assert r.ops and "".join(o.text for o in r.ops) == new.text


def _pair(old: str, new: str, **tracker: object) -> list:
    t = PositionTracker(**tracker)  # type: ignore[arg-type]
    t.process("A", dt.date(2024, 1, 1), {"veiligheid": [_ps("a", "A", old, "decision")]})
    return t.process("B", dt.date(2024, 2, 1), {"veiligheid": [_ps("b", "B", new, "decision")]})


def test_a_stance_dropped_around_the_same_counted_thing_is_a_modification_with_its_details():
    """"150 militairen" possibly sent, then sent: the same point moved, shown with the markers that moved."""
    [c] = _pair("Het kabinet zal mogelijk 150 militairen naar de missie in Irak sturen.",
                "Het kabinet stuurt 150 militairen naar de missie in Irak.")
    assert c.kind == MODIFIED and c.published
    assert c.details["modality"] == {"old": "committing/possible", "new": "neutral",
                                     "old_markers": ["zal", "mogelijk"], "new_markers": []}
    assert "numbers" not in c.details  # the amount did not change
    assert c.details["diff_ratio"] == round(c.details["diff_ratio"], 3) and 0.5 < c.details["diff_ratio"] < 1
    # the same drop without a counted thing is a restatement: a stance beside a description is not a move
    [r] = _pair("Het kabinet zal mogelijk de missie in Irak met personeel versterken.",
                "Het kabinet versterkt de missie in Irak met personeel.")
    assert r.kind == REAFFIRMED


def test_a_changed_amount_is_recorded_as_the_old_and_new_figures():
    [c] = _pair("Nederland draagt 20 miljoen euro bij aan de opvang via UNHCR.",
                "Nederland draagt 35 miljoen euro bij aan de opvang via UNHCR.")
    assert c.kind == MODIFIED
    assert c.details["numbers"] == {"old": ["20 miljoen euro"], "new": ["35 miljoen euro"]}
    assert "modality" not in c.details


def test_a_negation_moves_the_point_from_the_same_point_bar_on():
    old = "De missie in Irak krijgt extra personeel van Nederland."  # no stance on either side: a description
    new = "De missie in Irak krijgt dit jaar geen extra personeel van Nederland."
    [c] = _pair(old, new)
    bar = c.similarity  # the pairing's own similarity as the bar: exactly at it still counts
    [at_bar] = _pair(old, new, same_point=bar, threshold=0.05)
    assert at_bar.kind == MODIFIED and at_bar.details["modality"]["new"].startswith("not")
    assert bar < 1
    above_bar = _pair(old, new, same_point=bar + 0.01, threshold=0.05)
    assert MODIFIED not in [c.kind for c in above_bar]


def test_a_topic_never_spoken_about_has_an_empty_position():
    t = PositionTracker()
    _run(t, "A", "s", _ps("a1", "A", KEEP))
    assert t.position("terugkeer") == []
    assert [s.uid for s in t.position("migratie")] == ["a1"]


def test_a_statement_revised_letter_after_letter_leaves_nothing_of_the_superseded_ones_behind():
    """A daemon runs for years: what was superseded must not stay in the tracker's memory."""
    t = PositionTracker()
    for i, letter in enumerate("ABCD"):
        _run(t, letter, "s", _ps(f"{letter}1", letter, f"Nederland draagt {20 + 5 * i} miljoen euro bij aan de opvang "
                                                        "via UNHCR."))
    assert [s.uid for s in t.position("migratie")] == ["D1"]
    assert len(t.index["migratie"]) == 1
    assert {k: list(v) for k, v in t._by_letter["migratie"].items()} == {"D": ["D1"]}


def test_an_added_statement_ranks_lower_the_more_the_standing_position_already_says_it():
    old = "De opvang van vluchtelingen in de regio krijgt extra geld van Nederland."
    # a loose rewording (below a strict same-point bar): new, but partly said before
    close, silence = _pair(old, "Nederland geeft de regio extra geld voor vluchtelingen en hun opvang.",
                           same_point=0.9, threshold=0.05)
    assert (close.kind, close.letter, close.date, close.old) == (ADDED, "B", dt.date(2024, 2, 1), None)
    assert close.uid == change_uid("veiligheid", ADDED, "B", "b", None)
    assert set(close.details) == {"why", "nearest", "features"} and "deels eerder gezegd" in close.details["why"]
    assert close.details["nearest"] > 0 and abs(close.details["features"]["nearest"] - close.details["nearest"]) < 0.001
    assert 0.3 < close.details["nearest"] < 0.5 and close.details["nearest"] == round(close.details["nearest"], 3)
    # the same words with a stance the standing statement did not take: nothing of it was said before
    stance, _ = _pair(old, "Het kabinet onderzoekt of de regio extra geld voor vluchtelingen en hun opvang krijgt.",
                      same_point=0.9, threshold=0.05)
    assert stance.kind == ADDED and stance.details["nearest"] == 0.0
    assert "deels eerder gezegd" not in stance.details["why"]
    assert stance.significance > close.significance
    # and the earlier statement, not said again, is recorded as such (kept, not published: another letter)
    assert (silence.kind, silence.letter, silence.date, silence.new) == (NOT_RESTATED, "B", dt.date(2024, 2, 1), None)
    assert silence.uid == change_uid("veiligheid", NOT_RESTATED, "B", None, "a")
    assert silence.details["why"] == ["andere brief", "decision"] and not silence.published
    assert silence.details["features"]["kind_not_restated"] == 1.0 and "same_series" not in silence.details["features"]


def test_change_ids_never_change_between_releases():
    """Reviews, notifications and readers' links hold on to change ids: the same change keeps its id."""
    assert change_uid("migratie", ADDED, "kst-36000-1", "s-1a2b", None) == "c-08d8688fbdefe579"
    assert change_uid("migratie", NOT_RESTATED, "kst-36000-1", None, "s-1a2b") == "c-edb7970c387dcb44"


def test_silence_in_the_same_series_says_so():
    t = PositionTracker()
    _run(t, "A", "36000", _ps("a1", "A", KEEP))
    _run(t, "B", "36000", _ps("b1", "B", KEEP))
    [silent] = [c for c in _run(t, "C", "36000", _ps("c1", "C", FACT, "fact")) if c.kind == NOT_RESTATED]
    assert silent.details["why"] == ["zelfde reeks", "commitment", "eerder herhaald"]
