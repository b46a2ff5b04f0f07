"""Statement similarity and one-to-one alignment: which stored statement a new one is about.
Pure: in memory, no database, no server."""
from __future__ import annotations

import pytest

from monitor.align import CLAUSE_WEIGHT, Match, SimilarityIndex, align, clauses, shared_phrases

TERUGKEER = "Het kabinet faciliteert de vrijwillige terugkeer van Afghanen."
MILITAIREN = "Nederland levert militairen aan de NAVO-missie in Irak."
OPVANG = "De opvang van vluchtelingen in de regio wordt versterkt met extra middelen."
BRIEF = "Het kabinet stuurt de Kamer voor de zomer een brief over de evacuatie."


def _index(texts: dict[str, str], **kw: int) -> SimilarityIndex:
    idx = SimilarityIndex(**kw)
    for key, text in texts.items():
        idx.add(key, text)
    return idx


STORED = {"terugkeer": TERUGKEER, "militairen": MILITAIREN, "opvang": OPVANG, "brief": BRIEF}


# --- clauses and shared phrases ---------------------------------------------------------

def test_a_long_statement_splits_into_its_clauses():
    assert clauses("Het kabinet steunt de opvang van vluchtelingen in de regio, maar de terugkeer van "
                   "afgewezen asielzoekers blijft moeizaam.") == [
        "Het kabinet steunt de opvang van vluchtelingen in de regio",
        "maar de terugkeer van afgewezen asielzoekers blijft moeizaam."]
    assert clauses("Nederland steunt de opvang van vluchtelingen in de regio en financiert de terugkeer "
                   "van afgewezen asielzoekers.") == [
        "Nederland steunt de opvang van vluchtelingen in de regio",
        "financiert de terugkeer van afgewezen asielzoekers."]


def test_three_content_words_make_a_clause():
    assert clauses("Nederland steunt de opvang van vluchtelingen in de regio, maar de terugkeer blijft moeizaam.") \
        == ["Nederland steunt de opvang van vluchtelingen in de regio", "maar de terugkeer blijft moeizaam."]


def test_a_single_point_or_a_short_aside_is_no_clause():
    assert clauses("Nederland steunt de opvang van vluchtelingen in de regio.") == []
    # "zo nodig" has too few content words to be a point of its own
    assert clauses("Nederland steunt, zo nodig, de opvang van vluchtelingen in de regio.") == []


def test_shared_phrases_are_the_bigrams_both_use():
    a = "Het kabinet steunt de vrijwillige terugkeer naar Afghanistan."
    b = "De vrijwillige terugkeer naar Afghanistan wordt gesteund."
    assert shared_phrases(a, b) == ("terugkeer afghanistan", "vrijwillig terugkeer")
    assert shared_phrases(a, b, frozenset({"afghanistan"})) == ("vrijwillig terugkeer",)
    # the same words in another order share no phrase
    assert shared_phrases("Afghanistan steunt terugkeer.", "Terugkeer steunt Afghanistan.") == ()


# --- the index ----------------------------------------------------------------------------

def test_add_and_remove_keep_the_index_consistent():
    idx = _index(STORED)
    assert len(idx) == 4 and "opvang" in idx and "elders" not in idx
    idx.add("opvang", "Een andere tekst over belastingen.")  # a key is added once
    assert len(idx) == 4
    assert [k for k, _ in idx.query("De opvang van vluchtelingen in de regio wordt versterkt.")] == ["opvang"]
    idx.remove("opvang")
    idx.remove("opvang")  # removing twice (or an unknown key) is harmless
    assert len(idx) == 3 and "opvang" not in idx
    assert idx.query("De opvang van vluchtelingen in de regio wordt versterkt.") == []
    idx.add("opvang2", OPVANG)
    assert [k for k, _ in idx.query("De opvang van vluchtelingen in de regio wordt versterkt.")] == ["opvang2"]


def test_remove_forgets_the_statement_in_every_feature():
    idx = _index({"a": TERUGKEER, "b": "Het kabinet faciliteert de gedwongen terugkeer van Afghanen."})
    idx.remove("a")
    fresh = _index({"b": "Het kabinet faciliteert de gedwongen terugkeer van Afghanen."})
    q = "Het kabinet faciliteert de vrijwillige terugkeer van Afghanen."
    assert idx.query(q) == fresh.query(q)  # same document frequencies: the same scores


