"""Remote sources against a local HTTP server with recorded responses of the documented shapes."""
from __future__ import annotations

import json
from urllib.parse import unquote
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.daemon import Monitor
from monitor.sources.http import Fetcher
from tests.conftest import db_for, json_value, query, write_config
from tests.fakeservices import FakeServices, flaky, slow
from tests.pdfmaker import make_pdf

PDF = {"Content-Type": "application/pdf"}
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}

LETTER_PDF = make_pdf([["Den Haag, 3 maart 2023", "", "Geachte voorzitter,", "",
                        "Het kabinet faciliteert de vrijwillige terugkeer van afgewezen", "asielzoekers naar Afghanistan.",
                        "Nederland draagt 20 miljoen euro bij aan noodhulp via UNICEF."]])
KST_XML = ("<?xml version='1.0' encoding='UTF-8'?><kamerstuk><kamerstukkop><dossiernr>27925</dossiernr></kamerstukkop>"
           "<stuk><stuknr><ondernummer>781</ondernummer></stuknr><brief><tussenkop>Veiligheidssituatie</tussenkop>"
           "<al>De druk op de Afghaanse veiligheidstroepen blijft onverminderd groot.</al>"
           "<al>Het kabinet onderzoekt de mogelijkheden voor gedwongen terugkeer naar Afghanistan.</al>"
           "</brief></stuk></kamerstuk>").encode()


def _odata_page(base: str, docs: list[dict], next_link: str | None) -> bytes:
    page = {"@odata.context": f"{base}/OData/v4/2.0/$metadata#Document", "value": docs}
    if next_link:
        page["@odata.nextLink"] = next_link
    return json.dumps(page).encode()


def _doc(id_: str, changed: str, subject: str, date: str, volgnummer: int | None, content_type: str) -> dict:
    return {"Id": id_, "Soort": "Brief regering", "DocumentNummer": f"2023D{id_[:5]}", "Titel": "Afghanistan",
            "Onderwerp": subject, "Datum": f"{date}T00:00:00+01:00", "Volgnummer": volgnummer,
            "ContentType": content_type, "GewijzigdOp": changed, "Verwijderd": False,
            "Kamerstukdossier": [{"Nummer": 27925, "Titel": "Bestrijding internationaal terrorisme"}]}


def _monitor(tmp_path: Path, sources: str) -> Monitor:
    cfg = tmp_path / "config.toml"
    inbox = tmp_path / "empty-inbox"
    inbox.mkdir(exist_ok=True)
    write_config(cfg, inbox, extra=sources)
    return Monitor(load_settings(cfg, database_url=db_for(tmp_path), environ={}))


def _q(tmp_path: Path, sql: str) -> list[tuple]:
    return query(db_for(tmp_path), sql)


def _cursor(tmp_path: Path, name: str) -> dict:
    """The stored cursor without bookkeeping keys (those start with "_")."""
    raw = json_value(_q(tmp_path, f"SELECT cursor FROM source_cursor WHERE name = '{name}'")[0][0])
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def _stored(result) -> int:
    """Letters stored or updated by a poll (an int before PollResult existed)."""
    return result if isinstance(result, int) else result.stored


def _fetcher(**kw) -> Fetcher:
    kw.setdefault("timeout", 2.0)
    return Fetcher(rate=1000, sleep=lambda s: None, **kw)


