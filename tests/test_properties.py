"""Property-based tests (hypothesis) of the analysis core's promises, over generated Dutch-like input.

* a word diff's operations rebuild the old text and the new text exactly;
* statement ids stay the same when other statements of the letter change;
* every change a tracker reports is on a topic its statements were given;
* a tracker never pairs one standing statement with two new ones, and a change's significance is in [0, 1].
"""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.diff import word_diff
from monitor.ids import statement_uids
from monitor.position import MODIFIED, REAFFIRMED, PositionStatement, PositionTracker
from monitor.significance import Traits

WORDS = ("het", "kabinet", "faciliteert", "onderzoekt", "vrijwillige", "gedwongen", "terugkeer", "naar",
         "Afghanistan", "Nederland", "steunt", "80", "tachtig", "militairen", "miljoen", "euro", "niet", "blijft",
         "de", "opvang", "in", "regio", "zal", "mogelijk", "ca.", "vluchtelingen", ",", "UNHCR", "veiligheid")
sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")


@given(sentence, sentence)
def test_word_diff_rebuilds_both_texts(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert "".join(o.text for o in ops if o.op in "=-") == old
    assert "".join(o.text for o in ops if o.op in "=+") == new
    assert all(o.text for o in ops)  # no empty operations


@given(st.lists(sentence, min_size=2, max_size=12), st.data())
def test_statement_ids_survive_edits_elsewhere_in_the_letter(texts: list[str], data: st.DataObject) -> None:
    before = statement_uids("kst-1-2", texts)
    i = data.draw(st.integers(0, len(texts) - 1))
    inserted = data.draw(sentence.filter(lambda s: s not in texts))
    edited = texts[:i] + [inserted] + texts[i:]  # a new sentence anywhere
    after = statement_uids("kst-1-2", edited)
    assert after[:i] + after[i + 1:] == before
    dropped = texts[:i] + texts[i + 1:]
    if texts[i] not in dropped:  # dropping a unique sentence keeps every other id
        assert statement_uids("kst-1-2", dropped) == before[:i] + before[i + 1:]
    assert len(set(before)) == len(before)  # repeats of one sentence get distinct ids


letters = st.lists(
    st.lists(st.tuples(sentence, st.sets(st.sampled_from(("veiligheid", "migratie", "terugkeer")), min_size=1)),
             min_size=1, max_size=6),
    min_size=1, max_size=5)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(letters)
def test_changes_stay_on_the_topics_of_their_statements(generated) -> None:
    tracker = PositionTracker(threshold=0.12)
    topics_of: dict[str, set[str]] = {}
    for n, items in enumerate(generated):
        key, day = f"L{n}", dt.date(2024, 1, 1) + dt.timedelta(days=n)
        by_topic: dict[str, list[PositionStatement]] = {}
        uids = statement_uids(key, [text for text, _ in items])
        for pos, ((text, topics), uid) in enumerate(zip(items, uids)):
            topics_of[uid] = topics
            ps = PositionStatement(uid, key, day, text, traits=Traits(function="commitment"), position=pos)
            for t in topics:
                by_topic.setdefault(t, []).append(ps)
        changes = tracker.process(key, day, by_topic, series="1")
        for c in changes:
            for side in (c.new, c.old):
                assert side is None or c.topic in topics_of[side.uid]
            assert 0.0 <= c.significance <= 1.0
        paired = [(c.topic, c.old.uid) for c in changes if c.kind in (MODIFIED, REAFFIRMED) and c.old]
        assert len(paired) == len(set(paired))  # one standing statement, at most one successor per topic