def test_a_key_removed_and_added_again_is_its_new_text_only():
    long = ("Het kabinet steunt de opvang van vluchtelingen in de regio, maar de terugkeer van afgewezen "
            "asielzoekers blijft moeizaam.")
    idx = _index({"a": long, "b": OPVANG})
    q = "De terugkeer van afgewezen asielzoekers blijft moeizaam."
    assert [k for k, _ in idx.query(q)] == ["a"]  # its second clause; the vectors are now computed
    idx.remove("a")
    idx.add("a", "De terugkeer van afgewezen asielzoekers gaat voorspoedig.")
    ((key, sim),) = idx.query(q)
    fresh = _index({"b": OPVANG, "a": "De terugkeer van afgewezen asielzoekers gaat voorspoedig."})
    assert key == "a" and sim == pytest.approx(dict(fresh.query(q))["a"])


def test_the_same_statement_scores_one_and_an_unrelated_one_nothing():
    idx = _index(STORED)
    ((key, sim),) = idx.query(MILITAIREN)
    assert key == "militairen" and sim == pytest.approx(1.0)
    assert idx.query("De begroting voor belastingen en toeslagen wordt herzien.") == []
    assert idx.query("") == [] and idx.query("de het een") == []


def test_query_ranks_by_similarity_and_applies_k_and_threshold():
    idx = _index({
        "zelfde": "Het kabinet faciliteert de vrijwillige terugkeer van Afghanen naar Afghanistan.",
        "dichtbij": "Het kabinet faciliteert de terugkeer van Afghanen.",
        "verder": "De vrijwillige terugkeer van Syriërs naar Syrië wordt niet gefaciliteerd door het kabinet.",
        "anders": OPVANG,
    })
    q = "Het kabinet faciliteert de vrijwillige terugkeer van Afghanen naar Afghanistan."
    got = idx.query(q)
    assert [k for k, _ in got] == ["zelfde", "dichtbij", "verder"]
    sims = [s for _, s in got]
    assert sims == sorted(sims, reverse=True) and sims[0] == pytest.approx(1.0) and sims[-1] < 0.5
    assert [k for k, _ in idx.query(q, k=2)] == ["zelfde", "dichtbij"]
    assert [k for k, _ in idx.query(q, threshold=sims[1])] == ["zelfde", "dichtbij"]  # at the bar counts
    assert [k for k, _ in idx.query(q, threshold=sims[1] + 1e-9)] == ["zelfde"]


def test_equal_scores_break_ties_by_key():
    idx = _index({"b": TERUGKEER, "a": TERUGKEER, "c": TERUGKEER})
    got = idx.query(TERUGKEER)
    assert [k for k, _ in got] == ["a", "b", "c"]
    assert got[0][1] == got[1][1] == got[2][1]


def test_a_rare_shared_word_counts_more_than_a_common_one():
    # "kabinet" is in every statement, "evacuatie" in one: sharing the rare word is the closer match
    idx = _index({
        "rare": "Het kabinet bespreekt de evacuatie met partners.",
        "common": "Het kabinet bespreekt de begroting met partners.",
        **{f"x{i}": f"Het kabinet meldt onderwerp{i} en kwestie{i}." for i in range(6)},
    })
    got = dict(idx.query("Het kabinet bespreekt de evacuatie met bondgenoten."))
    assert got["rare"] > got["common"]


def test_a_match_needs_a_shared_phrase_or_two_informative_words():
    idx = _index({
        "phrase": "De vrijwillige terugkeer wordt bevorderd.",
        "two": "Terugkeer blijft voor Afghanen vrijwillig.",
        "one": "Terugkeer staat hier centraal.",
        **{f"x{i}": f"Het onderwerp{i} is besproken met collega{i}." for i in range(6)},
    })
    got = {k for k, _ in idx.query("Het kabinet zet in op vrijwillige terugkeer van Afghanen.")}
    assert got == {"phrase", "two"}


