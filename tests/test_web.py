"""The server never stalls, feeds stay truthful after a late letter, and nothing private is published.

Real server on a loopback port, real SQLite, feeds read with feedparser.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy import text as sql_text

from monitor.api import create_app
from monitor.config import Settings, load_settings
from monitor.store.db import make_engine
from tests.conftest import ROOT, copy_seeds, free_port, get_dated, served

EARLIEST = "2021-04-14-navo-raad-afghanistan.txt"
LATER = ("2021-05-12-defensie-terugkeer-afghanistan.txt", "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt",
         "2021-08-26-jbz-raad-afghanistan.txt", "2026-07-10-antwoorden-kamervragen-eu-gesprekken-taliban.md")


@contextlib.contextmanager
def serving(settings: Settings, engine=None) -> Iterator[str]:
    port = free_port()
    with served(create_app(settings.serving("127.0.0.1", port), engine), port) as base:
        yield base


@pytest.fixture()
def late(cli, db_url, tmp_path, monkeypatch):
    """Every seed but the earliest stored; ``late.arrive()`` ingests the earliest (a late letter)."""
    monkeypatch.setenv("MONITOR_FEED_PAGE_SIZE", "2")
    inbox = copy_seeds(tmp_path / "inbox", LATER)
    cli("ingest", str(inbox))
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    early = copy_seeds(tmp_path / "early", (EARLIEST,))

    class Late:
        def arrive(self) -> None:
            cli("ingest", str(early))
    lt = Late()
    lt.settings, lt.tmp = settings, tmp_path
    return lt


def feed(base: str, path: str = "/feed.atom") -> feedparser.FeedParserDict:
    r = httpx.get(base + path)
    assert r.status_code == 200, r.text
    return feedparser.parse(r.content)


def archives(base: str, path: str) -> list[list[str]]:
    """Entry ids of every archive page, oldest page first, following prev-archive links."""
    pages = []
    doc = feed(base, path)
    while (prev := next((l.href for l in doc.feed.get("links", []) if l.rel == "prev-archive"), None)):
        doc = feed(base, prev.removeprefix(base))
        pages.insert(0, [e.id for e in doc.entries])
    return pages


def test_a_late_letter_keeps_entry_ids_says_revised_and_rewrites_no_archive(late):
    with serving(late.settings) as base:
        paths = ["/feed.atom", "/topics/veiligheid.atom", "/topics/terugkeer.atom", "/topics/migratie.atom"]
        before = {p: {e.id: e for e in feed(base, p).entries} for p in paths}
        pages_before = {p: archives(base, p) for p in paths}
        r = get_dated(base + "/feed.atom")  # the store changed this very second: its date is no validator yet
        modified, etag = r.headers["last-modified"], r.headers["etag"]
        late.arrive()
        # Last-Modified is the store's last change: the late letter (dated 2021) makes it newer
        r2 = httpx.get(base + "/feed.atom", headers={"If-Modified-Since": modified})
        assert r2.status_code == 200
        # and the ETag follows the content: a reader holding the old one gets the new feed, not a 304
        r3 = httpx.get(base + "/feed.atom", headers={"If-None-Match": etag})
        assert r3.status_code == 200 and r3.headers["etag"] != etag
        assert httpx.get(base + "/feed.atom", headers={"If-None-Match": r3.headers["etag"]}).status_code == 304
        revised = 0
        for p in paths:
            after = {e.id: e for e in feed(base, p).entries}
            pages_after = archives(base, p)
            every_after = set(after) | {i for page in pages_after for i in page}
            assert set(before[p]) <= every_after, p  # no entry got a new id
            # archive pages never gain, lose or reorder entries: the late letter lands in the current document
            assert pages_after[:len(pages_before[p])] == pages_before[p], p
            for eid, entry in after.items():
                if eid in before[p] and entry.updated != before[p][eid].updated:
                    revised += 1
                    assert "Herzien op" in entry.content[0].value
        assert revised > 0  # the seeds' late letter does revise later entries


def test_last_modified_is_not_pinned_by_a_far_future_letter_date(cli, db_url, tmp_path):
    inbox = copy_seeds(tmp_path / "inbox", (EARLIEST,))
    (inbox / "2021-04-14-navo-raad-afghanistan.meta.toml").write_text(
        'title = "Brief uit de toekomst"\ndate = 9999-12-31\nreference = "Kamerstuk 28 676, nr. 361"\n',
        encoding="utf-8")
    cli("ingest", str(inbox))
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        r = get_dated(base + "/feed.atom")
        assert email.utils.parsedate_to_datetime(r.headers["last-modified"]) <= dt.datetime.now(dt.timezone.utc)


def test_healthz_answers_while_a_page_is_stuck_in_the_database(cli, db_url, seeded):
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    engine = make_engine(settings.database.url, readonly=True)
    stuck, release = threading.Event(), threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def slow_change_query(conn, cursor, statement, *args):  # a page's query that takes very long
        if "FROM change" in statement and not release.is_set():
            stuck.set()
            release.wait(60)

    with serving(settings, engine) as base:
        page = threading.Thread(target=lambda: httpx.get(base + "/", timeout=90))
        page.start()
        try:
            assert stuck.wait(30)
            r = httpx.get(base + "/healthz", timeout=20)
            assert r.status_code == 200 and r.json()["status"] == "ok"
        finally:
            release.set()
            page.join(timeout=90)


def test_feeds_are_gzipped_and_publish_no_server_paths(cli, db_url, seeded, seeds_copy):
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        r = httpx.get(base + "/feed.atom", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        raw = httpx.get(base + "/feed.atom", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in raw.headers
        assert int(r.headers["content-length"]) * 3 < len(raw.content)  # Atom with HTML content packs well
        assert feedparser.parse(r.content).entries  # and reads back whole
        key = "kst-27925-781"
        for path in ("/feed.atom", "/topics/terugkeer.atom", f"/letters/{key}", f"/api/letters/{key}",
                     "/api/letters", "/api/positions/terugkeer?as_of=2030-01-01"):
            body = httpx.get(base + path).text
            assert str(seeds_copy) not in body and str(Path(seeds_copy).parent) not in body, path
        assert "2021-05-12-defensie-terugkeer-afghanistan.txt" in httpx.get(f"{base}/letters/{key}").text


@pytest.mark.parametrize("path,status", [("/feed/archive/².atom", 404), ("/feed/archive/١.atom", 404),
                                         ("/dossiers/99999.atom", 404), ("/dossiers/27925.atom", 200)])
def test_odd_feed_paths_are_404_not_500_or_empty(cli, db_url, seeded, path, status):
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        assert httpx.get(base + path).status_code == status


def test_next_link_keeps_repeated_parameters(cli, db_url, seeded):
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        first = httpx.get(base + "/api/changes?kind=modified&kind=added&limit=1").json()
        assert first["total"] > 1 and first["next"]
        following = httpx.get(base + first["next"]).json()
        assert following["total"] == first["total"]
        assert "kind=modified" in first["next"] and "kind=added" in first["next"]


def test_a_feed_page_built_from_its_own_entries_is_that_page_of_the_whole_history(late, db_url):
    """Feeds are paged before their change sets are built (only the page's letters are read): every page of
    every kind of feed is byte for byte the page of the whole history rendered at once — after a late
    letter, and with an analyst's rejection that empties one entry."""
    from sqlalchemy.orm import Session

    from monitor.feed import merge_by_letter, pages, render
    from monitor.publish import FeedPublisher, changesets
    from monitor.store import review as review_store
    from monitor.store.db import make_engine, utcnow

    late.arrive()
    engine = make_engine(db_url)
    with Session(engine) as session:  # reject every published change of one entry: it leaves every feed
        uids = [u for (u,) in session.execute(sql_text(
            "SELECT c.uid FROM change c JOIN letter l ON l.id = c.letter_id WHERE c.superseded_at IS NULL "
            "AND c.published AND c.topic = 'veiligheid' AND l.key = 'kst-27925-781'"))]
        assert uids
        for uid in uids:
            review_store.record(session, uid, review_store.REJECT, "analist", utcnow())
        session.commit()
    settings = late.settings.serving("127.0.0.1", 8080)
    publisher = FeedPublisher(settings)
    size = settings.feed.page_size
    base = settings.feed.base_url
    seen_pages = 0
    with Session(engine) as session:
        for scope, value in [("all", None), ("topic", "terugkeer"), ("topic", "veiligheid"),
                             ("topic", "migratie"), ("dossier", "27925"), ("dossier", "0")]:
            whole = changesets(session, base, topic=value if scope == "topic" else None,
                               dossier=value if scope == "dossier" else None)
            if scope != "topic":
                whole = merge_by_letter(whole, {cs.letter.key: cs.letter.url for cs in whole})
            for archive in [None, *range(1, pages(len(whole), size) + 1)]:
                expected = render(publisher.meta(scope, value), whole, size, archive,
                                  authority=settings.feed.tag_authority)
                assert publisher._render(session, scope, value, archive, None).body == expected, (scope, value,
                                                                                                  archive)
                seen_pages += 1
            with pytest.raises(IndexError):
                publisher._render(session, scope, value, pages(len(whole), size) + 1, None)
    assert seen_pages > 6  # archive pages too, not only the six subscription documents


def test_every_change_kind_is_accepted_alike_by_the_cli_and_the_api(cli, db_url, seeded):
    """One list of kinds (``ChangeKind``): `changes --kind K` and `/api/changes?kind=K` accept the same kinds and
    return the same changes; a kind outside it is refused by both."""
    import json

    from monitor.model import ChangeKind
    assert ChangeKind.INITIAL in ChangeKind.values() and ChangeKind.REAFFIRMED in ChangeKind.values()
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        for kind in ChangeKind:
            api = httpx.get(f"{base}/api/changes?kind={kind}&limit=200")
            assert api.status_code == 200, (kind, api.text)
            from_api = [d["id"] for d in api.json()["items"]]
            following = api.json()["next"]
            while following:
                page = httpx.get(base + following).json()
                from_api += [d["id"] for d in page["items"]]
                following = page["next"]
            lines = cli("changes", "--kind", str(kind), "--json", "--limit", "1000").output.splitlines()
            assert sorted(json.loads(l)["id"] for l in lines) == sorted(from_api), kind
            assert {json.loads(l)["kind"] for l in lines} <= {kind.value}
        assert len(cli("changes", "--kind", "initial", "--json", "--limit", "500").output.splitlines()) > 0
        assert httpx.get(f"{base}/api/changes?kind=withdrawn").status_code == 400
    assert "withdrawn" in cli("changes", "--kind", "withdrawn", expect=2).output
