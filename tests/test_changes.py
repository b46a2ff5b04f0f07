"""Position diffs: pure comparisons on constructed sentences, and the timeline in a real database."""
from __future__ import annotations

import datetime as dt
import json

from monitor.align import SimilarityIndex, align
from monitor.diff import compare, modality, numbers, word_diff
from monitor.position import (ADDED, INITIAL, MODIFIED, NOT_RESTATED, REAFFIRMED, PositionStatement,
                              PositionTracker)
from tests.conftest import query, scalar


def test_word_diff_reconstructs_both_texts_on_word_boundaries():
    old = "Nederland faciliteert de vrijwillige terugkeer van afgewezen asielzoekers."
    new = "Nederland onderzoekt de gedwongen terugkeer van afgewezen asielzoekers."
    ops = word_diff(old, new)
    assert "".join(o.text for o in ops if o.op != "+") == old
    assert "".join(o.text for o in ops if o.op != "-") == new
    changed = {(o.op, o.text.strip()) for o in ops if o.op != "="}
    assert ("-", "faciliteert") in changed and ("+", "onderzoekt") in changed
    assert all(" " not in t for _, t in changed)  # whole words, no fragments like "vrijwilli"


def test_numbers_and_modality():
    assert numbers("Nederland zegde 200 miljoen euro toe, 74% van de begroting, vijf miljoen per jaar.") == [
        "200 miljoen euro", "74%", "vijf miljoen"]
    cmp = compare("Nederland reserveert 200 miljoen euro voor 2021-2024.",
                  "Nederland reserveert 150 miljoen euro voor 2021-2024.")
    assert cmp.numbers_changed and not cmp.modality_changed
    assert modality("Nederland faciliteert de vrijwillige terugkeer.").categories == ("doing",)
    assert modality("Het kabinet onderzoekt de mogelijkheden.").categories[0] == "exploring"
    assert modality("Gedwongen terugkeer is niet aan de orde.").negated
    assert compare("Het kabinet steunt het fonds.", "Het kabinet steunt het fonds niet langer.").modality_changed


def test_alignment_is_one_to_one_and_prefers_the_best_pair():
    index = SimilarityIndex()
    index.add("a", "Nederland faciliteert de vrijwillige terugkeer van afgewezen Afghaanse asielzoekers.")
    index.add("b", "Nederland draagt bij aan de opvang van vluchtelingen in de regio.")
    got = align(["Nederland onderzoekt de gedwongen terugkeer van afgewezen Afghaanse asielzoekers.",
                 "De vrijwillige terugkeer van afgewezen asielzoekers blijft mogelijk.",
                 "Het weer is vandaag mooi en zonnig in Den Haag."], index, threshold=0.12)
    assert [(m.new, m.old) for m in got] == [(0, "a")]


def _ps(uid: str, letter: str, day: int, text: str) -> PositionStatement:
    return PositionStatement(uid, letter, dt.date(2024, 1, day), text)


def test_tracker_kinds_and_standing_position():
    t = PositionTracker(threshold=0.12)
    first = t.process("A", dt.date(2024, 1, 1), {"terugkeer": [
        _ps("a1", "A", 1, "Nederland faciliteert de vrijwillige terugkeer van afgewezen asielzoekers naar Afghanistan."),
        _ps("a2", "A", 1, "De terugkeersamenwerking met de Afghaanse regering verloopt naar tevredenheid.")]})
    assert {c.kind for c in first} == {INITIAL}  # the first letter sets the position, it adds nothing
    second = t.process("B", dt.date(2024, 2, 1), {"terugkeer": [
        _ps("b1", "B", 2, "Nederland onderzoekt de gedwongen terugkeer van afgewezen asielzoekers naar Afghanistan."),
        _ps("b2", "B", 2, "Er wordt 5 miljoen euro uitgetrokken voor herintegratie van teruggekeerde Afghanen.")]})
    kinds = {c.kind: c for c in second}
    assert kinds[MODIFIED].old.uid == "a1" and kinds[MODIFIED].new.uid == "b1"
    assert "modality" in kinds[MODIFIED].details
    assert kinds[ADDED].new.uid == "b2"
    assert kinds[NOT_RESTATED].old.uid == "a2" and not kinds[NOT_RESTATED].published  # kept, and still standing:
    assert {s.uid for s in t.position("terugkeer")} == {"a2", "b1", "b2"}
    third = t.process("C", dt.date(2024, 3, 1), {"terugkeer": [
        _ps("c1", "C", 3, "Nederland onderzoekt de gedwongen terugkeer van afgewezen asielzoekers naar Afghanistan.")]})
    assert [c.kind for c in third if c.new] == [REAFFIRMED]


def _changes(db_url: str) -> list[tuple]:
    return sorted(query(
        db_url, "SELECT c.uid, c.topic, c.kind, l.key, ns.uid, os.uid, c.published, c.significance FROM change c "
        "JOIN letter l ON l.id = c.letter_id LEFT JOIN statement ns ON ns.id = c.statement_id "
        "LEFT JOIN statement os ON os.id = c.previous_statement_id WHERE c.superseded_at IS NULL"))


