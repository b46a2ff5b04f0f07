"""Comparing two versions of a statement: the word diff readers see, its renderings, and the
commitment scale a change of wording is judged on. Pure: no database, no server."""
from __future__ import annotations

import pytest

from monitor.diff import (
    Comparison, DiffOp, Modality, compare, diff_ratio, inline, modality, numbers, unified, word_diff,
)

OLD = "Het kabinet faciliteert vrijwillige terugkeer naar Afghanistan."
NEW = "Het kabinet onderzoekt gedwongen terugkeer naar Afghanistan."


def _ops(ops: list[DiffOp]) -> list[tuple[str, str]]:
    return [(o.op, o.text) for o in ops]


# --- word_diff ------------------------------------------------------------------------

def test_word_diff_replaces_whole_words_and_keeps_the_rest():
    assert _ops(word_diff(OLD, NEW)) == [
        ("=", "Het kabinet "), ("-", "faciliteert vrijwillige"), ("+", "onderzoekt gedwongen"),
        ("=", " terugkeer naar Afghanistan.")]


def test_word_diff_never_splits_a_word_or_a_number():
    # character-level diffing would keep "militairen" and the "0" of 80/120
    assert _ops(word_diff("Nederland levert 80 militairen.", "Nederland levert 120 militairen.")) == [
        ("=", "Nederland levert "), ("-", "80"), ("+", "120"), ("=", " militairen.")]
    assert _ops(word_diff("De steun wordt verlengd.", "De steun wordt verlaagd.")) == [
        ("=", "De steun wordt "), ("-", "verlengd"), ("+", "verlaagd"), ("=", ".")]


def test_word_diff_of_an_insertion_and_a_deletion():
    assert _ops(word_diff("Nederland steunt de missie.", "Nederland steunt de missie niet langer.")) == [
        ("=", "Nederland steunt de missie"), ("+", " niet langer"), ("=", ".")]
    assert _ops(word_diff("Nederland steunt de missie niet langer.", "Nederland steunt de missie.")) == [
        ("=", "Nederland steunt de missie"), ("-", " niet langer"), ("=", ".")]
    assert _ops(word_diff("", "Nieuw.")) == [("+", "Nieuw.")]
    assert _ops(word_diff("Weg.", "")) == [("-", "Weg.")]
    assert word_diff("", "") == []


def test_word_diff_joins_adjacent_parts_of_the_same_kind():
    # a doubled word makes diff-match-patch return two removals in a row: readers see one
    assert _ops(word_diff("Dus het kabinet kabinet zwijgt nu.", "Ook het kabinet spreekt.")) == [
        ("-", "Dus"), ("+", "Ook"), ("=", " het kabinet "), ("-", "kabinet zwijgt nu"), ("+", "spreekt"), ("=", ".")]


def test_word_diff_of_the_same_text_is_one_equal_part():
    assert _ops(word_diff(OLD, OLD)) == [("=", OLD)]


def test_word_diff_keeps_hyphenated_words_and_decimals_whole():
    ops = _ops(word_diff("De Resolute Support-missie kost 1,5 miljard.", "De Resolute Support-operatie kost 2,5 miljard."))
    assert ops == [("=", "De Resolute "), ("-", "Support-missie"), ("+", "Support-operatie"), ("=", " kost "),
                   ("-", "1,5"), ("+", "2,5"), ("=", " miljard.")]


@pytest.mark.parametrize("n", [70_000])
def test_word_diff_of_very_many_distinct_words_rebuilds_both_texts(n: int):
    # Each distinct token gets its own code point: past the first private-use plane (65 533
    # tokens) they move on to the next one and must still never collide.
    old = " ".join(f"w{i}" for i in range(n))
    new = old.replace("w1 ", "een ").replace(f"w{n - 1}", "nieuw")
    ops = word_diff(old, new)
    assert "".join(o.text for o in ops if o.op != "+") == old
    assert "".join(o.text for o in ops if o.op != "-") == new
    assert [o.text for o in ops if o.op != "="] == ["w1", "een", f"w{n - 1}", "nieuw"]


# --- diff_ratio -----------------------------------------------------------------------

def test_diff_ratio_is_the_share_of_unchanged_characters():
    assert diff_ratio([DiffOp("=", "abcd")]) == 1.0
    assert diff_ratio([DiffOp("-", "ab"), DiffOp("+", "cd")]) == 0.0
    # 2 * 4 unchanged / (2 * 4 + 2 removed + 6 added)
    assert diff_ratio([DiffOp("=", "abcd"), DiffOp("-", "xy"), DiffOp("+", "uvwxyz")]) == 0.5
    assert diff_ratio([]) == 1.0


def test_diff_ratio_of_a_small_edit_is_high_and_of_a_rewrite_low():
    small = diff_ratio(word_diff(OLD, OLD.replace("Afghanistan", "Irak")))
    rewrite = diff_ratio(word_diff(OLD, "Dit onderwerp komt later terug in een aparte brief."))
    assert 0.8 < small < 1.0 and rewrite < 0.3


# --- renderings -----------------------------------------------------------------------

