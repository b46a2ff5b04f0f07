"""The change signal: what may pair, what counts as a quantity, what silence means, what a feed entry leads with.

Rules are pinned with real sentences from the seed letters; the last tests run the whole pipeline on them.
"""
from __future__ import annotations

import datetime as dt
import json
import random

from html.parser import HTMLParser

import feedparser
from click.testing import CliRunner

from monitor.cli import main
from monitor.diff import compare
from monitor.feed import ChangeSet, EntryChange, FeedMeta, LetterRef, changeset_html, render
from monitor.function import classify
from monitor.model import Statement
from monitor.pipeline import parse_letter
from monitor.position import ADDED, MODIFIED, NOT_RESTATED, PositionStatement, PositionTracker
from monitor.quantities import quantities
from monitor.significance import Traits
from tests.conftest import ROOT, query


def _function(text: str, kind: str = "paragraph", section_kind: str = "") -> str:
    return classify([Statement(0, kind, text, 0, len(text), section_kind=section_kind)])[0].name


def test_furniture_promises_and_questions_carry_no_position():
    for text in ("Vragen van de leden Westerveld en Piri (beiden GroenLinks-PvdA) aan de ministers van Asiel en "
                 "Migratie en van Buitenlandse Zaken over gesprekken met de Taliban.",
                 "Deze vragen werden ingezonden op 13 mei 2026 met kenmerk 2026Z09763.",
                 "In deze brief gaat het kabinet eerst in op het Nederlandse belang in Afghanistan.",
                 "De Kamer zal hierover op een later moment nader worden geïnformeerd.",
                 "Mochten de ontwikkelingen daartoe aanleiding geven, zullen we uw Kamer hierover informeren.",
                 "Op moment van schrijven is nog geen concrete agenda van deze JBZ-Raad beschikbaar."):
        assert _function(text) in ("furniture", "meta", "inform", "agenda"), text
    assert _function("Ziet u de Taliban als een normale gesprekspartner?", "question", "question") == "question"
    # a past report to the Kamer with content is a fact, not a promise
    assert _function("Op 4 februari jl. is uw Kamer geïnformeerd over de gereedstelling van ca. 80 militairen.") \
        == "figure"
    assert _function("Nederland faciliteert de vrijwillige terugkeer van niet-regulier verblijvende Afghanen.") \
        == "commitment"


def test_furniture_never_pairs_even_when_nearly_identical():
    """Two letters' headers differ only in their numbers: the tracker never sees them (their function)."""
    headers = ["Nr. 781 BRIEF VAN DE MINISTER VAN DEFENSIE Aan de Voorzitter van de Tweede Kamer",
               "Nr. 782 BRIEF VAN DE MINISTER VAN DEFENSIE Aan de Voorzitter van de Tweede Kamer"]
    assert {_function(h, kind="paragraph") for h in headers} == {"furniture"}


def test_acht_is_a_verb_and_tachtig_is_eighty():
    assert quantities("Ik acht het van belang dat de Kamer wordt gehoord.") == ()
    assert not compare("Het kabinet acht het van belang dat de steun doorgaat.",
                       "Het kabinet acht het noodzakelijk dat de steun doorgaat.").numbers_changed
    same = compare("Op 4 februari jl. is uw Kamer geïnformeerd over de inzet van ca. 80 militairen.",
                   "Vorige maand is uw Kamer geïnformeerd over de inzet van circa tachtig militairen.")
    assert not same.numbers_changed  # dates and "80" = "tachtig" are no change
    more = compare("Nederland levert ca. 80 militairen ter versterking van de beveiligingscapaciteit.",
                   "Nederland levert honderdtwintig militairen ter versterking van de beveiligingscapaciteit.")
    assert more.numbers_changed and more.quantity_changes[0].unit == "militair"
    assert not compare("Zie het antwoord op vraag 6 van 16 oktober.",
                       "Zie het antwoord op vraag 7 van 17 oktober.").numbers_changed


