"""Analysts' verdicts: kept by change uid through recomputation, applied in feeds, pages, API and export
(tests/test_verdicts.py walks every place a reader meets a change after one rejection and one confirmation).

Real CLI, real SQLite file, real server on loopback, feeds read with feedparser.
"""
from __future__ import annotations

import json

import feedparser
import httpx

from monitor.config import load_settings
from tests.conftest import ROOT, query
from tests.test_web import serving


def _published(db_url: str) -> list[tuple[str, str, str]]:
    """(uid, letter key, topic) of current published changes, most significant first."""
    return query(db_url, "SELECT c.uid, l.key, c.topic FROM change c JOIN letter l ON l.id = c.letter_id "
                         "WHERE c.superseded_at IS NULL AND c.published ORDER BY c.significance DESC, c.uid")


def _by_change_set(db_url: str) -> dict[tuple[str, str], list[str]]:
    """(letter key, topic) → uids of its published changes, most significant first."""
    by_set: dict[tuple[str, str], list[str]] = {}
    for uid, key, topic in _published(db_url):
        by_set.setdefault((key, topic), []).append(uid)
    return by_set


def _feed_uids(base: str, topic: str) -> str:
    return httpx.get(f"{base}/topics/{topic}.atom").text


def test_a_rejection_leaves_feed_and_page_survives_reanalysis_and_the_api_and_export_carry_it_on_request(
        cli, db_url, seeded, tmp_path):
    # a change set with two published changes: reject one, the entry stays and says it was revised
    by_set = _by_change_set(db_url)
    (key, topic), uids = next((k, v) for k, v in by_set.items() if len(v) >= 2)
    rejected, confirmed = uids[0], uids[1]
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    with serving(settings) as base:
        page = httpx.get(f"{base}/changes/{key}/{topic}")
        assert page.status_code == 200
        before = feedparser.parse(httpx.get(f"{base}/topics/{topic}.atom").content)
        entry_before = next(e for e in before.entries if e.link.endswith(f"/changes/{key}/{topic}"))
        text_of = {r["id"]: r["new_text"] or r["old_text"] for r in
                   httpx.get(f"{base}/api/changes", params={"letter": key, "topic": topic, "limit": 200}).json()["items"]}
        rejected_text = text_of[rejected]
        assert f'data-change="{rejected}"' in page.text
        assert rejected_text[:60] in entry_before.content[0].value

        cli("review", "reject", rejected, "--by", "anna", "--note", "verkeerde koppeling <b>x</b>")
        cli("review", "confirm", confirmed, "--by", "bert")
        # the analysis runs again from scratch: new rows, same uids, the verdicts still hold
        cli("analyse")

        page = httpx.get(f"{base}/changes/{key}/{topic}")
        assert f'data-change="{rejected}"' not in page.text
        assert f'data-change="{confirmed}"' in page.text and "bevestigd" in page.text
        after = feedparser.parse(httpx.get(f"{base}/topics/{topic}.atom").content)
        entry = next(e for e in after.entries if e.link.endswith(f"/changes/{key}/{topic}"))
        assert rejected_text[:60] not in entry.content[0].value
        assert "door een analist beoordeeld" in entry.content[0].value
        assert entry.id == entry_before.id and entry.updated_parsed > entry_before.updated_parsed

        items = {r["id"]: r for r in httpx.get(f"{base}/api/changes", params={"letter": key, "topic": topic,
                                                                             "limit": 200}).json()["items"]}
        assert rejected not in items and items[confirmed]["review"]["verdict"] == "confirmed"
        items = {r["id"]: r for r in httpx.get(f"{base}/api/changes", params={
            "letter": key, "topic": topic, "limit": 200, "include_rejected": "true"}).json()["items"]}
        assert items[rejected]["review"]["verdict"] == "rejected"
        assert items[rejected]["review"]["by"] == "cli:anna"
        assert items[rejected]["review"]["notes"][0]["text"] == "verkeerde koppeling <b>x</b>"
        assert items[confirmed]["review"]["verdict"] == "confirmed"

    out = tmp_path / "export.json"
    cli("export", "--output", str(out))
    assert rejected not in {c["id"] for c in json.loads(out.read_text())["changes"]}
    cli("export", "--output", str(out), "--with-rejected")
    exported = {c["id"]: c for c in json.loads(out.read_text())["changes"]}
    assert exported[rejected]["review"]["verdict"] == "rejected"
    listing = cli("review", "list", "--verdict", "reject").output
    assert rejected in listing and "cli:anna" in listing


def test_bad_review_input_is_a_clear_error(cli, db_url, seeded):
    res = cli("review", "reject", "c-nonexistent", "--by", "anna", expect=1)
    assert "no current change 'c-nonexistent'" in res.output
    uid = _published(db_url)[0][0]
    res = cli("review", "note", uid, "--by", "anna", "--note", "  ", expect=1)
    assert "a note needs text" in res.output
    res = cli("review", "merge", uid, "--into", uid, "--by", "anna", expect=1)
    assert "another change" in res.output


def test_merging_two_items_keeps_one(cli, db_url, seeded, tmp_path):
    by_set = _by_change_set(db_url)
    (key, topic), uids = next((k, v) for k, v in by_set.items() if len(v) >= 2)
    other = next(v[0] for k, v in by_set.items() if k != (key, topic))
    assert "another change set" in cli("review", "merge", uids[0], "--into", other, "--by", "a", expect=1).output
    cli("review", "merge", uids[0], "--into", uids[1], "--by", "anna")
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    with serving(settings) as base:
        items = {r["id"]: r for r in httpx.get(f"{base}/api/changes", params={
            "letter": key, "topic": topic, "limit": 200, "include_rejected": "true"}).json()["items"]}
        assert items[uids[0]]["review"] == {**items[uids[0]]["review"], "verdict": "merged",
                                           "merged_into": uids[1]}
        feed = httpx.get(f"{base}/topics/{topic}.atom").text
        assert (items[uids[0]]["new_text"] or items[uids[0]]["old_text"])[:60] not in feed.replace("&quot;", '"')
