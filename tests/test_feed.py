"""Feed rendering: RFC 4287 requirements, determinism, stable ids, RFC 5005 archive paging."""
from __future__ import annotations

import dataclasses
import datetime as dt

import feedparser
import pytest
from lxml import etree

from monitor.feed import (ALL_TOPICS, ChangeSet, EntryChange, FeedMeta, LetterRef, changeset_html, merge_by_letter,
                          modality_nl, pages, render, what_moved)

ATOM = "{http://www.w3.org/2005/Atom}"
META = FeedMeta(id="tag:example.org,2026:feed", title="Test", self_url="http://x/feed.atom", html_url="http://x/",
                author="monitor", archive_url="http://x/feed/archive/{n}.atom")


def _sets(n: int) -> list[ChangeSet]:
    out = []
    for i in range(n):
        letter = LetterRef(f"L{i:03d}", f"Brief {i}", dt.date(2021, 1, 1) + dt.timedelta(days=i), f"http://x/l/{i}")
        change = EntryChange(f"c-{i}", "modified", ("modality",), "Nederland faciliteert terugkeer <b>nu</b>.",
                             "Nederland onderzoekt terugkeer <b>nu</b>.",
                             (("=", "Nederland "), ("-", "faciliteert"), ("+", "onderzoekt"), ("=", " terugkeer <b>nu</b>.")))
        out.append(ChangeSet("terugkeer", letter, (change,), f"http://x/c/{i}"))
    return out


def test_required_elements_and_html_content():
    xml = render(META, _sets(3), page_size=10)
    root = etree.fromstring(xml)
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert len(e.findall(f"{ATOM}{tag}")) == 1, tag
        assert e.find(f"{ATOM}id").text.startswith("tag:")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    first = parsed.entries[0]
    assert first.title.startswith('terugkeer: gewijzigd standpunt in "Brief 2"')  # newest first
    html = first.content[0].value
    assert "<del>[-faciliteert-]</del><ins>{+onderzoekt+}</ins>" in html
    assert "&lt;b&gt;nu&lt;/b&gt;" in html  # statement text is escaped, never markup


def test_same_data_same_bytes_and_stable_ids():
    a = render(META, _sets(5), page_size=10)
    b = render(META, list(reversed(_sets(5))), page_size=10)
    assert a == b
    ids = [e.id for e in feedparser.parse(a).entries]
    more = [e.id for e in feedparser.parse(render(META, _sets(6), page_size=10)).entries]
    assert set(ids) <= set(more)  # adding a letter keeps the old entries' ids


def test_archive_pages_walk_the_whole_history_once():
    sets = _sets(23)
    docs = {None: render(META, sets, page_size=5)}
    seen: list[str] = []
    url = None
    while True:
        parsed = feedparser.parse(docs[url] if url in docs else render(META, sets, 5, archive=int(url)))
        seen.extend(e.id for e in parsed.entries)
        older = [l.href for l in parsed.feed.links if l.rel == "prev-archive"]
        if not older:
            break
        url = older[0].rsplit("/", 1)[1].removesuffix(".atom")
    assert len(seen) == 23 and len(set(seen)) == 23
    raw = render(META, sets, 5, archive=1)
    archive = etree.fromstring(raw)
    assert archive.find("{http://purl.org/syndication/history/1.0}archive") is not None
    # written as RFC 5005 writes it: the fh: prefix, declared on the feed (not a generated ns0:)
    assert b'xmlns:fh="http://purl.org/syndication/history/1.0"' in raw and b"<fh:archive/>" in raw
    assert b"ns0" not in raw and not feedparser.parse(raw).bozo


def _arrived(sets: list[ChangeSet]) -> list[ChangeSet]:
    """The change sets as published: each first seen the day after its letter's date."""
    return [dataclasses.replace(cs, first_seen=cs.published_at + dt.timedelta(days=1)) for cs in sets]


