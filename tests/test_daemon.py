"""The daemon as a real subprocess: polls a temporary inbox, serves the feed, stops cleanly on SIGTERM."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import httpx

from tests.conftest import ROOT, SEEDS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float = 60.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except httpx.HTTPError:
            pass
        time.sleep(every)
    raise AssertionError("timed out")


def test_daemon_picks_up_a_dropped_letter_and_stops_cleanly(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("2021-04-14-navo-raad-afghanistan", "2021-05-12-defensie-terugkeer-afghanistan"):
        for suffix in (".txt", ".meta.toml"):
            shutil.copy(SEEDS / f"{name}{suffix}", inbox / f"{name}{suffix}")
    config = tmp_path / "config.toml"
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(base.replace('folders = ["seeds"]', f'folders = ["{inbox}"]')
                      .replace("inbox_seconds = 60", "inbox_seconds = 1"), encoding="utf-8")
    db = tmp_path / "monitor.db"
    port = _free_port()
    cmd = [sys.executable, "-m", "monitor.cli", "--config", str(config), "--database", f"sqlite:///{db}",
           "run", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/feed.atom"
    try:
        first = _wait(lambda: (r := httpx.get(url, timeout=2)).status_code == 200
                      and feedparser.parse(r.content).entries and r)
        before = {e.id for e in feedparser.parse(first.content).entries}
        # a second daemon on the same database refuses to start
        second = subprocess.run(cmd[:-2] + ["--port", str(_free_port())], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "another policy-monitor daemon" in second.stdout + second.stderr
        for suffix in (".txt", ".meta.toml"):
            shutil.copy(SEEDS / f"2021-06-18-toekomstige-inzet-en-hulp-afghanistan{suffix}",
                        inbox / f"2021-06-18-toekomstige-inzet-en-hulp-afghanistan{suffix}")
        after = _wait(lambda: (ids := {e.id for e in feedparser.parse(httpx.get(url, timeout=2).content).entries})
                      - before and ids)
        new_titles = [e.title for e in feedparser.parse(httpx.get(url).content).entries if e.id not in before]
        assert any("toekomstige inzet" in t for t in new_titles), new_titles
        assert after
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopped cleanly" in out
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM letter").fetchone()[0] == 3
    versions = con.execute("SELECT count(*) FROM letter l JOIN letter_version v ON v.id = l.current_version_id "
                           "WHERE (SELECT count(*) FROM statement s WHERE s.version_id = v.id) = 0").fetchone()[0]
    assert versions == 0  # no half letters
