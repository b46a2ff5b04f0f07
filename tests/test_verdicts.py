"""One rejection and one confirmation, followed to every place a reader meets a change.

A rejected change is gone from every page, feed, count, API answer, the export (by default) and the SQL
that docs/schema.md gives for "what the cabinet changed"; its statement leaves the standing position.
A confirmed one is marked in each. Every page counts a change set with the same function, so home, a
letter, the letters index, the topic timeline and the change-set page say the same numbers.

Real CLI, real SQLite file (or PostgreSQL), real server on loopback, feeds read with feedparser.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import feedparser
import httpx

from monitor.config import load_settings
from tests.conftest import ROOT, query
from tests.test_web import serving

SCHEMA_DOC = ROOT / "docs" / "schema.md"


def _text(page: str) -> str:
    """A page or feed as a reader reads it: tags out, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _documented_query(topic: str) -> str:
    """The "what the cabinet changed" query of docs/schema.md, for ``topic``."""
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    start = doc.index("-- what the cabinet changed")
    sql = doc[start:doc.index(";", start)]
    return sql.replace("'terugkeer'", f"'{topic}'")


def _pick(db_url: str) -> tuple[str, str, str, str]:
    """(letter key, topic, an added change to reject, another change to confirm): published changes of one
    change set whose statements have no change on another topic (so no other entry carries their text)."""
    rows = query(db_url, """
        SELECT l.key, c.topic, c.uid, c.kind FROM change c JOIN letter l ON l.id = c.letter_id
        WHERE c.superseded_at IS NULL AND c.published AND c.statement_id IS NOT NULL
          AND (SELECT count(*) FROM change o WHERE o.statement_id = c.statement_id AND o.superseded_at IS NULL) = 1
        ORDER BY l.date DESC, l.key, c.topic, c.significance DESC, c.uid""")
    by_set: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, topic, uid, kind in rows:
        by_set.setdefault((key, topic), []).append((uid, kind))
    for (key, topic), items in by_set.items():
        added = [u for u, k in items if k == "added"]
        if added and len(items) >= 2:
            return key, topic, added[0], next(u for u, _ in items if u != added[0])
    raise AssertionError("the seeds have no change set with two published changes of their own")


def _counted(c: dict[str, int]) -> str:
    """What templates/_macros.html ``counted`` says of a count."""
    n = c["published"]
    return (f"{n} wijziging{'en' if n != 1 else ''}" + (f" en {c['kept']} kleinere" if c["kept"] else "")
            + (f", waarvan {c['confirmed']} bevestigd" if c["confirmed"] else ""))


def _api_count(base: str, **params: str) -> dict[str, int]:
    """The same count from the API's answers: published, kept and confirmed items."""
    items = httpx.get(f"{base}/api/changes", params={**params, "limit": 200}).json()["items"]
    return {"published": sum(1 for i in items if i["published"]), "kept": sum(1 for i in items if not i["published"]),
            "confirmed": sum(1 for i in items if (i["review"] or {}).get("verdict") == "confirmed")}


def _row(page: str, marker: str, tag: str = "tr") -> str:
    """The table row (or list item) of ``page`` that holds ``marker``, as text."""
    for part in re.findall(rf"<{tag}[ >].*?</{tag}>", page, flags=re.S):
        if marker in part:
            return _text(part)
    raise AssertionError(f"no <{tag}> with {marker!r}")


def _everything(base: str, key: str, topic: str, cli, tmp_path: Path, db_url: str) -> dict[str, str]:
    """What each place a reader looks shows, as text."""
    out = {path: _text(httpx.get(base + path).text) for path in (
        f"/changes/{key}/{topic}", f"/topics/{topic}", "/", "/letters", f"/letters/{key}", "/topics",
        f"/search?topic={topic}", f"/search?topic={topic}&betekenis=published")}
    for path in (f"/topics/{topic}.atom", "/feed.atom"):
        parsed = feedparser.parse(httpx.get(base + path).content)
        assert not parsed.bozo, path
        out[path] = _text(" ".join(e.content[0].value + " " + e.summary for e in parsed.entries))
    out["/api/changes"] = json.dumps(httpx.get(f"{base}/api/changes", params={"topic": topic, "limit": 200}).json())
    out["/api/positions"] = json.dumps(httpx.get(f"{base}/api/positions/{topic}").json())
    export = tmp_path / "export.json"
    cli("export", "--output", str(export))
    out["export"] = json.dumps({"changes": json.loads(export.read_text(encoding="utf-8"))["changes"]})  # statements quote
    out["docs/schema.md"] = json.dumps([list(map(str, r)) for r in query(db_url, _documented_query(topic))])
    out["cli changes"] = cli("changes", "--topic", topic, "--limit", "500", "--json").output
    return out