def test_a_late_letter_rewrites_no_archive_page():
    """A subscriber's reader caches archive pages forever (RFC 5005): a letter that arrives late
    (dated before everything else) must land in the subscription document, not shift the archives."""
    sets = _arrived(_sets(12))  # 2 full archive pages of 5, 2 entries in the subscription document
    before = {n: render(META, sets, 5, archive=n) for n in (1, 2)}
    letter = LetterRef("L-late", "Late brief", dt.date(2020, 6, 1), "http://x/l/late")
    change = EntryChange("c-late", "added", (), None, "Nederland steunt de terugkeer.", ())
    late = ChangeSet("terugkeer", letter, (change,), "http://x/c/late",
                     first_seen=max(cs.first_seen for cs in sets if cs.first_seen) + dt.timedelta(days=1))
    after = sets + [late]
    assert {n: render(META, after, 5, archive=n) for n in (1, 2)} == before
    current = [e.id for e in feedparser.parse(render(META, after, 5)).entries]
    assert any(i.endswith("/L-late/terugkeer") for i in current)  # the newest entries


# ---------------------------------------------------------------- what an entry says (parsed as a reader does)

TERUGKEER_DIFF = (("=", "Nederland "), ("-", "faciliteert vrijwillige"), ("+", "onderzoekt gedwongen"),
                  ("=", " terugkeer van uitgeprocedeerde Afghanen."))


def _letter(key: str = "kst-27925-900", day: dt.date = dt.date(2021, 8, 26), sources: tuple[str, ...] = ()
            ) -> LetterRef:
    return LetterRef(key, "Verslag JBZ-Raad", day, f"http://x/letters/{key}", sources)


def _modified(**kw) -> EntryChange:
    kw.setdefault("diff", TERUGKEER_DIFF)
    return EntryChange(kw.pop("uid", "m1"), "modified", kw.pop("aspects", ("modality",)),
                       "Nederland faciliteert vrijwillige terugkeer van uitgeprocedeerde Afghanen.",
                       "Nederland onderzoekt gedwongen terugkeer van uitgeprocedeerde Afghanen.", **kw)


def _entry(cs: ChangeSet, **kw):
    parsed = feedparser.parse(render(META, [cs], page_size=50, **kw))
    assert not parsed.bozo
    return parsed.entries[0]


def test_the_headline_names_the_strongest_kind_of_change_the_letter_and_its_dutch_date():
    added = EntryChange("a1", "added", (), None, "Nederland steunt UNAMA.")
    initial = EntryChange("i1", "initial", (), None, "Nederland steunt UNAMA.")
    silent = EntryChange("n1", "not_restated", (), "Nederland steunt UNAMA.", None)
    kept_modified = dataclasses.replace(_modified(), published=False)
    cases = [((silent, added, _modified()), "gewijzigd standpunt"), ((silent, initial, added), "eerste standpunt"),
             ((silent, added), "nieuw standpunt"), ((silent,), "niet herhaalde standpunten"),
             ((added, kept_modified), "nieuw standpunt")]  # a kept (folded) item does not name the entry
    for changes, what in cases:
        for day, said in ((dt.date(2021, 1, 1), "1 januari 2021"), (dt.date(2021, 12, 31), "31 december 2021")):
            cs = ChangeSet("terugkeer", _letter(day=day), changes, "http://x/c")
            assert _entry(cs).title == f'terugkeer: {what} in "Verslag JBZ-Raad" ({said})'


def test_the_summary_says_what_moved_in_the_words_of_the_diff():
    cs = ChangeSet("terugkeer", _letter(), (_modified(details={"modality": {"old": "doing", "new": "exploring"}}),),
                   "http://x/c")
    assert _entry(cs).summary == ("terugkeer: van “faciliteert vrijwillige” naar “onderzoekt gedwongen” "
                                  "(doen → onderzoeken)")
    numbers = _modified(diff=(("=", "Nederland levert "), ("-", "80"), ("+", "120"), ("=", " militairen.")),
                        aspects=("numbers",), details={"numbers": {"old": [80], "new": [120, 5]}})
    assert _entry(ChangeSet("veiligheid", _letter(), (numbers,), "http://x/c")).summary == \
        "veiligheid: van “80” naar “120” (80 → 120, 5)"
    same_stance = _modified(details={"modality": {"old": "doing", "new": "doing"}})
    assert _entry(ChangeSet("terugkeer", _letter(), (same_stance,), "http://x/c")).summary == \
        "terugkeer: van “faciliteert vrijwillige” naar “onderzoekt gedwongen”"  # no shift to show


