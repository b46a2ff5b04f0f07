"""Issue 14, item 7: hostile or broken servers. Real HTTP on loopback; nothing of ours is mocked."""
from __future__ import annotations

import json
import threading
import time

from click.testing import CliRunner

from monitor.cli import main
from monitor.sources.http import Fetcher, retry_after_seconds
from tests.conftest import db_for
from tests.fakeservices import Drip, FakeServices
from tests.remote_helpers import (JSON, PDF, LETTER_PDF, cursor_of, fetcher, make_monitor, odata_page, q,
                                  serve_official, source_block, stored)

GUID = "0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2350"
OTHER = "4c2b7e10-8d3a-4f5e-9b21-21501202350a"


def _tk(svc, extra: str = "") -> str:
    return source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/", extra)


def test_7_a_dripping_body_hits_the_total_deadline(tmp_path):
    with FakeServices() as svc:
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, Drip(0.2))
        mon = make_monitor(tmp_path, _tk(svc))
        started = time.monotonic()
        result = mon.poll(mon.settings.sources[0], fetcher(timeout=1.0, deadline=1.0, retries=0))
        took = time.monotonic() - started
    assert took < 5 and "deadline" in result.error and "/OData/v4/2.0/Document" in result.error
    logged = q(tmp_path, "SELECT message FROM ingest_log WHERE outcome = 'error'")
    assert logged and "deadline" in logged[0][0]


def test_7_stopping_interrupts_a_dripping_download_promptly(tmp_path):
    with FakeServices() as svc:
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, Drip(0.2))
        mon = make_monitor(tmp_path, _tk(svc))
        done = threading.Event()
        thread = threading.Thread(target=lambda: (mon.poll(mon.settings.sources[0],
                                                              fetcher(timeout=30, deadline=300)), done.set()))
        thread.start()
        time.sleep(0.6)
        asked = time.monotonic()
        mon.stopping.set()  # what the daemon's SIGTERM handler does
        assert done.wait(5), "the poll ignored the stop request"
        assert time.monotonic() - asked < 2.0


def test_7_stopping_interrupts_a_long_retry_after(tmp_path):
    with FakeServices() as svc:
        svc.routes["/OData/v4/2.0/Document"] = (503, {"Retry-After": "3600"}, b"busy")
        mon = make_monitor(tmp_path, _tk(svc))
        f = Fetcher(rate=1000, timeout=2, max_wait=3600)  # real sleeping, interruptible
        thread = threading.Thread(target=mon.poll, args=(mon.settings.sources[0], f))
        thread.start()
        time.sleep(0.5)
        mon.stopping.set()
        thread.join(5)
        assert not thread.is_alive()


def test_7_a_self_referencing_nextlink_is_a_loop_not_saved(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        first = f"{svc.base}/OData/v4/2.0/Document?$skiptoken=1"
        svc.routes["/OData/v4/2.0/Document"] = lambda path: (200, JSON, odata_page(svc.base, [GUID], first))
        mon = make_monitor(tmp_path, _tk(svc))
        result = mon.poll(mon.settings.sources[0], fetcher())
        assert svc.hits("/OData/v4/2.0/Document?") <= 3
    assert "page loop" in result.error
    assert "next" not in cursor_of(tmp_path, "tk")
    assert q(tmp_path, "SELECT count(*) FROM letter") == [(1,)]


def test_7_a_document_that_always_fails_is_parked_and_the_cursor_moves_on(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [GUID, OTHER]))
        svc.routes[f"/OData/v4/2.0/Document({GUID})/resource"] = (500, {"Retry-After": "0"}, b"broken")
        mon = make_monitor(tmp_path, _tk(svc, "retries_per_document = 2"))
        spec = mon.settings.sources[0]
        first = mon.poll(spec, fetcher(retries=1))
        assert first.failed and "since" not in cursor_of(tmp_path, "tk")  # held back once
        assert q(tmp_path, "SELECT reference FROM letter") == [("kst-21501-20-2350",)]  # the page's others are in
        second = mon.poll(spec, fetcher(retries=1))
        third = mon.poll(spec, fetcher(retries=1))
        hits = svc.hits(f"/OData/v4/2.0/Document({GUID})")
    assert second.parked == 1 and cursor_of(tmp_path, "tk")["since"].startswith("2021-06-16")
    assert not third.failed and hits == 4  # 2 polls x (1 + 1 retry), then never again
    parked = q(tmp_path, "SELECT locator, message FROM ingest_log WHERE outcome = 'parked'")
    assert len(parked) == 1 and GUID in parked[0][0] and "HTTP 500" in parked[0][1]