def test_inline_marks_removed_and_inserted_words_wdiff_style():
    assert inline(word_diff(OLD, NEW)) == \
        "Het kabinet [-faciliteert vrijwillige-]{+onderzoekt gedwongen+} terugkeer naar Afghanistan."
    assert inline([DiffOp("-", "weg")]) == "[-weg-]"
    assert inline([DiffOp("+", "erbij")]) == "{+erbij+}"
    assert inline([DiffOp("=", "gelijk")]) == "gelijk"
    assert inline([]) == ""


def test_unified_shows_both_versions_under_their_labels():
    assert unified("Nederland levert 80 militairen.", "Nederland levert 120 militairen.").split("\n") == [
        "--- eerder", "+++ nu", "@@ -1 +1 @@", "-Nederland levert 80 militairen.",
        "+Nederland levert 120 militairen."]
    got = unified("Oud.", "Nieuw.", "kst-1", "kst-2")
    assert got.split("\n")[:2] == ["--- kst-1", "+++ kst-2"]


def test_unified_wraps_long_statements_and_keeps_all_context():
    old = " ".join(["steun"] * 30) + " voor Irak"
    new = " ".join(["steun"] * 30) + " voor Syrië"
    lines = unified(old, new, width=20).split("\n")
    assert all(len(line) <= 21 for line in lines[3:])  # one column for the -/+/space mark
    # the whole statement is context, not the default three lines around the change
    assert lines[2] == "@@ -1,11 +1,11 @@"
    assert [line for line in lines[3:] if line[0] != " "] == ["-voor Irak", "+voor Syrië"]
    assert lines[3:6] == [" steun steun steun"] * 3 and len(lines) == 3 + 10 + 2


def test_unified_wraps_at_72_columns_by_default():
    old = "Het kabinet faciliteert de vrijwillige terugkeer van Afghanen naar Kabul."
    assert len(old) == 73
    assert unified(old, old.replace("Kabul", "Herat")).split("\n")[2:] == [
        "@@ -1,2 +1,2 @@", " Het kabinet faciliteert de vrijwillige terugkeer van Afghanen naar", "-Kabul.", "+Herat."]


def test_unified_of_an_empty_side_is_one_empty_line():
    assert unified("", "Nieuw.").split("\n") == ["--- eerder", "+++ nu", "@@ -1 +1 @@", "-", "+Nieuw."]
    assert unified("Oud.", "").split("\n")[-2:] == ["-Oud.", "+"]
    assert unified("Gelijk.", "Gelijk.") == ""


# --- numbers --------------------------------------------------------------------------

def test_numbers_are_the_quantities_as_written():
    assert numbers("Het kabinet trekt ruim 25 miljoen euro uit voor ca. 80 militairen en 74% van de kosten.") \
        == ["ruim 25 miljoen euro", "ca. 80 militairen", "74%"]
    assert numbers("Op 16 oktober is vraag 6 beantwoord.") == []


# --- modality -------------------------------------------------------------------------

@pytest.mark.parametrize("text, categories", [
    ("Het kabinet faciliteert de vrijwillige terugkeer.", ("doing",)),
    ("Nederland zet de steun voort.", ()),  # a separable verb: "zet ... voort" is not one word
    ("Nederland zal de steun voortzetten.", ("committing", "continuing")),
    ("Het kabinet is voornemens de missie te verlengen.", ("intending",)),
    ("Het kabinet streeft naar een akkoord.", ("intending",)),
    ("Het kabinet onderzoekt de opties.", ("exploring",)),
    ("Het kabinet bekijkt de opties.", ("exploring",)),
    ("Het kabinet onderzoekt de mogelijkheden.", ("exploring", "possible")),
    ("Het kabinet overweegt een bijdrage.", ("exploring",)),
    ("Een bijdrage is eventueel denkbaar.", ("possible",)),
    ("Nederland moet de bijdrage verhogen.", ("required",)),
    ("Het is noodzakelijk dat de missie doorgaat.", ("required",)),
    ("Het kabinet beëindigt de missie.", ("stopping",)),
    ("Nederland schort de steun op.", ()),
    ("Nederland gaat de steun opschorten.", ("stopping",)),
    ("Het kabinet handhaaft de bijdrage.", ("doing",)),  # the first listing of a word wins
    ("De missie is afgerond.", ("done",)),
    ("De terugtrekking is van start gegaan.", ("done",)),
    ("Het programma werd in maart gestart.", ("done",)),
    ("De projecten zijn inmiddels gerealiseerd.", ("done",)),
    ("Het kabinet stuurt de Kamer een brief.", ()),
])
def test_modality_places_a_statement_on_the_commitment_scale(text: str, categories: tuple[str, ...]):
    assert modality(text).categories == categories


def test_modality_keeps_the_markers_it_found_in_order():
    m = modality("Het kabinet onderzoekt of het de steun kan beëindigen.")
    assert m.categories == ("exploring", "possible", "stopping")
    assert m.markers == ("onderzoekt", "kan", "beëindigen")
    assert modality("De missie is inmiddels afgerond.").markers == ("is inmiddels afgerond",)
    assert modality("Dit is mogelijk Mogelijk.").markers == ("mogelijk", "mogelijk")