def test_the_summary_of_other_kinds_quotes_the_statement_and_counts_the_rest():
    long = ("Het kabinet zet zich in Europees verband in voor de opvang van Afghaanse vluchtelingen in de regio "
            "en voor de bescherming van hun rechten.")
    items = (EntryChange("a1", "added", (), None, long, significance=0.9),
             EntryChange("n1", "not_restated", (), "De ambassade in Kaboel blijft open.", None, significance=0.5),
             EntryChange("a2", "added", (), None, "Nederland steunt UNAMA.", significance=0.4),
             EntryChange("k1", "added", (), None, "Nederland volgt de situatie.", published=False))
    cs = ChangeSet("migratie", _letter(), items, "http://x/c")
    assert _entry(cs).summary == ("migratie: nieuw: “Het kabinet zet zich in Europees verband in voor de opvang "
                                  "van Afghaanse vluchtelingen …” (en 2 andere)")  # 14 words
    silent = ChangeSet("migratie", _letter(), items[1:2], "http://x/c")
    assert _entry(silent).summary == "migratie: niet herhaald: “De ambassade in Kaboel blijft open.”"
    overall = ChangeSet(ALL_TOPICS, _letter(), items[2:3], "http://x/c")
    assert overall.summary == "nieuw: “Nederland steunt UNAMA.”"  # the overall feed names no topic
    assert ChangeSet("migratie", _letter(), items[3:], "http://x/c").summary == ""  # nothing published


def test_a_modified_entry_without_both_sides_of_a_diff_quotes_the_new_text():
    only_added = _modified(diff=(("=", "Nederland onderzoekt gedwongen terugkeer van uitgeprocedeerde Afghanen"),
                                 ("+", " nu")))
    assert what_moved(only_added) == "Nederland onderzoekt gedwongen terugkeer van uitgeprocedeerde Afghanen."
    wordy = _modified(diff=(("-", "een twee drie vier vijf zes zeven acht negen"), ("+", "tien elf")))
    assert what_moved(wordy).startswith("van “een twee drie vier vijf zes zeven acht …” naar “tien elf”")


def test_dutch_labels_for_stances_keep_the_negation():
    assert modality_nl("not doing/intending") == "niet doen / voornemen"
    assert modality_nl("committing") == "toezeggen"
    assert modality_nl("stopping/done") == "beëindigen / gerealiseerd"
    assert modality_nl("") == "" and modality_nl(None) == ""
    assert modality_nl("something_new") == "something_new"  # an unknown label is shown, not dropped


def _content(cs: ChangeSet) -> str:
    return _entry(cs).content[0].value


def test_a_modified_item_shows_the_sentence_once_as_its_diff_and_what_moved_in_dutch():
    item = _modified(aspects=("modality", "numbers"),
                     details={"modality": {"old": "not doing", "new": "exploring"},
                              "numbers": {"old": [], "new": [120]}})
    html = _content(ChangeSet("terugkeer", _letter(), (item,), "http://x/c"))
    assert "<strong>1. gewijzigd</strong> (toezegging, getallen)" in html
    assert ("<blockquote><p>Nederland <del>[-faciliteert vrijwillige-]</del><ins>{+onderzoekt gedwongen+}</ins> "
            "terugkeer van uitgeprocedeerde Afghanen.</p></blockquote>") in html
    # the diff holds both versions: the sentence is not repeated as "Eerder" and "Nu"
    assert html.count("uitgeprocedeerde Afghanen") == 1 and "Eerder: " not in html and "Nu: " not in html
    assert "<p>Toezegging: niet doen → onderzoeken</p>" in html
    assert "<p>Getallen: — → 120</p>" in html