def _ps(uid: str, letter: str, text: str, function: str = "commitment", position: int = 0) -> PositionStatement:
    return PositionStatement(uid, letter, dt.date(2024, 1, 1), text, traits=Traits(function=function,
                                                                                    government=True), position=position)


def test_a_changed_quantity_of_the_same_thing_is_a_modified_change_and_leads():
    t = PositionTracker(threshold=0.12)
    t.process("A", dt.date(2024, 1, 1), {"veiligheid": [
        _ps("a1", "A", "Nederland levert ca. 80 militairen ter versterking van de beveiligingscapaciteit in TAAC-N."),
        _ps("a2", "A", "De ambassade in Kaboel blijft open zolang de veiligheidssituatie dat toestaat.", "intention", 1)]})
    out = t.process("B", dt.date(2024, 2, 1), {"veiligheid": [
        _ps("b1", "B", "Nederland levert honderdtwintig militairen ter versterking van de beveiligingscapaciteit "
                       "in TAAC-N."),
        _ps("b2", "B", "Het weer in Den Haag was zonnig tijdens het overleg met de bondgenoten.", "fact", 1)]},
        series="27925")
    modified = [c for c in out if c.kind == MODIFIED]
    assert len(modified) == 1 and "numbers" in modified[0].aspects and modified[0].old.uid == "a1"
    published = sorted((c for c in out if c.published), key=lambda c: -c.significance)
    assert published[0] is modified[0]


def test_a_weak_pairing_where_nothing_moved_is_not_a_modification():
    t = PositionTracker(threshold=0.05)
    t.process("A", dt.date(2024, 1, 1), {"veiligheid": [
        _ps("a1", "A", "De Taliban hebben de druk op de Afghaanse veiligheidstroepen in vrijwel heel Afghanistan "
                       "verder opgevoerd, waardoor hoofdsteden geïsoleerd zijn geraakt.", "fact")]})
    out = t.process("B", dt.date(2024, 2, 1), {"veiligheid": [
        _ps("b1", "B", "Het aantal schoolgaande kinderen steeg sterk in de afgelopen twintig jaar.", "fact")]})
    assert [c.kind for c in out if c.new] == [ADDED]


def test_silence_is_published_only_when_a_series_drops_a_commitment_it_kept_repeating():
    dropped = "Nederland draagt vijf miljoen euro per jaar bij aan het Afghan National Army Trust Fund."
    other = "De Raad besprak de situatie aan de buitengrenzen van de Unie uitgebreid."
    for series_c, repeated, expect in (("21501-20", True, False), ("27925", True, True), ("27925", False, False)):
        t = PositionTracker(threshold=0.12)
        t.process("A", dt.date(2024, 1, 1), {"veiligheid": [_ps("a1", "A", dropped)]}, series="27925")
        # letter B restates the commitment (or says something else): only a repeated point's silence is news
        t.process("B", dt.date(2024, 2, 1), {"veiligheid": [_ps("b1", "B", dropped if repeated else other, "fact"
                                                                if not repeated else "commitment")]},
                  series="27925")
        out = t.process("C", dt.date(2024, 3, 1), {"veiligheid": [
            _ps("c1", "C", "Het weer tijdens de bijeenkomst in Brussel was uitzonderlijk zonnig en warm.", "fact")]},
            series=series_c)
        silent = [c for c in out if c.kind == NOT_RESTATED and c.old.text == dropped]
        assert any(c.published for c in silent) is expect, (series_c, repeated)


def _seed_db(databases, order: list[str], name: str) -> str:
    db = databases.new(name)
    for f in order:
        result = CliRunner().invoke(main, ["--config", str(ROOT / "config.toml"), "--database", db, "ingest", f])
        assert result.exit_code == 0, result.output
    return db


def _published(db: str) -> list[tuple]:
    return sorted(query(db, "SELECT c.uid, c.topic, c.kind, c.significance FROM change c "
                            "WHERE c.superseded_at IS NULL AND c.published"))