def test_a_rejected_change_is_gone_everywhere_and_a_confirmed_one_is_marked_everywhere(cli, db_url, seeded,
                                                                                       tmp_path):
    key, topic, rejected, confirmed = _pick(db_url)
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    with serving(settings) as base:
        api = {r["id"]: r for r in httpx.get(f"{base}/api/changes", params={
            "letter": key, "topic": topic, "limit": 200}).json()["items"]}
        gone_text, kept_text = api[rejected]["new_text"], api[confirmed]["new_text"] or api[confirmed]["old_text"]
        gone_statement, sure_statement = api[rejected]["new_statement"], api[confirmed]["new_statement"]
        set_before = _api_count(base, letter=key, topic=topic)
        search_before = _api_count(base, topic=topic)
        topic_before = _api_count(base, topic=topic, published="true")
        positions = {i["statement"]: i for i in httpx.get(f"{base}/api/positions/{topic}").json()["items"]}
        assert gone_statement in positions and all(i["verdict"] is None for i in positions.values())

        before = _everything(base, key, topic, cli, tmp_path, db_url)
        for place, shown in before.items():
            # the lists show counts (checked below) or a page of 20 (the search: its total is checked below)
            if place not in ("/", "/letters", f"/letters/{key}", "/topics", f"/search?topic={topic}",
                             f"/search?topic={topic}&betekenis=published"):
                assert gone_text in shown or rejected in shown, f"{place} did not show the change before"
        assert "bevestigd" not in before["/"]

        cli("review", "reject", rejected, "--by", "anna", "--note", "geen standpunt")
        cli("review", "confirm", confirmed, "--by", "bert")
        after = _everything(base, key, topic, cli, tmp_path, db_url)

        # gone: not its id, not its text, in any place (the letter's own page still quotes the letter, and the
        # change-set page may quote it as the paragraph around another item)
        for place, shown in after.items():
            assert rejected not in shown, f"{place} still shows the rejected change"
            if place not in (f"/letters/{key}", f"/changes/{key}/{topic}"):
                assert gone_text not in shown, f"{place} still shows the rejected change"
        assert f'data-change="{rejected}"' not in httpx.get(f"{base}/changes/{key}/{topic}").text
        positions = {i["statement"]: i for i in httpx.get(f"{base}/api/positions/{topic}").json()["items"]}
        assert gone_statement not in positions
        standing = after[f"/topics/{topic}"].split("Standpunt per", 1)[1]
        assert gone_text not in standing

        # confirmed: marked in each place that shows it
        assert positions[sure_statement]["verdict"] == "confirmed"
        assert f"{kept_text} (bevestigd door een analist)" in standing
        assert "bevestigd" in after[f"/changes/{key}/{topic}"]
        for place in (f"/topics/{topic}.atom", "/feed.atom"):
            assert "Bevestigd door een analist" in after[place], place
        assert "bevestigd door een analist" in after[f"/search?topic={topic}"]
        exported = {c["id"]: c for c in json.loads(after["export"])["changes"]}
        assert exported[confirmed]["review"]["verdict"] == "confirmed"
        rows = query(db_url, _documented_query(topic))
        assert [bool(r[-1]) for r in rows].count(True) == 1
        assert any(bool(r[-1]) and kept_text in (r[-2] or r[-3] or "") for r in rows)
        api = {r["id"]: r for r in json.loads(after["/api/changes"])["items"]}
        assert api[confirmed]["review"]["verdict"] == "confirmed"

        # counts: one fewer item in the change set, one confirmed; every page says the same
        set_after = _api_count(base, letter=key, topic=topic)
        assert set_after == {**set_before, "published": set_before["published"] - 1, "confirmed": 1}
        said = _counted(set_after)
        assert said in _row(httpx.get(base + "/").text, f"/changes/{key}/{topic}", "li")
        assert said in _row(httpx.get(f"{base}/letters/{key}").text, f"/changes/{key}/{topic}", "li")
        timeline_row = _row(httpx.get(f"{base}/topics/{topic}").text, f"/changes/{key}/{topic}")
        numbers = [int(n) for n in re.findall(r"(\d+) (?:nieuw|gewijzigd|eerste standpunt|niet herhaald)", timeline_row)]
        assert sum(numbers) == set_after["published"], timeline_row
        assert f"en {set_after['kept']} kleinere" in timeline_row and "waarvan 1 bevestigd" in timeline_row
        page = httpx.get(f"{base}/changes/{key}/{topic}").text
        published_part = page.split('<h2 id="kleinere">')[0]
        assert published_part.count("data-change=") == set_after["published"]
        assert page.count("data-change=") == set_after["published"] + set_after["kept"]

        topic_after = _api_count(base, topic=topic, published="true")
        assert topic_after["published"] == topic_before["published"] - 1
        topics_row = _row(httpx.get(f"{base}/topics").text, f'href="/topics/{topic}"')
        assert f"{topic_after['published']} wijzigingen" in topics_row and "waarvan 1 bevestigd" in topics_row
        letters_row = _row(httpx.get(f"{base}/letters").text, f'href="/letters/{key}"')
        assert _counted(_api_count(base, letter=key)) in letters_row
        on_topic = _api_count(base, topic=topic)
        assert on_topic["published"] + on_topic["kept"] == search_before["published"] + search_before["kept"] - 1
        assert f"Wijzigingen ({on_topic['published'] + on_topic['kept']})" in after[f"/search?topic={topic}"]

        # asked for, the API and the export still give the rejected change, with its verdict
        api = {r["id"]: r for r in httpx.get(f"{base}/api/changes", params={
            "topic": topic, "limit": 200, "include_rejected": "true"}).json()["items"]}
        assert api[rejected]["review"]["verdict"] == "rejected"
    out = tmp_path / "all.json"
    cli("export", "--output", str(out), "--with-rejected")
    assert {c["id"]: c for c in json.loads(out.read_text())["changes"]}[rejected]["review"]["verdict"] == "rejected"