def test_an_inline_diff_that_strikes_out_nearly_everything_is_left_out():
    rewritten = _modified(diff=(("-", "Nederland faciliteert vrijwillige terugkeer van uitgeprocedeerde Afghanen."),
                                ("+", "Nederland onderzoekt gedwongen terugkeer van uitgeprocedeerde Afghanen.")))
    html = _content(ChangeSet("terugkeer", _letter(), (rewritten,), "http://x/c"))
    assert "<del>" not in html and "Eerder: " in html and "Nu: " in html
    # a fifth of the text kept is enough for the diff to say something
    kept, removed, added = "Nederland ", "faciliteert terugkeer", "steunt de terugkeer"
    assert len(kept) * 5 == len(kept + removed + added)
    fifth = _modified(diff=(("=", kept), ("-", removed), ("+", added)))
    assert "<del>" in _content(ChangeSet("terugkeer", _letter(), (fifth,), "http://x/c"))
    less = _modified(diff=(("=", kept), ("-", removed), ("+", added + "!")))
    assert "<del>" not in _content(ChangeSet("terugkeer", _letter(), (less,), "http://x/c"))


def test_an_item_names_the_earlier_letter_its_sources_the_analysts_verdict_and_notes():
    earlier = _letter("kst-27925-800", dt.date(2021, 5, 12), ("seeds/2021-05-12-defensie.txt",
                                                              "https://zoek.officielebekendmakingen.nl/kst-27925-800"))
    item = _modified(old_letter=earlier, verdict="confirmed", notes=("Zie ook het AO van 1 juni.", "<script>"))
    html = _content(ChangeSet("terugkeer", _letter(), (item,), "http://x/c"))
    assert ('<p>Eerdere brief: <a href="http://x/letters/kst-27925-800">Verslag JBZ-Raad</a> (12 mei 2021) — '
            "bron: <code>seeds/2021-05-12-defensie.txt</code> — "
            '<a href="https://zoek.officielebekendmakingen.nl/kst-27925-800">bron</a></p>') in html
    assert "<p><strong>Bevestigd door een analist.</strong></p>" in html
    assert "<p>Notitie van een analist: Zie ook het AO van 1 juni.</p>" in html
    assert "<p>Notitie van een analist: &lt;script&gt;</p>" in html
    plain = _content(ChangeSet("terugkeer", _letter(), (_modified(verdict="rejected"),), "http://x/c"))
    assert "Bevestigd" not in plain and "Eerdere brief" not in plain and "Notitie" not in plain


def test_silence_and_new_statements_are_quoted_and_silence_is_no_withdrawal():
    items = (EntryChange("n1", "not_restated", (), "De ambassade in Kaboel blijft <open>.", None, significance=0.9),
             EntryChange("a1", "added", (), None, "Nederland steunt UNAMA & UNHCR.", significance=0.5))
    html = _content(ChangeSet("terugkeer", _letter(), items, "http://x/c"))
    assert ("<p><strong>1. niet herhaald</strong></p><blockquote><p>De ambassade in Kaboel blijft &lt;open&gt;.</p>"
            "</blockquote><p><em>Niet herhaald in deze brief; dat is geen intrekking.</em></p>") in html
    assert "<p><strong>2. nieuw</strong></p><blockquote><p>Nederland steunt UNAMA &amp; UNHCR.</p></blockquote>" in html