def test_published_changes_do_not_depend_on_arrival_order(databases, seeds_copy):
    files = sorted(str(p) for p in seeds_copy.iterdir() if not p.name.endswith(".meta.toml"))
    in_order = _seed_db(databases, files, "in-order")
    reference = _published(in_order)
    assert reference
    rng = random.Random(20261130)
    for i in range(2):
        order = files[:]
        rng.shuffle(order)
        assert _published(_seed_db(databases, order, f"shuffled-{i}")) == reference, order
    db = databases.new("full", template=in_order)  # the same letters, in order, then analysed anew in full
    result = CliRunner().invoke(main, ["--config", str(ROOT / "config.toml"), "--database", db, "analyse"])
    assert result.exit_code == 0, result.output
    assert _published(db) == reference


def test_seed_letters_make_no_noise_from_other_subjects_or_silence(cli, seeded):
    data = [json.loads(l) for l in cli("changes", "--json", "--limit", "1000").output.splitlines()]
    published = [d for d in data if d["published"]]
    # the JBZ letter's Belarus/Lithuania report and the NATO letter's Ukraine section are out of scope
    assert not any(w in (d["new_text"] or "") for d in data for w in ("Belarus", "Oekraïne", "Russische"))
    # a JBZ-council letter does not "drop" what a development letter said
    assert not any(d["kind"] == NOT_RESTATED for d in published)
    # furniture and questions never appear
    assert not any((d["new_text"] or "").startswith(("Vragen van de leden", "Nr. ")) for d in data)
    # the headline change of the 2026 answers leads its entry
    terugkeer = sorted((d for d in published if d["letter"] == "2026Z09763" and d["topic"] == "terugkeer"),
                       key=lambda d: -d["significance"])
    assert "gedwongen terugkeer" in terugkeer[0]["new_text"] and "vrijwillige terugkeer" in terugkeer[0]["old_text"]


def test_a_feed_entry_is_a_ranked_digest_that_folds_the_rest():
    letter = LetterRef("kst-1", "Brief", dt.date(2026, 7, 10), "http://x/letters/kst-1")
    items = tuple(EntryChange(f"c{i}", "added", (), None, f"Punt nummer {i} van het kabinet.",
                              published=i < 3, significance=1 - i / 10) for i in range(7))
    cs = ChangeSet("terugkeer", letter, items, "http://x/changes/kst-1/terugkeer")
    meta = FeedMeta("tag:x,2026:feed", "Monitor", "http://x/feed.atom", "http://x/", "pm", "http://x/a/{n}.atom")
    body = render(meta, [cs], page_size=50)
    entry = feedparser.parse(body).entries[0]
    html = entry.content[0].value
    positions = [html.index(f"Punt nummer {i} ") for i in range(3)]
    assert positions == sorted(positions)  # most significant first
    assert "Punt nummer 3 " not in html and "en 4 kleinere wijzigingen" in html
    assert entry.summary.startswith("terugkeer: nieuw: “Punt nummer 0")
    assert render(meta, [cs], page_size=50) == body  # same data, same bytes


def test_function_and_scope_are_stored_with_their_evidence(cli, seeded, db_url):
    def as_json(value):  # SQLite hands JSON back as text, PostgreSQL as the parsed value
        return json.loads(value) if isinstance(value, str) else value
    row = query(db_url, "SELECT function, function_evidence FROM statement WHERE text LIKE "
                        "'Mochten de ontwikkelingen daartoe aanleiding geven%'")[0]
    assert row[0] == "inform" and as_json(row[1])["rule"] == "promise to inform the Kamer"
    row = query(db_url, "SELECT in_scope, scope_evidence FROM statement WHERE text LIKE "
                        "'Ook Nederland noemde de acties van Belarus%'")[0]
    assert not row[0] and "Belarus" in json.dumps(as_json(row[1]), ensure_ascii=False)