def test_reverse_order_ingest_gives_the_same_changes(cli, db_url, seeded, seeds_copy, databases):
    in_order = _changes(db_url)
    assert in_order
    from click.testing import CliRunner

    from monitor.cli import main
    other = databases.new("reverse")
    files = sorted(p for p in seeds_copy.iterdir() if not p.name.endswith(".meta.toml"))
    for f in reversed(files):  # newest letter first: every later ingest is a late arrival
        result = CliRunner().invoke(main, ["--database", other, "ingest", str(f)])
        assert result.exit_code == 0, result.output
    assert _changes(other) == in_order
    superseded = scalar(other, "SELECT count(*) FROM change WHERE superseded_at IS NOT NULL")
    notes = [r[0] for r in query(other, "SELECT note FROM analysis_run WHERE kind = 'changes'")]
    assert superseded > 0 and any("recomputed" in n for n in notes)  # the history shows the recomputation


def test_seed_changes_through_the_cli(cli, seeded):
    out = cli("changes", "--topic", "terugkeer", "--kind", "modified").output
    assert "faciliteert Nederland de vrijwillige terugkeer" in out and "gedwongen terugkeer" in out
    assert "modality: doing" in out
    lines = cli("changes", "--json", "--limit", "500").output.splitlines()
    data = [json.loads(l) for l in lines]
    assert all(d["kind"] != "reaffirmed" for d in data)
    assert not any("Geachte voorzitter" in (d["new_text"] or "") for d in data)
    assert not any(d["topic"] == "terugkeer" and "militairen" in (d["new_text"] or "") for d in data)
    pos = cli("position", "terugkeer", "--as-of", "2021-12-31").output
    assert "faciliteert Nederland de vrijwillige terugkeer" in pos and "source:" in pos
    assert "gedwongen terugkeer" not in pos  # said in 2026, not yet standing in 2021
    out = cli("diff", "kst-28676-361", "kst-27925-781", "--topic", "veiligheid").output
    assert "changed" in out and "not restated" in out  # English labels around the letters' Dutch
    assert "gewijzigd" not in out and "niet herhaald" not in out
    assert "unknown topic" in cli("changes", "--topic", "nope", expect=2).output
    assert "expected YYYY-MM-DD" in cli("changes", "--since", "gisteren", expect=2).output


def _two_letters(folder, old: str, new: str):
    folder.mkdir()
    for day, ref, text in (("2024-01-10", "kst-99999-1", old), ("2024-02-10", "kst-99999-2", new)):
        (folder / f"{day}.txt").write_text(f"Den Haag, {day}\n\nGeachte voorzitter,\n\n{text}\n", encoding="utf-8")
        (folder / f"{day}.meta.toml").write_text(f'title = "Opvang in de regio"\ndate = {day}\nkind = "brief"\n'
                                                 f'reference = "{ref}"\n', encoding="utf-8")
    return folder


def test_the_compare_page_pairs_by_the_feeds_own_rule(cli, db_url, tmp_path, monkeypatch):
    """A description and a new stance that align but are not the same point (below analysis.restatement): the
    feed says "added"; `diff` and the compare page (compare_letters) show a new and a gone statement, not a change.
    At a lower restatement bar both call them the same point."""
    from sqlalchemy.orm import Session

    from monitor.compare import CHANGED, GONE, NEW, compare_letters
    from monitor.config import load_settings
    from monitor.store import queries
    from monitor.store.db import make_engine
    from tests.conftest import ROOT

    old = "De opvang van Afghaanse vluchtelingen in de regio staat onder grote druk door de droogte en de winter."
    new = "Het kabinet zal de opvang van Afghaanse vluchtelingen in de regio blijven steunen met noodhulp."
    cli("ingest", str(_two_letters(tmp_path / "in", old, new)))
    kinds = {k for (k,) in query(db_url, "SELECT c.kind FROM change c JOIN letter l ON l.id = c.letter_id "
                                         "WHERE l.reference = 'kst-99999-2' AND c.superseded_at IS NULL")}
    assert MODIFIED not in kinds and REAFFIRMED not in kinds and ADDED in kinds

    def pairs(**env: str) -> list[str]:
        settings = load_settings(ROOT / "config.toml", database_url=db_url,
                                 environ={f"MONITOR_ANALYSIS_{k.upper()}": v for k, v in env.items()})
        engine = make_engine(db_url)
        try:
            with Session(engine) as session:
                a, b = queries.find_letter(session, "kst-99999-1"), queries.find_letter(session, "kst-99999-2")
                topic = next(t for (t,) in query(db_url, "SELECT DISTINCT c.topic FROM change c"))
                return sorted(p.kind for p in compare_letters(session, settings, a, b, topic)[2])
        finally:
            engine.dispose()
    assert pairs() == [GONE, NEW]
    assert pairs(restatement="0.12", same_point="0.12") == [CHANGED]  # aligned at the default threshold (0.12)