def test_a_revised_or_reviewed_entry_says_when_and_why():
    revised = ChangeSet("terugkeer", _letter(), (_modified(),), "http://x/c",
                        revised=dt.datetime(2021, 9, 3, 23, 30, tzinfo=dt.timezone.utc))
    html = _content(revised)
    assert ("<p><em>Herzien op 3 september 2021: opnieuw berekend nadat een eerder gedateerde brief of een nieuwe "
            "versie binnenkwam.</em></p>") in html and "door een analist" not in html
    reviewed = dataclasses.replace(revised, revised=None, reviewed=dt.datetime(2021, 10, 1, tzinfo=dt.timezone.utc),
                                   verdicts=("confirmed", "rejected", "noted", "confirmed"))
    entry = _entry(reviewed)
    assert ("<p><em>Herzien op 1 oktober 2021: door een analist beoordeeld (1 afgewezen, 2 bevestigd, 1 notitie)."
            "</em></p>") in entry.content[0].value and "opnieuw berekend" not in entry.content[0].value
    # the summary says what the analyst did; the title changes, so a reader shows the entry again
    assert entry.summary.startswith("Door een analist beoordeeld op 1 oktober 2021: 1 afgewezen, 2 bevestigd, "
                                    "1 notitie. terugkeer: ")
    unreviewed = _entry(dataclasses.replace(revised, revised=None))
    assert entry.title == unreviewed.title + " — beoordeeld op 1 oktober 2021: 1 afgewezen, 2 bevestigd, 1 notitie"
    assert entry.id == unreviewed.id
    merged = _entry(dataclasses.replace(reviewed, verdicts=("merged",)))
    assert merged.title.endswith("beoordeeld op 1 oktober 2021: 1 samengevoegd") and merged.title != entry.title
    assert "Herzien" not in unreviewed.content[0].value and "beoordeeld" not in unreviewed.summary


def _items(published: int, kept: int) -> tuple[EntryChange, ...]:
    return tuple(EntryChange(f"c{i:02d}", "added", (), None, f"Punt nummer {i} van het kabinet.",
                             published=i < published, significance=1 - i / 100) for i in range(published + kept))


def test_the_folded_line_counts_the_other_and_the_smaller_changes_in_dutch():
    def folded(published: int, kept: int) -> str:
        html = changeset_html(ChangeSet("terugkeer", _letter(), _items(published, kept), "http://x/c/kst/terugkeer"))
        lines = [l for l in html.split("<p>") if 'href="http://x/c/kst/terugkeer"' in l]
        return lines[0].split(">", 1)[1].split("<")[0] if lines else ""
    assert folded(6, 0) == "en 1 andere wijziging"
    assert folded(7, 1) == "en 2 andere wijzigingen en 1 kleinere wijziging"
    assert folded(5, 2) == "en 2 kleinere wijzigingen"
    assert folded(5, 0) == ""  # everything is in the entry: no link
    assert folded(1, 0) == ""


def test_the_change_set_page_lists_everything_and_the_kept_items_under_their_own_heading():
    page = changeset_html(ChangeSet("terugkeer", _letter(), _items(7, 2), "http://x/c"), fold=False)
    assert [f"Punt nummer {i} " in page for i in range(9)] == [True] * 9
    assert "<strong>7. nieuw</strong>" in page and "andere wijziging" not in page
    head = page.index("<h2>Kleinere wijzigingen</h2>")
    assert page.index("Punt nummer 6 ") < head < page.index("Punt nummer 7 ")
    assert "<strong>nieuw</strong>" in page[head:]  # kept items carry no rank
    assert "Kleinere wijzigingen" not in changeset_html(ChangeSet("t", _letter(), _items(7, 0), "u"), fold=False)


