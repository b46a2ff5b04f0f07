"""The real server on a loopback port, real HTTP, feeds parsed with feedparser."""
from __future__ import annotations


import feedparser
import httpx
import pytest

from monitor.api import create_app
from monitor.config import load_settings
from tests.conftest import ROOT, free_port, get_dated, scalar, served


@pytest.fixture()
def server(seeded, db_url, monkeypatch):
    monkeypatch.setenv("MONITOR_FEED_PAGE_SIZE", "3")
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    port = free_port()
    with served(create_app(settings.serving("127.0.0.1", port)), port) as base:
        yield base


def test_feed_is_atom_with_conditional_get(server):
    r = get_dated(f"{server}/feed.atom")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.id and parsed.feed.updated
    dates = [e.updated for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert httpx.get(f"{server}/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(f"{server}/feed.atom", headers={"If-Modified-Since": modified}).status_code == 304
    stale = httpx.get(f"{server}/feed.atom", headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert stale.status_code == 200  # If-None-Match decides when both are sent
    again = feedparser.parse(f"{server}/feed.atom", etag=etag)
    assert again.status == 304


def test_paging_walks_the_whole_history(server):
    seen: list[str] = []
    url = f"{server}/topics/veiligheid.atom"
    while url:
        parsed = feedparser.parse(httpx.get(url).content)
        seen.extend(e.id for e in parsed.entries)
        older = [l.href for l in parsed.feed.links if l.rel == "prev-archive"]
        url = older[0] if older else None
    assert len(seen) == len(set(seen)) >= 4
    letters_with_changes: set[str] = set()
    page = "/api/changes?topic=veiligheid&published=true&limit=200"
    while page:  # the JSON API pages too: walk it to the end
        api = httpx.get(f"{server}{page}").json()
        letters_with_changes |= {c["letter"] for c in api["items"]}
        page = api["next"]
    assert len(seen) == len(letters_with_changes)  # one entry per letter with published changes on the topic
    kept = httpx.get(f"{server}/api/changes?topic=veiligheid&published=false&limit=200").json()["items"]
    assert kept and not any(c["published"] for c in kept)  # the kept changes stay queryable
    assert httpx.get(f"{server}/api/changes?published=maybe").status_code == 400


def test_pages_and_api(server):
    home = httpx.get(f"{server}/")
    assert home.status_code == 200 and 'type="application/atom+xml"' in home.text and "<script" not in home.text
    key = httpx.get(f"{server}/api/letters").json()["items"][0]["id"]
    assert httpx.get(f"{server}/letters/{key}").status_code == 200
    page = httpx.get(f"{server}/changes/2026Z09763/terugkeer")
    assert page.status_code == 200 and "Eerder: " in page.text and "Nu: " in page.text  # old and new side by side
    assert httpx.get(f"{server}/topics/terugkeer").status_code == 200
    changes = httpx.get(f"{server}/api/changes", params={"topic": "terugkeer", "kind": "modified"}).json()
    assert changes["items"] and all(c["kind"] == "modified" for c in changes["items"])
    first = httpx.get(f"{server}/api/changes", params={"limit": 2}).json()
    second = httpx.get(f"{server}{first['next']}").json()
    assert {c["id"] for c in first["items"]}.isdisjoint({c["id"] for c in second["items"]})
    pos = httpx.get(f"{server}/api/positions/terugkeer", params={"as_of": "2021-12-31"}).json()
    assert pos["items"] and all(i["date"] <= "2021-12-31" for i in pos["items"])
    assert httpx.get(f"{server}/healthz").json()["status"] == "ok"


@pytest.mark.parametrize("path,params,status", [
    ("/topics/nope.atom", {}, 404),
    ("/api/changes", {"topic": "nope"}, 404),
    ("/api/changes", {"since": "gisteren"}, 400),
    ("/api/changes", {"limit": "100000"}, 400),
    ("/api/changes", {"limit": "-1"}, 400),
    ("/api/changes", {"kind": "deleted"}, 400),
    ("/api/changes", {"topic": "terugkeer' OR '1'='1"}, 404),
    ("/api/letters/x'; DROP TABLE letter; --", {}, 404),
    ("/feed/archive/999.atom", {}, 404),
    ("/api/positions/terugkeer", {"as_of": "2021-13-45"}, 400),
])
def test_bad_requests_get_clean_4xx(server, path, params, status):
    r = httpx.get(f"{server}{path}", params=params)
    assert r.status_code == status, r.text


def test_nothing_in_the_api_can_write(server, db_url):
    before = scalar(db_url, "SELECT count(*) FROM letter")
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert httpx.request(method, f"{server}/api/letters").status_code == 405
    httpx.get(f"{server}/api/letters/x'; DROP TABLE letter; --")
    after = scalar(db_url, "SELECT count(*) FROM letter")
    assert before == after == 5


def test_web_engine_refuses_writes(db_url, cli, seeds_copy):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from monitor.store.db import make_engine
    cli("ingest", str(seeds_copy))
    engine = make_engine(db_url, readonly=True)
    # SQLite: "attempt to write a readonly database"; PostgreSQL: "cannot execute DELETE in a read-only transaction"
    with pytest.raises(DBAPIError, match="readonly|read-only|query_only|attempt to write"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM letter"))
