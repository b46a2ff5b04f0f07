"""Running in production (issue 16): one writer per database with real processes, schema creation
serialised, the same export from both backends, /metrics and /healthz over real HTTP, logfmt logs,
clear one-line errors for an unusable database, and the systemd unit.

Every test here runs on the backend under test (POLICY_MONITOR_TEST_DATABASE); the cross-backend export test
needs a PostgreSQL server (POLICY_MONITOR_TEST_PG_URL) and runs in both passes of `.ci/run`.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from monitor.api import create_app
from monitor.cli import main
from monitor.config import load_settings
from monitor.logs import parse_line
from monitor.store.db import head_revision
from tests.conftest import (PG_SERVER_URL, ROOT, Databases, copy_seeds, execute, postgresql_only, query,
                            free_port, scalar, write_config)
from tests.fakeservices import FakeServices
from tests.remote_helpers import serve_official, source_block
from tests.test_daemon import wait_for

CONFIG = str(ROOT / "config.toml")
BUSY = "another writer is running"


def clean_env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}, "PYTHONUNBUFFERED": "1"}


def command(config: str | Path, db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor.cli", "--config", str(config), "--database", db, *args]


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(procs: list[subprocess.Popen], timeout: float = 600) -> list[tuple[int, str]]:
    return [(p.returncode, out) for p in procs for out in [p.communicate(timeout=timeout)[0]]]


def export(db: str) -> str:
    result = CliRunner().invoke(main, ["--config", CONFIG, "--database", db, "export", "-o", "-"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def duplicates(db: str) -> list[tuple]:
    return query(db, "SELECT uid, count(*) FROM change WHERE superseded_at IS NULL GROUP BY uid HAVING count(*) > 1")


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory, module_databases: Databases) -> dict:
    """The seeds ingested once, by one process: the export every concurrent run must equal."""
    base = tmp_path_factory.mktemp("clean")
    inbox = copy_seeds(base / "inbox")
    config = write_config(base / "config.toml", inbox)
    db = module_databases.new("clean")
    done = subprocess.run(command(config, db, "ingest"), cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"inbox": inbox, "config": config, "db": db, "export": export(db)}


# ------------------------------------------------------------------------------------------ one writer


def test_two_ingests_at_once_one_waits_or_refuses_and_the_export_equals_one_clean_run(clean_run, db_url):
    # --wait 0: the second refuses at once if the first holds the lock; either way nobody crashes
    outs = finish([start(command(clean_run["config"], db_url, "--wait", "0", "ingest")) for _ in range(2)])
    for code, out in outs:
        assert "Traceback" not in out, out
        assert code == 0 or (code == 1 and BUSY in out), out
    assert any(code == 0 for code, _ in outs), outs
    if all(code == 0 for code, _ in outs):  # the second started after the first ended: it found all known
        assert any("5 already known" in out for _, out in outs), outs
    assert duplicates(db_url) == []
    assert export(db_url) == clean_run["export"]


def test_two_analyses_at_once_are_serialised_and_change_nothing(clean_run, databases):
    db = databases.new("analysed", template=clean_run["db"])
    outs = finish([start(command(clean_run["config"], db, "--wait", "300", "analyse")) for _ in range(2)])
    assert [code for code, _ in outs] == [0, 0], outs
    assert not any("Traceback" in out for _, out in outs)
    assert duplicates(db) == []
    assert export(db) == clean_run["export"]


def test_two_daemons_at_once_one_runs_the_other_refuses(clean_run, db_url):
    procs = [start(command(clean_run["config"], db_url, "run", "--no-serve")) for _ in range(2)]
    try:
        # the refusing daemon exits by itself; the other keeps running until it is stopped
        loser = wait_for(lambda: next((p for p in procs if p.poll() is not None), None), timeout=120)
        out = loser.communicate(timeout=60)[0]
        assert loser.returncode == 1 and BUSY in out and "Traceback" not in out, out
        winner = next(p for p in procs if p is not loser)
        assert winner.poll() is None
        wait_for(lambda: scalar(db_url, "SELECT count(*) FROM letter WHERE changes_version_id = current_version_id")
                 == 5, timeout=300)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        outs = finish(procs, timeout=120)
    assert winner.returncode == 0 and "stopped cleanly" in outs[procs.index(winner)][1]
    assert export(db_url) == clean_run["export"]


def test_concurrent_migrations_of_an_empty_database_all_succeed(db_url):
    outs = finish([start(command(CONFIG, db_url, "--wait", "120", "migrate")) for _ in range(4)], timeout=300)
    assert [code for code, _ in outs] == [0] * 4, outs
    assert sum("already current" in out for _, out in outs) == 3, outs  # exactly one made the schema
    assert scalar(db_url, "SELECT version_num FROM alembic_version") == head_revision()


def test_a_letter_stored_meanwhile_by_another_process_is_already_known(db_url, tmp_path, monkeypatch):
    """Another process (here: another engine, while we parse) stores the same file first."""
    from monitor import ingest
    from monitor.store.db import open_database, session_factory, utcnow
    inbox = copy_seeds(tmp_path / "in", ("2021-04-14-navo-raad-afghanistan.txt",))
    ours = session_factory(open_database(db_url, create=True))
    theirs = session_factory(open_database(db_url, create=True))
    cand = next(ingest.inbox_candidates([inbox], (".txt",), 10**7))
    real = ingest._prepare  # parse (and analysis) of a file: what runs while the other process stores
    raced: list = []

    def parse_while_the_other_stores(*args, **kw):
        if not raced:  # the other process's ingest runs its own (unpatched) parse and stores first
            raced.append(None)
            monkeypatch.setattr(ingest, "_prepare", real)
            raced[0] = ingest.ingest_one(theirs, cand, utcnow(), 10**7)
        return real(*args, **kw)
    monkeypatch.setattr(ingest, "_prepare", parse_while_the_other_stores)
    result = ingest.ingest_one(ours, cand, utcnow(), 10**7)
    assert raced[0].outcome == "stored"
    assert result.outcome == "unchanged" and "already known" in result.message, result
    assert result.letter_key == raced[0].letter_key
    assert scalar(db_url, "SELECT count(*) FROM letter") == 1
    assert scalar(db_url, "SELECT count(*) FROM ingest_log WHERE outcome = 'error'") == 0


@postgresql_only
def test_the_writer_lock_holds_however_the_server_is_named(db_url):
    """Two spellings of one server (127.0.0.1 and localhost) reach one database, and so one lock."""
    from sqlalchemy.engine import make_url

    from monitor.store.lock import WriterBusy, WriterLock
    other = make_url(db_url).set(host="localhost").render_as_string(hide_password=False)
    with WriterLock(db_url, Path("."), what="first"):
        with pytest.raises(WriterBusy, match=f"{BUSY} on this database: pid {os.getpid()}: first holds the PostgreSQL"):
            WriterLock(other, Path("."), wait=0.3).acquire()
    with WriterLock(other, Path(".")):  # released with its connection
        pass


# ------------------------------------------------------------------------------------------ backends


@pytest.mark.skipif(not PG_SERVER_URL, reason="needs a PostgreSQL server: POLICY_MONITOR_TEST_PG_URL (make test-postgres)")
def test_the_seeds_export_identically_from_sqlite_and_postgresql(tmp_path, seeds_copy, monkeypatch):
    monkeypatch.setattr("tests.conftest.BACKEND", "postgresql")
    pg = Databases(tmp_path)
    try:
        urls = {"sqlite": f"sqlite:///{tmp_path / 'm.db'}", "postgresql": pg.new("m")}
        exports = {}
        for name, url in urls.items():
            result = CliRunner().invoke(main, ["--config", CONFIG, "--database", url, "ingest", str(seeds_copy)],
                                        catch_exceptions=False)
            assert result.exit_code == 0, result.output
            exports[name] = export(url)
        assert '"changes": [' in exports["sqlite"] and len(exports["sqlite"]) > 10_000
        assert exports["sqlite"] == exports["postgresql"]
    finally:
        pg.drop_all()


@pytest.mark.parametrize("url", ["postgresql+psycopg://monitor:s3cret@127.0.0.1:1/monitor",
                                 "postgresql+pg8000://monitor:s3cret@127.0.0.1:1/monitor"])
def test_an_unreachable_server_or_a_missing_driver_is_one_clear_line(url, tmp_path):
    for args in (("letters",), ("ingest", str(tmp_path)), ("migrate",), ("run", "--once", "--no-serve")):
        done = subprocess.run(command(CONFIG, url, *args), cwd=ROOT, env=clean_env(), capture_output=True,
                              text=True, timeout=60)
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1, (args, lines)
        assert lines[0].startswith("Error: cannot open the database postgresql+")
        assert "monitor:***@127.0.0.1:1/monitor" in lines[0] and "s3cret" not in lines[0]
        assert ("Connection refused" in lines[0]) if "psycopg" in url else ("driver is not installed" in lines[0])


# ------------------------------------------------------------------------------------------ watching it


@pytest.fixture()
def web(db_url):
    """A real HTTP server over the test database; yields a function that starts it with settings."""
    servers = []

    def serve(config: Path) -> str:
        port = free_port()
        settings = load_settings(config, database_url=db_url, environ={})
        srv = uvicorn.Server(uvicorn.Config(create_app(settings.serving("127.0.0.1", port)), host="127.0.0.1",
                                            port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        servers.append((srv, thread))
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/metrics", timeout=2).status_code == 200, timeout=30, every=0.05)
        return base
    yield serve
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(timeout=10)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_metrics_count_a_failing_file_and_a_failing_source_and_healthz_turns_unhealthy(db_url, tmp_path, web):
    inbox = copy_seeds(tmp_path / "inbox", ("2021-04-14-navo-raad-afghanistan.txt",
                                            "2021-05-12-defensie-terugkeer-afghanistan.txt"))
    (inbox / "kapot.pdf").write_bytes(b"%PDF-1.4 cut off")
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/sru"] = (200, {"Content-Type": "application/xml"}, b"<sru:searchRetrieveResponse")  # broken
        config = write_config(tmp_path / "config.toml", inbox,
                              source_block("koop", "sru", f"{svc.base}/sru")
                              + source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/",
                                             "rate_per_second = 100.0"))
        run = CliRunner().invoke(main, ["--config", str(config), "--database", db_url, "ingest"])
        assert run.exit_code == 1 and "kapot.pdf" in run.output, run.output
        poll = CliRunner().invoke(main, ["--config", str(config), "--database", db_url, "poll"])
        assert poll.exit_code == 1 and "koop: failed" in poll.output, poll.output
    base = web(config)
    r = httpx.get(f"{base}/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = _samples(r.text)
    assert m[("policy_monitor_up", (("error", ""),))] == 1
    assert m[("policy_monitor_letters_failed_total", (("source", "folder"),))] == 1  # the broken file
    assert m[("policy_monitor_letters_ingested_total", (("source", "folder"),))] == 2
    assert m[("policy_monitor_letters_ingested_total", (("source", "tk-odata"),))] >= 1
    assert m[("policy_monitor_source_poll_failures_total", (("source", "koop"),))] == 1  # the broken source
    assert m[("policy_monitor_source_poll_failures_total", (("source", "tk"),))] == 0
    assert m[("policy_monitor_source_failing_seconds", (("source", "tk"),))] == 0
    assert 0 <= m[("policy_monitor_source_failing_seconds", (("source", "koop"),))] < 300
    assert 0 <= m[("policy_monitor_source_last_good_poll_age_seconds", (("source", "tk"),))] < 300
    assert ("policy_monitor_source_last_good_poll_age_seconds", (("source", "koop"),)) not in m  # never good
    assert m[("policy_monitor_source_last_poll_duration_seconds", (("source", "koop"),))] > 0
    assert m[("policy_monitor_analysis_last_duration_seconds", (("stage", "changes"),))] >= 0
    assert m[("policy_monitor_changes_published", ())] == scalar(
        db_url, "SELECT count(*) FROM change WHERE published AND superseded_at IS NULL") > 0
    assert m[("policy_monitor_database_size_bytes", ())] > 100_000
    # failing for minutes is tolerated; failing for longer than server.unhealthy_after_failing_seconds is not
    assert httpx.get(f"{base}/healthz", timeout=10).json()["status"] == "ok"
    execute(db_url, "UPDATE source_cursor SET failing_since = :t WHERE name = 'koop'", t="2020-01-01 00:00:00+00:00")
    h = httpx.get(f"{base}/healthz", timeout=10)
    assert h.status_code == 503 and h.json()["status"] == "unhealthy", h.text
    assert h.json()["message"].startswith("Een bron faalt al langer dan"), h.text  # a sentence for the reader, in Dutch
    assert [f["source"] for f in h.json()["failing"]] == ["koop"] and "malformed XML" in h.json()["failing"][0]["error"]


def test_the_daemon_logs_one_logfmt_line_an_event_with_letter_and_source(db_url, tmp_path):
    inbox = copy_seeds(tmp_path / "inbox", ("2021-04-14-navo-raad-afghanistan.txt",))
    (inbox / "kapot.pdf").write_bytes(b"%PDF-1.4 cut off")
    config = write_config(tmp_path / "config.toml", inbox)
    done = subprocess.run(command(config, db_url, "run", "--once", "--no-serve"), cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    events = [parse_line(line) for line in lines]
    assert lines and all(list(e)[:4] == ["ts", "level", "logger", "msg"] for e in events), lines
    stored = [e for e in events if e["msg"].startswith("ingested ")]
    failed = [e for e in events if e["msg"].startswith("failed ") and "kapot.pdf" in e["msg"]]
    assert [(e["source"], e["letter"], e["outcome"]) for e in stored] == [("inbox", "kst-28676-361", "stored")], lines
    assert len(failed) == 1 and failed[0]["level"] == "error" and failed[0]["source"] == "inbox", lines
    assert failed[0]["locator"].endswith("kapot.pdf")


# ------------------------------------------------------------------------------------------ the service unit

UNIT = ROOT / "deploy" / "policy-monitor.service"


def _verify(unit: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (Debian: apt-get install systemd)")
def test_the_systemd_unit_verifies_and_is_sandboxed(tmp_path):
    text = UNIT.read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["User"] == "policy-monitor" and settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == "/var/lib/policy-monitor" == settings["WorkingDirectory"]
    assert settings["NoNewPrivileges"] == "yes" and settings["ProtectHome"] == "yes"
    assert settings["ExecStart"].endswith("policy-monitor run")
    # verify checks that ExecStart exists: point it at this checkout's program, change nothing else
    here = str(Path(sys.executable).parent / "policy-monitor")
    unit = tmp_path / "policy-monitor.service"
    unit.write_text(text.replace("/opt/policy-monitor/bin/policy-monitor", here), encoding="utf-8")
    ok = _verify(unit)
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken" / "policy-monitor.service"  # the check can fail: a typo is caught
    broken.parent.mkdir()
    broken.write_text(unit.read_text(encoding="utf-8").replace("[Service]", "[Service]\nExecStrat=/bin/true"),
                      encoding="utf-8")
    bad = _verify(broken)
    assert "ExecStrat" in bad.stderr, bad.stderr