def test_the_overall_feed_shows_a_statement_on_several_topics_once():
    day = dt.datetime(2021, 9, 1, tzinfo=dt.timezone.utc)
    shared = "Nederland onderzoekt gedwongen terugkeer van uitgeprocedeerde Afghanen."
    a = EntryChange("t-1", "added", (), None, shared, significance=0.4, published=False)
    b = EntryChange("m-1", "added", (), None, shared, significance=0.7)
    c = EntryChange("m-2", "added", (), None, "Nederland steunt UNHCR in de regio.", significance=0.9)
    other = ChangeSet("veiligheid", _letter("kst-2"), (EntryChange("v", "added", (), None, "X."),), "http://x/c/2")
    sets = [ChangeSet("terugkeer", _letter(), (a,), "http://x/c/1/terugkeer", first_seen=day,
                      revised=day + dt.timedelta(days=3)),
            other,
            ChangeSet("migratie", _letter(), (c, b), "http://x/c/1/migratie", first_seen=day - dt.timedelta(days=1),
                      reviewed=day + dt.timedelta(days=5))]
    merged = merge_by_letter(sets, {"kst-27925-900": "http://x/letters/kst-27925-900"})
    assert [(m.topic, m.letter.key) for m in merged] == [(ALL_TOPICS, "kst-27925-900"), (ALL_TOPICS, "kst-2")]
    one = merged[0]
    assert [(c.uid, c.topics, c.published) for c in one.changes] == [
        ("m-2", ("migratie",), True), ("m-1", ("migratie", "terugkeer"), True)]  # the published copy wins
    assert one.url == "http://x/letters/kst-27925-900" and merged[1].url == "http://x/c/2"
    assert (one.first_seen, one.revised, one.reviewed) == (day - dt.timedelta(days=1), day + dt.timedelta(days=3),
                                                           day + dt.timedelta(days=5))
    assert merged[1].first_seen is None and merged[1].revised is None and merged[1].reviewed is None
    html = _content(one)
    assert "<strong>2. nieuw</strong> — migratie, terugkeer</p>" in html
    assert merge_by_letter(sets[:1])[0].url == "http://x/c/1/terugkeer"  # without letter pages: the first set's
    # the stronger of two published copies wins, whatever order the topics come in
    weak, strong = (dataclasses.replace(b, uid=u, significance=s) for u, s in (("w", 0.2), ("s", 0.8)))
    for order in ((weak, strong), (strong, weak)):
        two = [ChangeSet(t, _letter(), (x,), "u") for t, x in zip(("a", "b"), order)]
        assert merge_by_letter(two)[0].changes[0].uid == "s"


def test_history_pages_hold_page_size_entries_and_the_newest_stay_in_the_subscription_document():
    assert [pages(n, 5) for n in (0, 1, 5, 6, 10, 11)] == [0, 0, 0, 1, 1, 2]
    sets = _sets(11)  # 2 archive pages of 5, 1 entry in the subscription document
    def titles(archive=None):
        return [e.title.split('"')[1] for e in feedparser.parse(render(META, sets, 5, archive=archive)).entries]
    assert titles() == ["Brief 10"]
    assert titles(1) == [f"Brief {i}" for i in (4, 3, 2, 1, 0)]  # newest first within a page too
    assert titles(2) == [f"Brief {i}" for i in (9, 8, 7, 6, 5)]
    for bad in (0, 3, -1):
        with pytest.raises(IndexError):
            render(META, sets, 5, archive=bad)
    with pytest.raises(IndexError):
        render(META, _sets(5), 5, archive=1)  # 5 entries fit the subscription document