def test_a_long_gap_or_a_sentence_end_is_no_state_reached():
    assert "done" not in modality("De afbouw moet uiterlijk 1 september a.s. beginnen.").categories
    assert "done" in modality("Het werk is per 1 mei jl. gestart.").categories
    # a new sentence (a capital after the full stop) ends the search: this plan has not started
    assert "done" not in modality("Het overleg is gaande. Daarna worden de gesprekken gestart.").categories
    far = "De missie is " + "heel " * 30 + "lang geleden gestart."
    assert "done" not in modality(far).categories
    assert "done" in modality("De missie is " + "heel " * 10 + "lang geleden gestart.").categories


@pytest.mark.parametrize("text, negated, negations", [
    ("Het kabinet steunt de missie.", False, 0),
    ("Het kabinet steunt de missie niet.", True, 1),
    ("Er komt geen nieuwe missie en nooit meer een oude.", True, 2),
    ("Niemand steunt het voorstel, niets wijst op steun en nergens is draagvlak.", True, 3),
    ("Het kabinet steunt de missie niet langer.", True, 1),
    ("Er is geen sprake van uitbreiding.", True, 1),
    ("Uitbreiding is NIET aan de orde.", True, 1),
])
def test_negation(text: str, negated: bool, negations: int):
    m = modality(text)
    assert (m.negated, m.negations) == (negated, negations)
    assert not any(w in m.markers for w in ("niet", "geen", "nooit"))


def test_negation_phrases_count_without_a_negator_word():
    assert modality("Daarvan is Geen Sprake.").negated  # phrases match in any case
    assert modality("De missie wordt niet langer gesteund.").negated


def test_modality_label():
    assert modality("Het kabinet faciliteert de terugkeer.").label() == "doing"
    assert modality("Het kabinet faciliteert de terugkeer niet.").label() == "not doing"
    assert modality("Het kabinet stuurt een brief.").label() == "neutral"
    assert modality("Het kabinet stuurt geen brief.").label() == "not neutral"
    assert modality("Nederland zal de steun mogelijk voortzetten.").label() == "committing/continuing/possible"
    assert Modality(("a", "b"), (), True).label() == "not a/b"


def test_continuing_counts_only_with_something_done():
    # "de druk blijft groot" states a situation
    assert modality("De druk op de opvang blijft groot.").core == ()
    assert modality("De druk op de opvang blijft groot.").categories == ("continuing",)
    assert modality("Nederland blijft de opvang steunen.").core == ("continuing", "doing")
    assert modality("Nederland zal de opvang blijven steunen.").core == ("committing", "continuing", "doing")
    assert modality("Nederland zal de steun voortzetten.").core == ("committing",)
    assert Modality(("continuing",), (), False).core == ()
    assert Modality(("doing",), (), False).core == ("doing",)


# --- compare --------------------------------------------------------------------------

def test_compare_of_the_same_text_is_unchanged():
    c = compare(OLD, OLD)
    assert c.unchanged and c.ratio == 1.0 and c.ops == (DiffOp("=", OLD),)
    assert not c.numbers_changed and not c.modality_changed


def test_compare_collects_numbers_modality_and_quantity_changes():
    c = compare("Het kabinet trekt 25 miljoen euro uit voor de opvang.",
                "Het kabinet trekt 30 miljoen euro uit voor de opvang.")
    assert isinstance(c, Comparison)
    assert not c.unchanged
    assert c.old_numbers == ("25 miljoen euro",) and c.new_numbers == ("30 miljoen euro",)
    assert c.numbers_changed and [q.unit for q in c.quantity_changes] == ["euro"]
    assert not c.modality_changed
    assert c.ratio == diff_ratio(list(c.ops)) and 0.9 < c.ratio < 1.0
    assert "".join(o.text for o in c.ops if o.op != "+") == "Het kabinet trekt 25 miljoen euro uit voor de opvang."


def test_a_reworded_amount_of_the_same_value_is_no_change():
    c = compare("Het kabinet trekt 25 miljoen euro uit.", "Het kabinet trekt € 25 mln uit.")
    assert not c.unchanged and not c.numbers_changed


@pytest.mark.parametrize("old, new, changed", [
    ("Het kabinet faciliteert de terugkeer.", "Het kabinet onderzoekt de terugkeer.", True),
    ("Het kabinet faciliteert de terugkeer.", "Het kabinet faciliteert de terugkeer niet.", True),
    ("Het kabinet faciliteert de terugkeer niet.", "Het kabinet faciliteert de terugkeer.", True),
    ("Het kabinet faciliteert de terugkeer.", "Het kabinet steunt de terugkeer.", False),
    ("Het kabinet steunt geen missie.", "Het kabinet steunt niet en nooit een missie.", False),
    # "blijft" without anything done commits to nothing: no move
    ("De druk is groot.", "De druk blijft groot.", False),
    ("Nederland steunt de opvang.", "Nederland blijft de opvang steunen.", True),
])
def test_modality_changed(old: str, new: str, changed: bool):
    assert compare(old, new).modality_changed is changed