def test_odata_pages_backfill_then_only_new(tmp_path):
    with FakeServices() as svc:
        base = svc.base
        root = f"{base}/OData/v4/2.0/"
        d1 = _doc("aaaaaaaa-1", "2023-03-03T10:00:00", "Terugkeer naar Afghanistan", "2023-03-03", None,
                  "application/pdf")
        d2 = _doc("bbbbbbbb-2", "2023-03-05T10:00:00", "Veiligheidssituatie Afghanistan", "2023-03-05", 781,
                  "application/xml")
        svc.routes["/OData/v4/2.0/Document"] = lambda path: (
            (200, JSON, _odata_page(base, [d2], None)) if "skip=1" in path else
            (200, JSON, _odata_page(base, [], None)) if "GewijzigdOp%20gt" in path else
            (200, JSON, _odata_page(base, [d1], f"{root}Document?$skip=1")))
        svc.routes["/OData/v4/2.0/Document(aaaaaaaa-1)/resource"] = (200, PDF, LETTER_PDF)
        svc.routes["/OData/v4/2.0/Document(bbbbbbbb-2)/resource"] = (200, XML, KST_XML)
        mon = _monitor(tmp_path, f'[[sources]]\nname = "tk"\nkind = "tk-odata"\nurl = "{root}"\n'
                                 "query = \"Soort eq 'Brief regering' and contains(Onderwerp,'Afghanistan')\"\n")
        spec = mon.settings.sources[0]
        assert _stored(mon.poll(spec, _fetcher())) == 2
        letters = _q(tmp_path, "SELECT key, title, date, reference FROM letter ORDER BY date")
        assert letters[0][1] == "Terugkeer naar Afghanistan" and str(letters[0][2]) == "2023-03-03"  # a date: text on SQLite, a date on PostgreSQL
        assert letters[1][0] == "kst-27925-781" and letters[1][1] == "Veiligheidssituatie Afghanistan"
        assert _cursor(tmp_path, "tk") == {"since": "2023-03-05T10:00:00"}
        before = svc.hits("/OData/v4/2.0/Document(")
        assert _stored(mon.poll(spec, _fetcher())) == 0
        assert svc.hits("/OData/v4/2.0/Document(") == before  # nothing downloaded again
        assert any("GewijzigdOp gt 2023-03-05T10:00:00" in unquote(p) for p, _ in svc.requests)
        ua = svc.requests[0][1].get("User-Agent", "")
        assert ua.startswith("policy-monitor/")
        changes = _q(tmp_path, "SELECT count(*) FROM change WHERE superseded_at IS NULL")
        assert changes[0][0] > 0  # ingested letters went on into the analysis, and into the feed:
        import feedparser

        from monitor.publish import FeedPublisher
        with mon.sessions() as session:
            doc = FeedPublisher(mon.settings.serving("127.0.0.1", 8080)).document(session, "topic", "terugkeer")
        titles = [e.title for e in feedparser.parse(doc.body).entries]
        assert any("Terugkeer naar Afghanistan" in t for t in titles), titles


def test_syncfeed_reemission_of_old_documents_adds_nothing(tmp_path):
    """The SyncFeed once re-emitted tens of thousands of old documents at new skiptokens (opendataportaal #127)."""
    from tests.remote_helpers import ATOM, fixture, serve_official
    with FakeServices() as svc:
        base = svc.base
        serve_official(svc, base)
        mon = _monitor(tmp_path, f'[[sources]]\nname = "sync"\nkind = "tk-syncfeed"\nurl = "{base}/SyncFeed/2.0/Feed"\n')
        sync = mon.settings.sources[0]
        assert _stored(mon.poll(sync, _fetcher())) == 1
        changes_before = _q(tmp_path, "SELECT count(*) FROM change")[0][0]
        fetched_before = svc.hits("/SyncFeed/2.0/Resources/")
        again = fixture("syncfeed-page.xml", base).replace(b"skiptoken=2012722", b"skiptoken=3012722")
        end = again.split(b"<entry>")[0] + b"</feed>"
        svc.routes["/SyncFeed/2.0/Feed"] = lambda path: (200, ATOM, end if "skiptoken=30127225" in path else again)
        assert _stored(mon.poll(sync, _fetcher())) == 0  # the same documents at new skiptokens
        assert svc.hits("/SyncFeed/2.0/Resources/") == fetched_before  # nothing downloaded again
    assert _q(tmp_path, "SELECT count(*) FROM letter") == [(1,)]
    assert _q(tmp_path, "SELECT count(*) FROM change")[0][0] == changes_before
    assert _cursor(tmp_path, "sync")["skiptoken"] == "30127225"