def _redirect_elsewhere(svc, target: str) -> str:
    """The document's resource redirects to ``target`` on the same server under another host name."""
    serve_official(svc, svc.base)
    svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [OTHER]))
    port = svc.base.rsplit(":", 1)[1]
    svc.routes[f"/OData/v4/2.0/Document({OTHER})/resource"] = (302, {"Location": f"http://localhost:{port}{target}"},
                                                               b"")
    svc.routes[target] = (200, PDF, LETTER_PDF)
    return port


def test_7_a_redirect_to_another_host_is_refused(tmp_path):
    with FakeServices() as svc:
        port = _redirect_elsewhere(svc, "/internal/secret")
        mon = make_monitor(tmp_path, _tk(svc))
        result = mon.poll(mon.settings.sources[0], fetcher())
        assert svc.hits("/internal/secret") == 0
    assert result.failed and q(tmp_path, "SELECT count(*) FROM letter") == [(0,)]
    (message,) = [m for (m,) in q(tmp_path, "SELECT message FROM ingest_log WHERE outcome = 'error'")]
    assert "refused" in message and f"localhost:{port}" in message and OTHER in message


def test_7_a_redirect_to_an_allowed_host_is_followed(tmp_path):
    with FakeServices() as svc:
        port = _redirect_elsewhere(svc, "/files/other.pdf")
        mon = make_monitor(tmp_path, _tk(svc, f'allowed_hosts = ["localhost:{port}"]'))
        result = mon.poll(mon.settings.sources[0], fetcher())
    assert stored(result) == 1


def test_7_retry_after_superscript_and_wrong_types_do_not_crash(tmp_path):
    assert retry_after_seconds("²", 0.0) is None and retry_after_seconds("7", 0.0) == 7.0
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        page = json.loads(odata_page(svc.base, [GUID]))
        page["value"][0].update(Onderwerp=5, Datum=20210614, Kamerstukdossier="21501", Volgnummer="x", Zaak=7)
        page["value"] += [1, "x", {"Id": {"nested": True}}]
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, json.dumps(page).encode())
        mon = make_monitor(tmp_path, _tk(svc))
        result = mon.poll(mon.settings.sources[0], fetcher())
        assert not result.error
        svc.routes["/OData/v4/2.0/Document"] = (503, {"Retry-After": "²"}, b"busy")
        with mon.sessions.begin() as s:
            from monitor.store.models import SourceCursor
            s.get(SourceCursor, "tk").cursor = {}
        result = mon.poll(mon.settings.sources[0], fetcher(retries=1))
    assert "HTTP 503" in result.error
    errors = [m for (m,) in q(tmp_path, "SELECT message FROM ingest_log WHERE outcome = 'error'")]
    assert any("without an Id" in m for m in errors)


def test_7_poll_exits_non_zero_when_a_source_failed(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/sru"] = (200, {"Content-Type": "application/xml"}, b"<sru:searchRetrieveResponse")
        mon = make_monitor(tmp_path, source_block("koop", "sru", f"{svc.base}/sru")
                           + source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/", "rate_per_second = 100.0"))
        mon.engine.dispose()
        result = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "--database",
                                           db_for(tmp_path), "poll"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "koop: failed" in result.output and "malformed XML" in result.output
    assert q(tmp_path, "SELECT count(*) FROM letter")[0][0] == 5  # the other source was polled all the same
