"""Feed rendering: RFC 4287 requirements, determinism, stable ids, RFC 5005 archive paging."""
from __future__ import annotations

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
    assert render(META, sets, 5, archive=2) == render(META, sets + [], 5, archive=2)