@pytest.mark.parametrize("fault,expect", [
    ("timeout", "timed out"),
    ("malformed", "not an OData JSON page"),
    ("servererror", "HTTP 503"),
])
def test_page_faults_are_logged_and_keep_the_cursor(tmp_path, fault, expect):
    with FakeServices() as svc:
        root = f"{svc.base}/OData/v4/2.0/"
        response = {"timeout": slow(3, (200, JSON, b"{}")), "malformed": (200, JSON, b"{\"value\": [ {broken"),
                    "servererror": (503, {"Retry-After": "0"}, b"down")}[fault]
        svc.routes["/OData/v4/2.0/Document"] = response
        mon = _monitor(tmp_path, f'[[sources]]\nname = "tk"\nkind = "tk-odata"\nurl = "{root}"\n')
        with mon.sessions.begin() as s:
            from monitor.store.models import SourceCursor
            s.add(SourceCursor(name="tk", kind="tk-odata", cursor={"since": "2023-01-01T00:00:00"}))
        result = mon.poll(mon.settings.sources[0], _fetcher(timeout=0.5, retries=1))
        assert result.stored == 0 and result.failed and expect in result.error, result  # `poll` exits non-zero
        error = _q(tmp_path, "SELECT last_error FROM source_cursor WHERE name='tk'")[0][0]
        assert _cursor(tmp_path, "tk") == {"since": "2023-01-01T00:00:00"} and expect in error
        logged = _q(tmp_path, "SELECT locator, message FROM ingest_log WHERE outcome='error'")
        assert logged and expect in logged[0][1] and logged[0][0].startswith("http://127.0.0.1")