def test_a_word_in_most_statements_of_a_topic_anchors_nothing():
    # "afghanistan" and "situatie" are in every statement: sharing them is no shared point
    texts = {f"s{i}": f"De situatie in Afghanistan raakt thema{i}." for i in range(6)}
    texts["doel"] = "Over Afghanistan: de situatie is slecht."
    idx = _index(texts)
    assert "doel" not in {k for k, _ in idx.query("De situatie aldaar en Afghanistan, zegt de minister.")}
    small = _index({"doel": "Over Afghanistan: de situatie is slecht.", "ander": OPVANG})
    # in a small index (fewer than 6 statements) two shared words still anchor
    assert [k for k, _ in small.query("De situatie aldaar en Afghanistan, zegt de minister.")] == ["doel"]


def test_a_clause_of_a_long_statement_matches_at_a_little_less_than_a_whole_one():
    long = ("Het kabinet steunt de opvang van vluchtelingen in de regio, maar de terugkeer van afgewezen "
            "asielzoekers naar hun land van herkomst blijft moeizaam.")
    idx = _index({"lang": long, "kort": "Het kabinet steunt de opvang van vluchtelingen in de regio."})
    got = dict(idx.query("Het kabinet steunt de opvang van vluchtelingen in de regio."))
    assert got["kort"] == pytest.approx(1.0)
    assert got["lang"] == pytest.approx(CLAUSE_WEIGHT, abs=0.01)  # its first clause is the query
    # a long query against a short statement: the same, the other way round
    idx2 = _index({"kort": "Het kabinet steunt de opvang van vluchtelingen in de regio."})
    assert dict(idx2.query(long))["kort"] == pytest.approx(CLAUSE_WEIGHT, abs=0.01)


def test_two_long_statements_match_clause_to_clause():
    old = ("Nederland steunt de opvang van vluchtelingen in de regio, maar de terugkeer van afgewezen "
           "asielzoekers blijft moeizaam.")
    new = ("De terugkeer van afgewezen asielzoekers blijft moeizaam, terwijl de begroting voor defensie "
           "verder stijgt.")
    ((_, sim),) = _index({"oud": old}).query(new)
    assert sim == pytest.approx(CLAUSE_WEIGHT * 1.0, abs=0.01)


def test_only_the_newest_postings_of_a_feature_are_scanned():
    # with posting_cap=2 a feature leads to its two most recent statements only
    texts = {f"s{i}": f"De vrijwillige terugkeer van Afghanen, deel {i}." for i in range(5)}
    idx = _index(texts, posting_cap=2)
    assert {k for k, _ in idx.query("De vrijwillige terugkeer van Afghanen.")} == {"s3", "s4"}
    assert len(_index(texts).query("De vrijwillige terugkeer van Afghanen.")) == 5


def test_the_rarest_query_features_find_the_candidates():
    texts = {"zeldzaam": "De evacuatie van tolken uit Kabul verloopt moeizaam.",
             **{f"x{i}": f"Het kabinet verloopt moeizaam met punt{i}." for i in range(8)}}
    idx = _index(texts, query_features=1)
    # one feature only: the rarest of the query ("evacuatie ..."), not the common "moeizaam"
    assert [k for k, _ in idx.query("De evacuatie van tolken verloopt moeizaam.")] == ["zeldzaam"]


def test_stored_vectors_follow_the_growing_index():
    base = {"a": TERUGKEER, "b": OPVANG}
    idx = _index(base)
    q = "Het kabinet faciliteert de terugkeer van vluchtelingen."
    before = dict(idx.query(q))
    more = {f"x{i}": f"Het kabinet faciliteert project{i} voor partner{i}." for i in range(30)}
    for key, text in more.items():
        idx.add(key, text)
    after = dict(idx.query(q))
    fresh = dict(_index({**base, **more}).query(q))
    assert after["a"] == pytest.approx(fresh["a"]) and after["a"] != pytest.approx(before["a"])


# --- align ---------------------------------------------------------------------------------

