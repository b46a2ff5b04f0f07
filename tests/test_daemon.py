"""The daemon as a real subprocess: polls a temporary inbox, serves the feed, holds the writer lock,
finishes unfinished work at start-up and stops cleanly on SIGTERM."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import httpx
from sqlalchemy.exc import SQLAlchemyError

from tests.conftest import ROOT, SEEDS, copy_seeds, database_exists, free_port, integrity_ok, scalar, write_config


def wait_for(predicate, timeout: float = 90.0, every: float = 0.2):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (httpx.HTTPError, SQLAlchemyError):  # not up yet, or the schema not yet made
            pass
        time.sleep(every)
    raise AssertionError("timed out waiting for a condition")


def analysed_letters(db: str) -> int:
    """Letters whose topics and changes are both computed for their current version."""
    return scalar(db, "SELECT count(*) FROM letter WHERE topics_version_id = current_version_id "
                      "AND changes_version_id = current_version_id")


def render_workers(pid: int) -> list[int]:
    """The live render processes (spawned multiprocessing workers) of process ``pid``."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    out = []
    for child in children:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                out.append(child)
    return out


def test_daemon_picks_up_a_dropped_letter_and_stops_cleanly(tmp_path: Path, db_url: str):
    """Also: /healthz says "starting" until the first poll's analysis is done, and "stopped cleanly" comes once
    the server, its render processes and the scheduler are gone."""
    inbox = copy_seeds(tmp_path / "inbox", ("2021-04-14-navo-raad-afghanistan.txt",
                                            "2021-05-12-defensie-terugkeer-afghanistan.txt"))
    config = write_config(tmp_path / "config.toml", inbox, inbox_seconds=1)
    db = db_url
    port = free_port()
    cmd = [sys.executable, "-m", "monitor.cli", "--config", str(config), "--database", db,
           "run", "--port", str(port)]
    release = tmp_path / "release"  # the first letter's topics wait for this file (monitor/faults.py)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MONITOR_FAULT": "topics:1:wait", "MONITOR_FAULT_RELEASE": str(release)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/feed.atom"
    health = f"http://127.0.0.1:{port}/healthz"
    try:
        # serving, but the first analysis is held: not "ok" yet, whatever is already stored
        starting = wait_for(lambda: (r := httpx.get(health, timeout=5)).status_code == 503 and r)
        assert starting.json()["status"] == "starting" and analysed_letters(db) == 0
        assert starting.json()["message"].startswith("De monitor start")
        release.touch()
        assert wait_for(lambda: httpx.get(health, timeout=5).json()["status"] == "ok")
        assert analysed_letters(db) == 2  # "ok" only once the first poll is analysed
        # the condition, not a first sign of life: both letters analysed, and the server answering
        wait_for(lambda: database_exists(db) and analysed_letters(db) == 2)
        first = wait_for(lambda: (r := httpx.get(url, timeout=5)).status_code == 200 and r)
        before = {e.id for e in feedparser.parse(first.content).entries}
        assert before
        # a second daemon on the same database refuses to start, naming the writer that holds it
        second = subprocess.run(cmd[:-2] + ["--port", str(free_port())], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "another writer is running" in second.stdout + second.stderr
        shutil.copy(SEEDS / "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.meta.toml", inbox)
        shutil.copy(SEEDS / "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt", inbox)
        wait_for(lambda: analysed_letters(db) == 3)
        entries = wait_for(lambda: [e for e in feedparser.parse(httpx.get(url, timeout=5).content).entries
                                    if e.id not in before])
        assert any("toekomstige inzet" in e.title for e in entries), [e.title for e in entries]
    finally:
        release.touch()
        proc.send_signal(signal.SIGTERM)
        assert proc.stdout is not None
        lines, left = [], None
        for line in proc.stdout:  # what is still running at the moment the daemon says it stopped
            lines.append(line)
            if "stopped cleanly" in line:
                left = render_workers(proc.pid)
                break
        out = "".join(lines) + proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    assert left == [], out
    assert out.index("Scheduler has been shut down") < out.index("stopped cleanly")
    assert integrity_ok(db)
    assert scalar(db, "SELECT count(*) FROM letter") == 3
    versions = scalar(db, "SELECT count(*) FROM letter l JOIN letter_version v ON v.id = l.current_version_id "
                          "WHERE (SELECT count(*) FROM statement s WHERE s.version_id = v.id) = 0")
    assert versions == 0  # no half letters


def test_a_daemon_whose_port_is_taken_stops_with_status_1_and_ctrl_c_stops_one_cleanly(tmp_path: Path, db_url: str):
    """The HTTP server ending by itself stops the daemon (it does not poll on unserved); SIGINT is a clean stop."""
    import socket
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = write_config(tmp_path / "config.toml", inbox, inbox_seconds=1)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        cmd = [sys.executable, "-m", "monitor.cli", "--config", str(config), "--database", db_url, "run", "--port",
               str(taken.getsockname()[1])]
        busy = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert busy.returncode == 1 and "the HTTP server ended by itself" in busy.stdout, busy.stdout + busy.stderr
    assert "stopped cleanly" in busy.stdout
    port = free_port()
    proc = subprocess.Popen(cmd[:-1] + [str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "stopped cleanly" in out, out
