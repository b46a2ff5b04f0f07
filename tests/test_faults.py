"""Crash and concurrency safety with real processes, real SIGKILLs and real databases (either backend).

A process is killed (``MONITOR_FAULT=point:N``: SIGKILL at the N-th pass of a
named point) during ingest, topic analysis, change computation or the
recomputation after a late letter; after a restart every letter is analysed
and the current changes equal those of a clean run, with no duplicates. A process
stopped (``point:N:stop``: SIGSTOP) inside its analysis shows it still holds the
writer lock there.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.store.lock import lock_file
from tests.conftest import (BACKEND, ROOT, SEED_LETTERS, copy_seeds, current_changes, integrity_ok, query, scalar,
                            synthetic_letters, write_config)
from tests.test_daemon import wait_for

EARLIEST = "2021-04-14-navo-raad-afghanistan"


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}


def cli(config: Path, db: str, *args: str, fault: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
    env = clean_env()
    if fault:
        env["MONITOR_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config), "--database", db, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def check_state(db: str, reference: list[tuple], letters: int) -> None:
    """Every letter analysed for its current version, the changes of a clean run, no change twice."""
    assert integrity_ok(db)
    rows = query(db, "SELECT key, topics_version_id = current_version_id, "
                     "changes_version_id = current_version_id FROM letter")
    assert len(rows) == letters
    assert all(t and c for _, t, c in rows), rows
    dupes = query(db, "SELECT uid, count(*) FROM change WHERE superseded_at IS NULL GROUP BY uid HAVING count(*) > 1")
    assert dupes == []
    assert current_changes(db) == reference


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, module_databases) -> dict:
    """The seeds plus synthetic re-dated letters; the clean run of all of them; a database holding all
    but the earliest letter (for late-letter runs)."""
    base = tmp_path_factory.mktemp("corpus")
    inbox = copy_seeds(base / "inbox")
    synthetic_letters(inbox, 3)
    config = write_config(base / "config.toml", inbox)
    clean = module_databases.new("clean")
    done = cli(config, clean, "ingest")
    assert done.returncode == 0, done.stdout + done.stderr
    later = base / "later-inbox"
    shutil.copytree(inbox, later)
    for f in later.glob(EARLIEST + ".*"):
        f.unlink()
    before_late = module_databases.new("before-late")
    done = cli(config, before_late, "ingest", str(later))
    assert done.returncode == 0, done.stderr
    return {"inbox": inbox, "config": config, "reference": current_changes(clean), "letters": len(SEED_LETTERS) + 3,
            "before_late": before_late}


# (where to die, how to restart): ingest, topics and changes of a fresh run, at early and late letters
FRESH_KILLS = [("ingest:1", "ingest"), ("ingest:6", "run"), ("topics:2", "ingest"), ("topics:8", "run"),
               ("changes-marked:1", "ingest"), ("changes:1", "run"), ("changes:5", "ingest")]


@pytest.mark.parametrize("fault,restart", FRESH_KILLS, ids=[f for f, _ in FRESH_KILLS])
def test_killed_run_is_finished_by_the_next_start(corpus, db_url, fault, restart):
    db = db_url
    killed = cli(corpus["config"], db, "ingest", fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    again = (cli(corpus["config"], db, "ingest") if restart == "ingest"
             else cli(corpus["config"], db, "run", "--once", "--no-serve"))
    assert again.returncode == 0, again.stdout + again.stderr
    check_state(db, corpus["reference"], corpus["letters"])


LATE_KILLS = ["changes-marked:1", "changes:1", "changes:4", "changes:7"]


@pytest.mark.parametrize("fault", LATE_KILLS)
def test_recomputation_after_a_late_letter_survives_a_kill(corpus, databases, fault):
    """The earliest letter arrives last: every other letter's changes are recomputed, and killed part-way."""
    db = databases.new("m", template=corpus["before_late"])
    late = [str(p) for p in corpus["inbox"].glob(EARLIEST + ".txt")]
    killed = cli(corpus["config"], db, "ingest", *late, fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    bare = scalar(db, "SELECT count(*) FROM letter l WHERE changes_run_id IS NOT NULL AND NOT EXISTS "
                      "(SELECT 1 FROM change c WHERE c.letter_id = l.id AND c.superseded_at IS NULL)")
    assert bare == 0  # between the kill and the restart: old or new changes, never none
    assert cli(corpus["config"], db, "ingest", *late).returncode == 0
    check_state(db, corpus["reference"], corpus["letters"])


def test_two_writers_at_once_equal_one_clean_run(corpus, db_url):
    db = db_url
    env = clean_env()
    cmd = [sys.executable, "-m", "monitor.cli", "--config", str(corpus["config"]), "--database", db,
           "--wait", "300", "ingest"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    check_state(db, corpus["reference"], corpus["letters"])


def writer_holder(db: str, tmp: Path) -> str:
    """Who holds the database's writer lock, as the lock itself records it ("" when nobody does)."""
    if BACKEND == "sqlite":
        lock = lock_file(db, tmp)
        return lock.read_text() if lock is not None and lock.exists() else ""
    # this database's only: the other xdist workers' writers share the server
    return " ".join(r[0] for r in query(db, "SELECT application_name FROM pg_stat_activity WHERE datname = "
                                            "current_database() AND application_name LIKE 'policy-monitor writer%'"))


def test_a_writer_beside_the_daemon_refuses_clearly_and_changes_nothing(corpus, databases, tmp_path):
    db = databases.new("m", template=corpus["before_late"])
    # dropped a while ago: the daemon takes a file once it has stopped changing (a poll interval untouched, or
    # the same at two polls), and this one is to be taken at its first poll
    for f in corpus["inbox"].iterdir():
        os.utime(f, (f.stat().st_mtime - 3600, f.stat().st_mtime - 3600))
    env = clean_env()
    daemon = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(corpus["config"]), "--database",
                               db, "run", "--no-serve"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: str(daemon.pid) in writer_holder(db, tmp_path))
        other = cli(corpus["config"], db, "--wait", "0", "analyse")
        assert other.returncode == 1
        assert "another writer is running" in other.stderr and str(daemon.pid) in other.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, _ = daemon.communicate(timeout=120)
    assert daemon.returncode == 0, out
    check_state(db, corpus["reference"], corpus["letters"])  # the daemon ingested the late letter itself


@pytest.mark.parametrize("point", ["topics", "changes"])
def test_an_ingest_analyses_its_letters_inside_the_writer_lock(db_url: str, tmp_path: Path, point: str) -> None:
    """The ingest freezes itself (SIGSTOP, ``MONITOR_FAULT=point:1:stop``) inside its analysis of the new
    letter, after the letter's topics or changes committed; a second writer started right then must find
    the lock held by that ingest. No timing: the ingest cannot move on until it is sent SIGCONT."""
    inbox = copy_seeds(tmp_path / "inbox", (EARLIEST + ".txt",))
    config = ROOT / "config.toml"
    log = tmp_path / "ingest.log"  # a file, not a pipe: a full pipe would block it before it reaches the point
    with log.open("w") as out:
        ingest = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(config), "--database",
                                   db_url, "ingest", str(inbox)], cwd=ROOT, env={**clean_env(),
                                   "MONITOR_FAULT": f"{point}:1:stop"}, stdout=out, stderr=subprocess.STDOUT)
    _, status = os.waitpid(ingest.pid, os.WUNTRACED)  # returns once it has stopped itself (or ended)
    assert os.WIFSTOPPED(status), f"the ingest ended before reaching {point}: {log.read_text()}"
    try:
        assert scalar(db_url, "SELECT count(*) FROM letter WHERE topics_version_id = current_version_id") == 1
        other = cli(config, db_url, "--wait", "0", "analyse")
        assert other.returncode == 1, f"a second writer ran during the ingest's analysis: {other.stdout}"
        assert "another writer is running" in other.stderr and f"pid {ingest.pid}" in other.stderr, other.stderr
    finally:
        os.kill(ingest.pid, signal.SIGCONT)
        ingest.wait(timeout=120)
    assert ingest.returncode == 0, log.read_text()
    assert scalar(db_url, "SELECT count(*) FROM letter WHERE changes_version_id = current_version_id") == 1
