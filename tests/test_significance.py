"""What a change is worth to a reader, and which changes a feed entry publishes (monitor.significance).

These pin the *shape* of the ranking a reader relies on — what ranks above what, which details fall
below the publishing floor, that a weaker pairing never ranks higher — not the tuned constants.
"""
from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor import significance as sig
from monitor.significance import FLOOR, Candidate, Traits, clamp, modified, new_statement, select
from monitor.traits import TOPIC_FIELDS


def score(**kw: object) -> float:
    return new_statement(Traits(**kw))[0]  # type: ignore[arg-type]


def test_what_the_government_binds_itself_to_outranks_what_it_describes():
    order = ["decision", "commitment", "rule", "figure", "assessment", "fact", "report"]
    scores = [score(function=f) for f in order]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert score(function="commitment") == score(function="intention")
    assert score(function="something else") < score(function="report")
    assert all(0 < s < 1 for s in scores)


def test_a_government_stance_is_published_and_a_plain_fact_is_not():
    assert score(function="commitment", government=True) >= FLOOR > score(function="fact", government=True)
    assert score(function="fact", government=True) == score(function="fact")  # "Nederland" in a fact adds nothing
    for f in sig.STANCES:
        assert score(function=f, government=True) - score(function=f) == pytest.approx(0.08)


@pytest.mark.parametrize("flag,label,direction", [
    ("lead", "eerste zin van alinea", +1), ("elaboration", "uitwerking", -1), ("example", "voorbeeld", -1),
    ("hedged", "voorwaardelijk", -1), ("quantified", "met aantal of bedrag", +1), ("recalls", "deels eerder gezegd", -1),
])
def test_each_trait_moves_the_score_its_way_and_says_so(flag, label, direction):
    base = Traits(function="commitment")
    s0, why0 = new_statement(base)
    s1, why1 = new_statement(replace(base, **{flag: True}))
    assert (s1 - s0) * direction > 0 and abs(s1 - s0) < 0.3
    assert label in why1 and label not in why0 and why1[0] == "commitment"


def test_an_example_counts_once_as_an_example_not_also_as_an_elaboration():
    both = new_statement(Traits(function="commitment", elaboration=True, example=True))
    only = new_statement(Traits(function="commitment", example=True))
    assert both == only and "uitwerking" not in both[1]
    assert score(function="commitment", government=True, example=True) < FLOOR


def test_a_topic_from_context_and_a_partial_restatement_count_less():
    assert 0 < score(function="rule") - score(function="rule", own_terms=False) < 0.2
    assert new_statement(Traits(function="rule", own_terms=False))[1] == ["rule", "onderwerp uit context"]
    fresh, why = new_statement(Traits(function="rule"), nearest=sig.RESTATES - 0.01)
    at, why_at = new_statement(Traits(function="rule"), nearest=sig.RESTATES)
    assert at < fresh and "deels eerder gezegd" in why_at and "deels eerder gezegd" not in why


def test_a_carried_out_decision_counts_more_but_a_carried_out_fact_does_not():
    for f in sig.BINDING:
        assert 0 < score(function=f, realised=True) - score(function=f) < 0.2
        assert new_statement(Traits(function=f, realised=True))[1] == [f, "gerealiseerd"]
    assert score(function="fact", realised=True) == score(function="fact")


def test_naming_the_topic_several_times_orders_without_outweighing_a_function():
    one, three, many = (score(function="assessment", topic_terms=n) for n in (1, 3, 10))
    assert one < three < many == score(function="assessment", topic_terms=4)  # capped
    assert sig._centrality(Traits(topic_terms=1)) == 0 and 0 < many - one < 0.1
    assert many < score(function="rule")


def test_a_revision_ranks_with_what_moved_and_never_rises_as_the_pairing_weakens():
    t = Traits(function="commitment")
    sims = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.9]
    scores = [modified(t, t, s, False, True)[0] for s in sims]
    assert scores == sorted(scores) and scores[-1] == scores[-3]  # flat above 0.4
    plain = modified(t, t, 0.3, False, False)[0]
    assert modified(t, t, 0.3, True, False)[0] - plain == pytest.approx(0.1)
    assert modified(t, t, 0.3, False, True)[0] - plain == pytest.approx(0.06)
    gov = replace(t, government=True)
    for who in ((gov, t), (t, gov)):
        assert 0 < modified(*who, 0.3, False, False)[0] - plain < 0.1
        assert modified(*who, 0.3, False, False)[1] == ["zelfde punt herzien", "kabinet"]
    assert modified(replace(t, elaboration=True), t, 0.3, False, False)[1] == ["zelfde punt herzien", "uitwerking"]
    assert 0 < plain - modified(replace(t, elaboration=True), t, 0.3, False, False)[0] < 0.2
    s, why = modified(t, t, 0.3, True, True)
    assert why[:3] == ["zelfde punt herzien", "getal gewijzigd", "toezegging verschoven"]
    assert FLOOR <= plain < 1 and modified(t, t, 0.01, False, False)[0] >= 0.7


def test_clamp_keeps_scores_in_range_to_three_decimals():
    assert clamp(-0.2) == 0.0 and clamp(1.7) == 1.0 and clamp(0.123456) == 0.123


def test_select_publishes_what_reaches_the_floor_within_the_cap_best_first_ties_by_place():
    items = [Candidate(i, s, pos, True) for i, (s, pos) in enumerate(
        [(0.9, 5), (0.7, 3), (0.7, 1), (FLOOR, 4), (FLOOR - 0.001, 0), (0.95, 9)])]
    assert select(items) == {0, 1, 2, 3, 5}
    assert select(items + [Candidate(9, 0.99, 0, False)]) == {0, 1, 2, 3, 5}  # never a reaffirmation
    assert select(items, initial=True) == {5, 0, 2}  # a first statement: its few main points; tie → earlier place
    many = [Candidate(i, 0.8, i, True) for i in range(sig.CAP + 5)]
    assert select(many) == set(range(sig.CAP))


@given(st.builds(Traits, function=st.sampled_from(sorted(sig.WEIGHT) + ["none"]), topic_terms=st.integers(1, 9)))
def test_traits_read_back_what_they_stored(t):
    """One dataclass, one writer, one reader: what a statement stores reads back the same (the topic's traits are
    given by the topic assignment); a field stored before it existed reads as its default."""
    import json
    stored = json.loads(json.dumps(t.stored()))  # through a JSON column
    assert not TOPIC_FIELDS & set(stored)
    assert Traits.read(stored, own_terms=t.own_terms, topic_terms=t.topic_terms) == t
    assert Traits.read({k: v for k, v in stored.items() if k != "recalls"}, own_terms=t.own_terms,
                       topic_terms=t.topic_terms) == dataclasses.replace(t, recalls=False)


def test_a_function_stores_the_traits_it_decided():
    from monitor.function import classify_one
    from monitor.model import PARAGRAPH, Statement
    text = "Het kabinet zal in 2026 honderdtwintig militairen naar Afghanistan sturen."
    fn = classify_one(Statement(0, PARAGRAPH, text, 0, len(text)), lead=True)
    assert Traits.read(fn.as_json(), own_terms=False) == dataclasses.replace(fn.traits, own_terms=False)
    assert fn.as_json()["rule"] == fn.rule and fn.traits.lead and fn.traits.function == fn.name