def test_file_faults_skip_the_file_and_go_on(tmp_path):
    with FakeServices() as svc:
        base = svc.base
        root = f"{base}/OData/v4/2.0/"
        docs = [_doc(f"doc{i}-0000", f"2023-03-0{i}T10:00:00", f"Brief {i}", f"2023-03-0{i}", None, "application/pdf")
                for i in range(1, 6)]
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, _odata_page(base, docs, None))
        svc.routes["/OData/v4/2.0/Document(doc1-0000)/resource"] = (200, PDF, LETTER_PDF[: len(LETTER_PDF) // 2])
        svc.routes["/OData/v4/2.0/Document(doc2-0000)/resource"] = (302, {"Location": "/loop"}, b"")
        svc.routes["/loop"] = (302, {"Location": "/OData/v4/2.0/Document(doc2-0000)/resource"}, b"")
        svc.routes["/OData/v4/2.0/Document(doc3-0000)/resource"] = (
            200, {"Content-Type": "application/pdf", "Content-Length": str(2 * 1024**3)}, b"%PDF-")
        svc.routes["/OData/v4/2.0/Document(doc4-0000)/resource"] = flaky(2, (200, PDF, LETTER_PDF))
        svc.routes["/OData/v4/2.0/Document(doc5-0000)/resource"] = (200, XML, KST_XML)
        mon = _monitor(tmp_path, f'[[sources]]\nname = "tk"\nkind = "tk-odata"\nurl = "{root}"\n')
        assert _stored(mon.poll(mon.settings.sources[0], _fetcher(retries=3))) == 2  # doc4 (after retries), doc5
        errors = dict(_q(tmp_path, "SELECT locator, message FROM ingest_log WHERE outcome='error'"))
        by_doc = {k.split("Document(")[1].split(")")[0]: v for k, v in errors.items()}
        assert "truncated PDF" in by_doc["doc1-0000"]
        assert "too many redirects" in by_doc["doc2-0000"]
        assert "too large" in by_doc["doc3-0000"]
        assert "doc4-0000" not in by_doc
        # the cursor moved past the page: broken files are skipped, not retried forever
        assert _cursor(tmp_path, "tk") == {"since": "2023-03-05T10:00:00"}
        assert _stored(mon.poll(mon.settings.sources[0], _fetcher())) == 0
        assert _q(tmp_path, "SELECT count(*) FROM letter") == [(2,)]  # no duplicates after a second poll


def test_fetcher_respects_retry_after_and_conditional_requests():
    waits: list[float] = []
    with FakeServices() as svc:
        svc.routes["/busy"] = lambda path, state={"n": 0}: (
            (429, {"Retry-After": "7"}, b"slow down") if (state.__setitem__("n", state["n"] + 1) or state["n"] == 1)
            else (200, {"ETag": '"v1"'}, b"ok"))
        svc.routes["/cond"] = lambda path: (304, {}, b"") if any(
            h.get("If-None-Match") == '"v1"' for p, h in svc.requests[-1:]) else (200, {"ETag": '"v1"'}, b"body")
        f = Fetcher(rate=1000, sleep=waits.append, timeout=2)
        assert f.get(f"{svc.base}/busy").body == b"ok"
        assert 7 in waits
        assert f.get(f"{svc.base}/cond", etag='"v1"').not_modified


def test_an_unchanged_service_answers_304_and_nothing_is_fetched(tmp_path):
    with FakeServices() as svc:
        root = f"{svc.base}/OData/v4/2.0/"
        page = (200, {**JSON, "ETag": '"p1"'}, _odata_page(svc.base, [], None))
        svc.routes["/OData/v4/2.0/Document"] = lambda path: (304, {"ETag": '"p1"'}, b"") if svc.requests[-1][1].get(
            "If-None-Match") == '"p1"' else page
        mon = _monitor(tmp_path, f'[[sources]]\nname = "tk"\nkind = "tk-odata"\nurl = "{root}"\n')
        spec = mon.settings.sources[0]
        first = mon.poll(spec, _fetcher())
        assert svc.requests[-1][1].get("If-None-Match") is None
        assert (first.stored, first.failed) == (0, False), first  # an empty service is no failure
        second = mon.poll(spec, _fetcher())
        assert svc.requests[-1][1].get("If-None-Match") == '"p1"'
        assert (second.stored, second.failed, second.error) == (0, False, ""), second  # a 304 is no error
        assert _q(tmp_path, "SELECT last_error FROM source_cursor") == [("",)]


def test_a_new_source_kind_is_one_module_and_one_registry_line(tmp_path, monkeypatch):
    """A kind the registry does not know is refused by the configuration; registered (one line), it is polled
    over real HTTP like the built-in kinds: its default letter types apply, its cursor is kept, a second poll
    fetches nothing again. ``poll_source`` returns the letters it stored and analyses none of them: the caller
    (here the daemon's ``Monitor.analyse``) decides."""
    from monitor import polling
    from monitor.config import ConfigError
    from monitor.sources import registry
    from tests.fake_source import JsonList

    with FakeServices() as svc:
        base = svc.base
        table = f'[[sources]]\nname = "fake"\nkind = "fake-json"\nurl = "{base}/list"\n'
        with pytest.raises(ConfigError, match="fake-json.*is not one of tk-odata"):
            _monitor(tmp_path, table)
        monkeypatch.setitem(registry.SOURCES, JsonList.kind, JsonList)  # the registry line
        items = [{"id": "a1", "type": "Brief", "title": "Terugkeer naar Afghanistan", "date": "2023-03-03",
                  "file": f"{base}/files/a1"},
                 {"id": "a2", "type": "Motie", "title": "Een motie", "date": "2023-03-04", "file": f"{base}/files/a2"}]
        svc.routes["/list"] = lambda path: (200, JSON, json.dumps(items if path.endswith("after=") else []).encode())
        svc.routes["/files/a1"] = (200, PDF, LETTER_PDF)
        mon = _monitor(tmp_path, table)
        spec = mon.settings.sources[0]
        result = polling.poll_source(mon.sessions, spec, fetcher=_fetcher())
        assert not result.failed and result.stored == 1 and len(result.changed) == 1
        assert _q(tmp_path, "SELECT title FROM letter") == [("Terugkeer naar Afghanistan",)]
        assert svc.hits("/files/a2") == 0  # a motion is no letter type of this kind
        assert _cursor(tmp_path, "fake") == {"after": "a2"}
        assert _q(tmp_path, "SELECT count(*) FROM topic_assignment")[0][0] == 0  # stored, not analysed
        mon.analyse(result.changed)
        assert _q(tmp_path, "SELECT count(*) FROM topic_assignment")[0][0] > 0
        assert mon.poll(spec, _fetcher()).changed == []
        assert svc.hits("/files/a1") == 1
        assert _q(tmp_path, "SELECT kind FROM source") == [("fake-json",)]