def test_align_pairs_each_new_statement_with_its_best_stored_one():
    idx = _index(STORED)
    got = align(["Nederland levert 120 militairen aan de NAVO-missie in Irak.",
                 "Iets heel anders over belastingen.",
                 "Het kabinet faciliteert niet langer de vrijwillige terugkeer van Afghanen."], idx, 0.2)
    assert [(m.new, m.old) for m in got] == [(0, "militairen"), (2, "terugkeer")]
    assert isinstance(got[0], Match) and got[0].similarity == 1.0
    raw = dict(idx.query("Het kabinet faciliteert niet langer de vrijwillige terugkeer van Afghanen."))["terugkeer"]
    assert round(raw, 5) != round(raw, 4) and got[1].similarity == round(raw, 4)  # four decimals


def test_align_is_one_to_one_best_pairs_first():
    idx = _index({"oud": TERUGKEER})
    got = align(["Het kabinet faciliteert de terugkeer van Afghanen.", TERUGKEER], idx, 0.1)
    assert [(m.new, m.old) for m in got] == [(1, "oud")]  # the exact restatement wins, the other is new
    idx2 = _index({"x": TERUGKEER, "y": TERUGKEER})
    got2 = align([TERUGKEER, TERUGKEER], idx2, 0.1)
    # equal scores: the first new statement takes the first key
    assert [(m.new, m.old) for m in got2] == [(0, "x"), (1, "y")]


def test_align_respects_threshold_and_allowed_keys():
    idx = _index(STORED)
    q = ["Het kabinet faciliteert de terugkeer van Afghanen naar Pakistan en Iran."]
    (m,) = align(q, idx, 0.1)
    assert m.old == "terugkeer"
    assert align(q, idx, m.similarity + 0.001) == []
    assert align(q, idx, 0.1, allowed=["opvang", "brief"]) == []
    assert [x.old for x in align(q, idx, 0.1, allowed=iter(["terugkeer"]))] == ["terugkeer"]
    assert align(q, idx, 0.1, allowed=[]) == []


def test_align_looks_at_twenty_candidates_per_statement_by_default():
    idx = _index({f"k{i:02}": TERUGKEER for i in range(21)})
    got = align([TERUGKEER] * 21, idx, 0.1)
    assert [m.new for m in got] == list(range(20))  # the 21st finds its twenty candidates taken


def test_align_k_bounds_the_candidates_per_statement():
    idx = _index({"a": TERUGKEER, "b": TERUGKEER})
    # one candidate each: both new statements want "a", the second gets nothing
    got = align([TERUGKEER, TERUGKEER], idx, 0.1, k=1)
    assert [(m.new, m.old) for m in got] == [(0, "a")]


def _anchor_case(evacuatie: int, tolken: int, neutral: int) -> set[str]:
    """The target shares two words with the query and no phrase; others share one of the two words."""
    texts = {"doel": "Evacuatie blijft lastig voor tolken."}
    texts |= {f"e{i}": f"De evacuatie van groep{'x' * i} verloopt traag." for i in range(evacuatie - 1)}
    texts |= {f"t{i}": f"Veel tolken wachten op bericht{'x' * i}." for i in range(tolken - 1)}
    texts |= {f"n{i}": f"De begroting stijgt met post{'x' * i}." for i in range(neutral)}
    return {k for k, _ in _index(texts).query("Tolken vragen om evacuatie.")}


def test_a_word_is_informative_in_at_most_a_third_of_the_statements():
    assert _anchor_case(evacuatie=3, tolken=3, neutral=4) == {"doel"}   # 3 of 9: informative
    assert _anchor_case(evacuatie=4, tolken=3, neutral=3) == set()      # 4 of 9: not
    assert _anchor_case(evacuatie=2, tolken=2, neutral=0) == {"doel"}   # small topics: 2 always inform
    assert _anchor_case(evacuatie=3, tolken=2, neutral=0) == set()      # ... and 3 of 4 does not


def test_similarities_stay_on_the_scale_the_thresholds_are_calibrated_on():
    # config.toml's similarity_threshold and same_point are set on these values: smoothed IDF
    # (ln((n + 1) / (df + 1)) + 1), sublinear term frequency, cosine
    idx = _index({"a": TERUGKEER, "b": "Het kabinet faciliteert de terugkeer van Afghanen naar Pakistan.",
                  "c": "De opvang van vluchtelingen in de regio wordt versterkt."})
    got = idx.query("Het kabinet faciliteert de gedwongen terugkeer van Afghanen.")
    assert [(k, round(s, 4)) for k, s in got] == [("a", 0.4443), ("b", 0.4443)]
    got = idx.query("De opvang van Afghaanse vluchtelingen in Pakistan wordt versterkt met extra middelen.")
    assert [(k, round(s, 4)) for k, s in got] == [("c", 0.2424)]
    # a word used twice weighs more, but less than twice
    twice = _index({"a": "Terugkeer, terugkeer en nog eens terugkeer van Afghanen.", "b": OPVANG})
    assert round(dict(twice.query("De terugkeer van Afghanen."))["a"], 4) == 0.7336


