"""Feed rendering: RFC 4287 requirements, determinism, stable ids, RFC 5005 archive paging."""
from __future__ import annotations

import dataclasses
import datetime as dt

import feedparser
from lxml import etree

from monitor.feed import ChangeSet, EntryChange, FeedMeta, LetterRef, render

ATOM = "{http://www.w3.org/2005/Atom}"
META = FeedMeta(id="tag:example.org,2026:feed", title="Test", self_url="http://x/feed.atom", html_url="http://x/",
                author="monitor", archive_url="http://x/feed/archive/{n}.atom")


def _sets(n: int) -> list[ChangeSet]:
    out = []
    for i in range(n):
        letter = LetterRef(f"L{i:03d}", f"Brief {i}", dt.date(2021, 1, 1) + dt.timedelta(days=i), f"http://x/l/{i}")
        change = EntryChange(f"c-{i}", "modified", ("modality",), "Nederland faciliteert terugkeer.",
                             "Nederland onderzoekt terugkeer <b>nu</b>.",
                             (("=", "Nederland "), ("-", "faciliteert"), ("+", "onderzoekt"), ("=", " terugkeer.")))
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
    archive = etree.fromstring(render(META, sets, 5, archive=1))
    assert archive.find("{http://purl.org/syndication/history/1.0}archive") is not None


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
