"""Crash and concurrency safety with real processes, real SIGKILLs and real SQLite files.

A process is killed (``MONITOR_FAULT=point:N``: SIGKILL at the N-th pass of a
named point) during ingest, topic analysis, change computation or the
recomputation after a late letter; after a restart every letter is analysed
and the current changes equal those of a clean run, with no duplicates.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_LETTERS, copy_seeds, current_changes, synthetic_letters, write_config
from tests.test_daemon import wait_for

EARLIEST = "2021-04-14-navo-raad-afghanistan"


def cli(config: Path, db: Path, *args: str, fault: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    if fault:
        env["MONITOR_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config), "--database",
                           f"sqlite:///{db}", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def check_state(db: Path, reference: list[tuple], letters: int) -> None:
    """Every letter analysed for its current version, the changes of a clean run, no change twice."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT key, topics_version_id = current_version_id, "
                           "changes_version_id = current_version_id FROM letter").fetchall()
        assert len(rows) == letters
        assert all(t and c for _, t, c in rows), rows
        dupes = con.execute("SELECT uid, count(*) FROM change WHERE superseded_at IS NULL GROUP BY uid "
                            "HAVING count(*) > 1").fetchall()
        assert dupes == []
    finally:
        con.close()
    assert current_changes(db) == reference


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The seeds plus synthetic re-dated letters; the clean run of all of them; a database holding all
    but the earliest letter (for late-letter runs)."""
    base = tmp_path_factory.mktemp("corpus")
    inbox = copy_seeds(base / "inbox")
    synthetic_letters(inbox, 3)
    config = write_config(base / "config.toml", inbox)
    clean = base / "clean.db"
    done = cli(config, clean, "ingest")
    assert done.returncode == 0, done.stdout + done.stderr
    later = base / "later-inbox"
    shutil.copytree(inbox, later)
    for f in later.glob(EARLIEST + ".*"):
        f.unlink()
    before_late = base / "before-late.db"
    done = cli(config, before_late, "ingest", str(later))
    assert done.returncode == 0, done.stderr
    return {"inbox": inbox, "config": config, "reference": current_changes(clean), "letters": len(SEED_LETTERS) + 3,
            "before_late": before_late}


# (where to die, how to restart): ingest, topics and changes of a fresh run, at early and late letters
FRESH_KILLS = [("ingest:1", "ingest"), ("ingest:6", "run"), ("topics:2", "ingest"), ("topics:8", "run"),
               ("changes-marked:1", "ingest"), ("changes:1", "run"), ("changes:5", "ingest")]


@pytest.mark.parametrize("fault,restart", FRESH_KILLS, ids=[f for f, _ in FRESH_KILLS])
def test_killed_run_is_finished_by_the_next_start(corpus, tmp_path, fault, restart):
    db = tmp_path / "m.db"
    killed = cli(corpus["config"], db, "ingest", fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    again = (cli(corpus["config"], db, "ingest") if restart == "ingest"
             else cli(corpus["config"], db, "run", "--once", "--no-serve"))
    assert again.returncode == 0, again.stdout + again.stderr
    check_state(db, corpus["reference"], corpus["letters"])


LATE_KILLS = ["changes-marked:1", "changes:1", "changes:4", "changes:7"]


@pytest.mark.parametrize("fault", LATE_KILLS)
def test_recomputation_after_a_late_letter_survives_a_kill(corpus, tmp_path, fault):
    """The earliest letter arrives last: every other letter's changes are recomputed, and killed part-way."""
    db = tmp_path / "m.db"
    shutil.copy(corpus["before_late"], db)
    late = [str(p) for p in corpus["inbox"].glob(EARLIEST + ".txt")]
    killed = cli(corpus["config"], db, "ingest", *late, fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    con = sqlite3.connect(db)
    bare = con.execute("SELECT count(*) FROM letter l WHERE changes_run_id IS NOT NULL AND NOT EXISTS "
                       "(SELECT 1 FROM change c WHERE c.letter_id = l.id AND c.superseded_at IS NULL)").fetchone()[0]
    con.close()
    assert bare == 0  # between the kill and the restart: old or new changes, never none
    assert cli(corpus["config"], db, "ingest", *late).returncode == 0
    check_state(db, corpus["reference"], corpus["letters"])


def test_two_writers_at_once_equal_one_clean_run(corpus, tmp_path):
    db = tmp_path / "m.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    cmd = [sys.executable, "-m", "monitor.cli", "--config", str(corpus["config"]), "--database", f"sqlite:///{db}",
           "--wait", "300", "ingest"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    check_state(db, corpus["reference"], corpus["letters"])


def test_a_writer_beside_the_daemon_refuses_clearly_and_changes_nothing(corpus, tmp_path):
    db = tmp_path / "m.db"
    shutil.copy(corpus["before_late"], db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    daemon = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(corpus["config"]), "--database",
                               f"sqlite:///{db}", "run", "--no-serve"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lock = Path(f"{db}.lock")
        wait_for(lambda: lock.exists() and str(daemon.pid) in lock.read_text())
        other = cli(corpus["config"], db, "--wait", "0", "analyse")
        assert other.returncode == 1
        assert "another writer is running" in other.stderr and str(daemon.pid) in other.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, _ = daemon.communicate(timeout=120)
    assert daemon.returncode == 0, out
    check_state(db, corpus["reference"], corpus["letters"])  # the daemon ingested the late letter itself