def test_by_default_a_query_returns_twenty_and_scans_the_fifty_newest_per_feature():
    texts = {f"s{i:02}": f"De vrijwillige terugkeer van Afghanen, deel {'x' * (i + 1)}." for i in range(60)}
    idx = _index(texts)
    assert len(idx.query("De vrijwillige terugkeer van Afghanen.")) == 20
    assert len(idx.query("De vrijwillige terugkeer van Afghanen.", k=40)) == 40
    got = idx.query("De vrijwillige terugkeer van Afghanen.", k=100)
    assert sorted(k for k, _ in got) == [f"s{i:02}" for i in range(10, 60)]


def test_by_default_only_the_twelve_rarest_query_features_find_candidates():
    # twelve words each in one other statement come before the phrase the target shares (in two statements)
    words = ["boekhouding", "containers", "dijken", "fietsen", "gemalen", "havens", "jachten",
             "kanalen", "lantaarns", "molens", "nachtwachten", "ovens"]
    texts = {f"w{i}": f"Onderwerp: {w}." for i, w in enumerate(words)}
    texts |= {"doel": "De vrijwillige terugkeer loopt.", "ook": "De vrijwillige terugkeer stokt."}
    idx = _index(texts)
    query = "De vrijwillige terugkeer, " + ", ".join(words) + "."
    assert idx.query(query) == []
    assert {k for k, _ in _index(texts, query_features=15).query(query)} == {"doel", "ook"}


def test_a_removed_feature_takes_no_place_among_the_rarest():
    texts = {"zeldzaam": "De evacuatie van tolken uit Kabul verloopt moeizaam.",
             **{f"x{i}": f"Het kabinet verloopt moeizaam met punt{i}." for i in range(8)}}
    idx = _index(texts, query_features=1)
    idx.add("weg", "Abdul wacht.")
    idx.remove("weg")
    assert [k for k, _ in idx.query("Abdul zegt: de evacuatie van tolken verloopt moeizaam.")] == ["zeldzaam"]


def test_rarity_not_the_alphabet_picks_the_features():
    texts = {"doel": "De zorgverlening aan tolken schiet tekort.",
             **{f"x{i}": f"De aanpak van punt{'x' * i} loopt." for i in range(8)}}
    idx = _index(texts, query_features=1)
    assert [k for k, _ in idx.query("De aanpak van de zorgverlening aan tolken.")] == ["doel"]


def test_stored_vectors_are_refreshed_once_the_index_grew_by_a_tenth_plus_ten():
    base = {"a": TERUGKEER, "b": OPVANG}
    q = "Het kabinet faciliteert de terugkeer van vluchtelingen."

    def grown(start: int, extra: int) -> tuple[float, float]:
        first = base | {f"y{i}": f"De begroting stijgt met post{'x' * i}." for i in range(start - 2)}
        idx = _index(first)
        idx.query(q)  # computes and keeps the vectors of a and b at `start` statements
        more = {f"x{i}": f"Het kabinet faciliteert project{'x' * i}." for i in range(extra)}
        for key, text in more.items():
            idx.add(key, text)
        return dict(idx.query(q))["a"], dict(_index({**first, **more}).query(q))["a"]

    kept, fresh = grown(2, 10)  # 12 statements: not more than 2 * 1.1 + 10
    assert kept != pytest.approx(fresh, abs=1e-6)
    kept, fresh = grown(2, 11)  # 13: refreshed
    assert kept == pytest.approx(fresh)
    kept, fresh = grown(10, 11)  # 21 = 10 * 1.1 + 10: not more, kept
    assert kept != pytest.approx(fresh, abs=1e-6)
    kept, fresh = grown(10, 12)
    assert kept == pytest.approx(fresh)