def test_the_seed_letters_parse_into_position_and_non_position_statements():
    text = (ROOT / "seeds" / "2021-05-12-defensie-terugkeer-afghanistan.txt").read_bytes()
    parsed = parse_letter(text, "defensie.txt")
    functions = dict(zip((s.text for s in parsed.statements), (f.name for f in classify(parsed.statements))))
    assert functions["Met deze brief geef ik, mede namens de Minister van Buitenlandse Zaken, invulling aan deze "
                     "toezegging."] == "meta"
    beeindigd = next(k for k in functions if k.startswith("In de Afghaanse hoofdstad Kaboel"))
    assert functions[beeindigd] == "decision"


class _Text(HTMLParser):
    """What a text-only reader (newsboat, w3m -dump) shows: text, with block elements on their own lines."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "blockquote", "br", "ol", "ul"}

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def lines(self) -> list[str]:
        return [l.strip() for l in "".join(self.out).splitlines() if l.strip()]


def test_a_long_entry_leads_with_five_and_reads_in_order_as_plain_text():
    letter = LetterRef("kst-2", "Brief", dt.date(2026, 7, 10), "http://x/letters/kst-2")
    items = [EntryChange("m", "modified", ("modality",), "Het kabinet faciliteert vrijwillige terugkeer.",
                         "Het kabinet onderzoekt gedwongen terugkeer.",
                         diff=(("=", "Het kabinet "), ("-", "faciliteert vrijwillige"), ("+", "onderzoekt gedwongen"),
                               ("=", " terugkeer.")), significance=0.95)]
    items += [EntryChange(f"c{i}", "added", (), None, f"Punt nummer {i} van het kabinet.",
                          published=i < 9, significance=0.9 - i / 20) for i in range(11)]
    cs = ChangeSet("terugkeer", letter, tuple(items), "http://x/changes/kst-2/terugkeer")
    meta = FeedMeta("tag:x,2026:feed", "Monitor", "http://x/feed.atom", "http://x/", "pm", "http://x/a/{n}.atom")
    entry = feedparser.parse(render(meta, [cs], page_size=50)).entries[0]
    reader = _Text()
    reader.feed(entry.content[0].value)
    text = reader.lines()
    numbered = [l for l in text if l[:2] in {f"{i}." for i in range(1, 10)}]
    assert [l.split(".")[0] for l in numbered] == ["1", "2", "3", "4", "5"]  # five items lead, in rank order
    joined = "\n".join(text)
    assert joined.index("onderzoekt gedwongen") < joined.index("Punt nummer 0 ") < joined.index("Punt nummer 3 ")
    assert "Punt nummer 4 " not in joined  # the sixth published item is one link away
    assert "en 5 andere wijzigingen en 2 kleinere wijzigingen" in joined
    # the old and the new sentence never run together on one line in a text reader
    assert "Het kabinet [-faciliteert vrijwillige-]{+onderzoekt gedwongen+} terugkeer." in text
    page = changeset_html(cs, fold=False)
    assert all(f"Punt nummer {i} " in page for i in range(11))  # the change-set page lists them all


def test_a_promise_to_respond_and_an_eu_proposal_fiche_are_procedure():
    """Issue 24 (furniture ranks first): saying what the Kamer will get, or what a document stands in for,
    takes no position, whatever topic words it carries."""
    for text in ("Tijdens het debat van 12 maart heb ik uw Kamer toegezegd schriftelijk te reageren op het rapport.",
                 "Deze appreciatie komt in plaats van een BNC-fiche over het voorstel voor een terugkeerverordening.",
                 "Overeenkomstig de bestaande afspraken ontvangt u hierbij de BNC-fiches over de migratievoorstellen."):
        assert _function(text) in ("meta", "furniture", "inform"), text
    assert _function("Het kabinet heeft besloten de terugkeerverordening te steunen.") == "decision"