def _links(xml: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for link in feedparser.parse(xml).feed.links:
        out.setdefault(link.rel, []).append(link.href)
    return out


def test_rfc5005_links_lead_from_each_document_to_its_neighbours():
    sets = _sets(16)  # archives 1..3, then the subscription document
    current = "http://x/feed.atom"
    assert _links(render(META, sets, 5)) == {
        "self": [current], "alternate": ["http://x/"], "current": [current], "first": [current],
        "prev-archive": ["http://x/feed/archive/3.atom"], "next": ["http://x/feed/archive/3.atom"]}
    assert _links(render(META, sets, 5, archive=2)) == {
        "self": ["http://x/feed/archive/2.atom"], "alternate": ["http://x/"], "current": [current], "first": [current],
        "prev-archive": ["http://x/feed/archive/1.atom"], "next": ["http://x/feed/archive/1.atom"],
        "next-archive": ["http://x/feed/archive/3.atom"], "previous": ["http://x/feed/archive/3.atom"]}
    oldest = _links(render(META, sets, 5, archive=1))
    assert "prev-archive" not in oldest and "next" not in oldest and oldest["next-archive"] == ["http://x/feed/archive/2.atom"]
    newest = _links(render(META, sets, 5, archive=3))
    assert newest["previous"] == [current] and "next-archive" not in newest  # after the newest archive: the feed
    assert "prev-archive" not in _links(render(META, _sets(5), 5))  # no history yet


def test_an_archive_page_has_its_own_id_and_title_and_is_marked_as_archive():
    sets = _sets(7)
    archive = feedparser.parse(render(META, sets, 5, archive=1)).feed
    assert archive.id == "tag:example.org,2026:feed/archive/1" and archive.title == "Test (archief 1)"
    current = render(META, sets, 5)
    parsed = feedparser.parse(current).feed
    assert parsed.id == "tag:example.org,2026:feed" and parsed.title == "Test" and parsed.language == "nl"
    assert parsed.author == "monitor"
    assert etree.fromstring(current).find("{http://purl.org/syndication/history/1.0}archive") is None


def test_updated_comes_from_the_data():
    sets = _sets(7)  # letters of 1..7 January 2021
    assert feedparser.parse(render(META, sets, 5)).feed.updated == "2021-01-07T00:00:00+00:00"
    assert feedparser.parse(render(META, sets, 5, archive=1)).feed.updated == "2021-01-05T00:00:00+00:00"
    revised = dt.datetime(2021, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    reviewed = dt.datetime(2021, 4, 1, 8, 0, tzinfo=dt.timezone.utc)
    sets[0] = dataclasses.replace(sets[0], revised=revised)
    sets[1] = dataclasses.replace(sets[1], revised=revised, reviewed=reviewed)
    parsed = feedparser.parse(render(META, sets, 5, archive=1))
    assert parsed.feed.updated == "2021-04-01T08:00:00+00:00"
    by_title = {e.title.split('"')[1]: e for e in parsed.entries}
    assert by_title["Brief 0"].updated == "2021-03-01T12:00:00+00:00"
    assert by_title["Brief 1"].updated == "2021-04-01T08:00:00+00:00"
    assert by_title["Brief 1"].published == "2021-01-02T00:00:00+00:00"  # published: the letter's date
    assert by_title["Brief 2"].updated == "2021-01-03T00:00:00+00:00"
    empty = feedparser.parse(render(META, [], 5))
    assert empty.feed.updated == "1970-01-01T00:00:00+00:00" and not empty.entries


def test_an_entry_links_its_change_set_page_and_is_filed_under_its_topic():
    sets = _sets(2)
    entry = feedparser.parse(render(META, sets, 5, authority="monitor.example,2026")).entries[0]
    assert entry.id == "tag:monitor.example,2026:changeset/L001/terugkeer"
    assert entry.link == "http://x/c/1"
    assert [(t.term, t.label) for t in entry.tags] == [("terugkeer", "terugkeer")]
    assert entry.author == "monitor"
    assert entry.summary.startswith("terugkeer: van “faciliteert” naar “onderzoekt”")


def test_what_moved_joins_every_removed_and_added_part_and_cuts_each_side_at_eight_words():
    scattered = _modified(diff=(("=", "Nederland "), ("-", "faciliteert"), ("+", "onderzoekt"), ("=", " de "),
                                ("-", "vrijwillige"), ("+", "gedwongen"), ("=", " terugkeer.")),
                          details={"numbers": {"old": [80, 40], "new": [120]}})
    assert what_moved(scattered) == "van “faciliteert vrijwillige” naar “onderzoekt gedwongen” (80, 40 → 120)"
    added = "een twee drie vier vijf zes zeven acht negen"
    assert what_moved(_modified(diff=(("-", "nul"), ("+", added)))) == \
        "van “nul” naar “een twee drie vier vijf zes zeven acht …”"
    fourteen = " ".join(["woord"] * 14)
    assert what_moved(EntryChange("a", "added", (), None, fourteen)) == f"nieuw: “{fourteen}”"  # no "…" at 14


def test_numbers_in_an_item_list_every_old_and_new_value():
    item = _modified(aspects=("numbers",), details={"numbers": {"old": [80, 40], "new": []}})
    assert "<p>Getallen: 80, 40 → —</p>" in _content(ChangeSet("veiligheid", _letter(), (item,), "http://x/c"))
    item = _modified(aspects=("numbers",), details={"numbers": {"old": [80], "new": [120, 40]}})
    assert "<p>Getallen: 80 → 120, 40</p>" in _content(ChangeSet("veiligheid", _letter(), (item,), "http://x/c"))


def test_a_simple_entry_is_exactly_the_letter_line_and_the_item():
    item = EntryChange("a1", "added", (), None, "Nederland steunt UNAMA.", verdict="confirmed")
    cs = ChangeSet("terugkeer", _letter(sources=("http://tk.example/kst",)), (item,), "http://x/c")
    entry = _entry(cs)
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == (
        '<p>Brief: <a href="http://x/letters/kst-27925-900">Verslag JBZ-Raad</a> (26 augustus 2021) — '
        '<a href="http://tk.example/kst">bron</a></p>'
        "<div><p><strong>1. nieuw</strong></p><blockquote><p>Nederland steunt UNAMA.</p></blockquote>"
        "<p><strong>Bevestigd door een analist.</strong></p></div>")


def test_a_reviewed_page_with_kept_items_reads_exactly():
    items = _items(1, 2)
    cs = ChangeSet("terugkeer", _letter(), items, "http://x/c",
                   reviewed=dt.datetime(2021, 10, 1, tzinfo=dt.timezone.utc), verdicts=("rejected", "noted"))
    quoted = ["<div><p><strong>{}nieuw</strong></p><blockquote><p>Punt nummer {} van het kabinet.</p></blockquote>"
              "</div>".format(rank, i) for rank, i in (("1. ", 0), ("", 1), ("", 2))]
    assert changeset_html(cs, fold=False) == (
        '<p>Brief: <a href="http://x/letters/kst-27925-900">Verslag JBZ-Raad</a> (26 augustus 2021)</p>'
        "<p><em>Herzien op 1 oktober 2021: door een analist beoordeeld (1 afgewezen, 1 notitie).</em></p>"
        + quoted[0] + "<h2>Kleinere wijzigingen</h2>" + quoted[1] + quoted[2])


def test_a_quote_in_an_address_cannot_leave_its_attribute():
    sneaky = 'https://tk.example/a" onmouseover="alert(1)'
    html = changeset_html(ChangeSet("t", _letter(sources=(sneaky,)), (_modified(),), "http://x/c"))
    assert 'href="https://tk.example/a&quot; onmouseover=&quot;alert(1)"' in html and 'a" onmouseover' not in html


def test_both_documents_are_utf8_xml_with_a_declaration_and_typed_links():
    sets = [dataclasses.replace(cs, topic="terugkeer — asiel") for cs in _sets(16)]  # archives 1..3
    for archive in (None, 1, 2, 3):
        body = render(META, sets, 5, archive=archive)
        assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") and "— asiel".encode() in body
        links = etree.fromstring(body).findall(f"{ATOM}link")  # as written: feedparser fills in missing types
        assert len(links) >= 5
        for link in links:
            expected = "text/html" if link.get("rel") == "alternate" else "application/atom+xml"
            assert link.get("type") == expected, (archive, link.get("rel"))


def test_entry_ids_without_an_authority_use_the_configured_default():
    from monitor.config import FeedSettings
    ids = [e.id for e in feedparser.parse(render(META, _sets(1), 5)).entries]
    assert ids == [f"tag:{FeedSettings().tag_authority}:changeset/L000/terugkeer"]
