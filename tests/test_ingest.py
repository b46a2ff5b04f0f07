"""Ingesting into a real database (SQLite file or PostgreSQL) through the real CLI."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED_LETTERS, SEEDS, copy_seeds, query, scalar
from tests.pdfmaker import make_pdf


def _snapshot(db_url: str) -> dict[str, list[tuple]]:
    snap = {t: query(db_url, f"SELECT * FROM {t} ORDER BY id") for t in ("letter_version", "statement", "footnote")}
    # the letter as stored; which analysis run last looked at it is bookkeeping that moves on
    snap["letter"] = query(db_url, "SELECT id, key, title, date, kind, reference, dossier, sender, url, "
                                   "current_version_id, created_at FROM letter ORDER BY id")
    # a source's last_seen moves only when its file was read again (its stat moved); everything else must not
    snap["source"] = query(db_url, "SELECT id, kind, locator, raw_sha256, letter_id, version_id, first_seen "
                                   "FROM source ORDER BY id")
    return snap


def _count(db_url: str, table: str, where: str = "1=1") -> int:
    return scalar(db_url, f"SELECT count(*) FROM {table} WHERE {where}")


def test_seeds_are_stored_once_and_reingest_adds_nothing(cli, db_url, seeds_copy):
    out = cli("ingest", str(seeds_copy)).output
    assert "5 stored or updated" in out
    assert _count(db_url, "letter") == 5
    first = _snapshot(db_url)
    touched = _touched(db_url)
    out = cli("ingest", str(seeds_copy)).output
    assert "0 stored or updated, 5 already known, 0 failed" in out
    assert _snapshot(db_url) == first
    # known bytes are recognised by their hash before any parsing: no letter is rewritten, no
    # ingest is logged and the data version (the feeds' ETag and Last-Modified) stays put
    assert _touched(db_url) == touched


def _touched(db_url: str) -> dict[str, list[tuple]]:
    """What a write leaves behind even when it changes no content: timestamps, the log, the data version."""
    return {"letter": query(db_url, "SELECT id, updated_at FROM letter ORDER BY id"),
            "ingest_log": query(db_url, "SELECT count(*) FROM ingest_log"),
            "data_version": query(db_url, "SELECT version, changed_at FROM data_version")}


def test_a_copy_under_another_name_adds_a_source_not_a_letter(cli, db_url, seeds_copy, tmp_path):
    cli("ingest", str(seeds_copy))
    other = tmp_path / "elders"
    other.mkdir()
    shutil.copy(seeds_copy / "2021-05-12-defensie-terugkeer-afghanistan.txt", other / "brief-defensie.txt")
    out = cli("ingest", str(other)).output
    assert "duplicate" in out
    assert _count(db_url, "letter") == 5
    assert _count(db_url, "source", "letter_id = (SELECT id FROM letter WHERE key = 'kst-27925-781')") == 2
    # the copy has no sidecar: what the text suggests must not overwrite the sidecar's title
    title = scalar(db_url, "SELECT title FROM letter WHERE key = 'kst-27925-781'")
    assert title.startswith("Brief van de minister van Defensie over het verloop")


def test_a_changed_file_is_a_new_version_of_the_same_letter(cli, db_url, seeds_copy):
    cli("ingest", str(seeds_copy))
    f = seeds_copy / "2021-08-26-jbz-raad-afghanistan.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("Ik ben voornemens", "Ik zal"), encoding="utf-8")
    out = cli("ingest", str(f)).output
    assert "new_version" in out
    assert _count(db_url, "letter") == 5
    assert _count(db_url, "letter_version") == 6
    current = query(db_url, "SELECT s.text FROM statement s JOIN letter l ON s.version_id = l.current_version_id "
                            "WHERE s.text LIKE 'Ik zal deel te nemen%'")
    assert current


def test_a_corrected_sidecar_beside_unchanged_bytes_corrects_the_letter(cli: Callable[..., Any], db_url: str,
                                                                        tmp_path: Path) -> None:
    """The letter's bytes stay the same, its NAME.meta.toml is corrected (date, reference): the next ingest
    must take the sidecar, not answer "unchanged since last ingest" from the letter's bytes alone."""
    inbox = copy_seeds(tmp_path / "inbox", ("2021-04-14-navo-raad-afghanistan.txt",
                                            "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt"))
    sidecar = inbox / "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.meta.toml"
    right = sidecar.read_text(encoding="utf-8")
    sidecar.write_text(right.replace("date = 2021-06-18", "date = 2021-03-01"), encoding="utf-8")  # a typo
    cli("ingest", str(inbox))
    assert _letter_lines(cli) == [("2021-03-01", "Kamerbrief"), ("2021-04-14", "Verslag")]
    sidecar.write_text(right + 'reference = "kst-27925-788"\n', encoding="utf-8")
    cli("ingest", str(inbox))
    assert _letter_lines(cli) == [("2021-04-14", "Verslag"), ("2021-06-18", "Kamerbrief")]  # and its place in letter order
    exported = json.loads(cli("export", "-o", "-").output)["letters"]
    corrected = next(l for l in exported if l["title"].startswith("Kamerbrief aangaande"))
    assert (corrected["date"], corrected["reference"]) == ("2021-06-18", "kst-27925-788")
    assert _count(db_url, "letter") == 2 and _count(db_url, "letter_version") == 2  # the same text: no new version


def test_a_corrected_sidecar_date_recomputes_the_positions_it_moves_through(cli: Callable[..., Any], databases: Any,
                                                                           tmp_path: Path) -> None:
    """A letter moved in time by its sidecar (same bytes) changes the standing position of every letter between
    its old and its new date: the changes afterwards are those of a store that had the right date from the
    start, in either direction of the move."""
    names = ("2021-04-14-navo-raad-afghanistan.txt", "2021-05-12-defensie-terugkeer-afghanistan.txt",
             "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt")
    inbox = copy_seeds(tmp_path / "inbox", names)
    sidecar = inbox / "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.meta.toml"
    right = sidecar.read_text(encoding="utf-8")

    def changes(url: str) -> list[tuple[str, str, str, str, str]]:
        data = json.loads(cli("--database", url, "export", "-o", "-").output)
        dated = {l["id"]: l["date"] for l in data["letters"]}  # keys are stable ids: one made under the wrong date keeps it
        return sorted((c["topic"], c["kind"], dated[c["letter"]], c["old_text"] or "", c["new_text"] or "")
                      for c in data["changes"])

    clean = databases.new("clean")
    cli("--database", clean, "ingest", str(inbox))
    want = changes(clean)
    moved = databases.new("moved")
    for wrong in ("2021-03-01", "2021-12-01"):  # first before both others, then after them
        sidecar.write_text(right.replace("date = 2021-06-18", f"date = {wrong}"), encoding="utf-8")
        cli("--database", moved, "ingest", str(inbox))
        assert changes(moved) != want  # the wrong order gives other changes: the test can see a stale position
        sidecar.write_text(right, encoding="utf-8")
        out = cli("--database", moved, "ingest", str(inbox)).output
        assert "1 stored or updated" in out, out
        assert changes(moved) == want, wrong


def _letter_lines(cli: Callable[..., Any]) -> list[tuple[str, str]]:
    """(date, first word of the title) of each letter as `letters` lists them, in its order."""
    rows = [re.split(r"\s{2,}", line) for line in cli("letters").output.splitlines()[1:]]  # date, key, kind, n, title
    return [(r[0], r[4].split()[0]) for r in rows]


def test_bad_files_are_reported_and_never_disturb_good_or_stored_data(cli, db_url, seeds_copy, tmp_path):
    cli("ingest", str(seeds_copy))
    before = _snapshot(db_url)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "leeg.txt").write_bytes(b"")
    (bad / "binair.txt").write_bytes(bytes(range(256)) * 40)
    pdf = make_pdf([["Het kabinet zet de steun voort."]])
    (bad / "afgebroken.pdf").write_bytes(pdf[: len(pdf) // 2])
    (bad / "kapot.xml").write_bytes(b"<kamerstuk><al>Open tag")
    with open(bad / "groot.txt", "wb") as fh:  # 50 MB, sparse: costs no disk
        fh.truncate(50 * 1024 * 1024)
    (bad / "latin1.txt").write_bytes("Den Haag, 2 mei 2022\n\nHet kabinet verhoogt de financiële steun.\n"
                                     .encode("latin-1"))
    (bad / "goed.txt").write_text("Den Haag, 3 mei 2022\n\nHet kabinet faciliteert vrijwillige terugkeer.\n",
                                  encoding="utf-8")
    result = cli("ingest", str(bad), expect=1)
    out = result.output
    for name, message in [("leeg.txt", "empty file"), ("binair.txt", "binary file"),
                          ("afgebroken.pdf", "truncated PDF"), ("kapot.xml", "malformed XML"),
                          ("groot.txt", "file too large")]:
        assert any(name in line and message in line for line in out.splitlines()), (name, out)
    assert "2 stored or updated" in out and "5 failed" in out
    assert _count(db_url, "ingest_log", "outcome = 'error'") == 5
    assert _count(db_url, "ingest_log", "outcome = 'stored' AND message LIKE '%not valid UTF-8%'") == 1
    after = _snapshot(db_url)
    for table, rows in before.items():  # everything stored before is still there, unchanged
        assert after[table][: len(rows)] == rows
    assert _count(db_url, "letter") == 7
    log_out = cli("log", "--errors").output
    assert "groot.txt" in log_out and "file too large" in log_out


def test_show_letters_and_export(cli, seeded, tmp_path):
    listing = cli("letters").output.splitlines()
    dates = [line.split()[0] for line in listing[1:]]
    assert dates == sorted(dates) and len(dates) == 5
    shown = cli("show", "kst-27925-781").output
    assert "## Veiligheidssituatie" in shown
    assert "[signature]" in shown
    assert "kst-27925-781 ISSN" not in shown
    assert cli("log", "--errors").output == "no failures in the ingest log\n"  # said, not a blank answer
    out = tmp_path / "var" / "export.json"  # the README's `-o var/export.json`: the folder need not exist yet
    cli("export", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["letters"]) == 5
    ids = [s["id"] for l in data["letters"] for s in l["statements"]]
    assert len(ids) == len(set(ids))


def test_statement_ids_are_stable_across_databases(tmp_path, seeds_copy, databases):
    from click.testing import CliRunner

    from monitor.cli import main
    exports = []
    for name in ("a", "b"):
        db = databases.new(name)
        out = tmp_path / f"{name}.json"
        runner = CliRunner()
        assert runner.invoke(main, ["--database", db, "ingest", str(seeds_copy)]).exit_code == 0
        assert runner.invoke(main, ["--database", db, "export", "-o", str(out)]).exit_code == 0
        exports.append(out.read_text(encoding="utf-8").replace(str(tmp_path), ""))
    assert exports[0] == exports[1]


def test_unknown_letter_is_a_clear_error(cli, seeds_copy):
    cli("ingest", str(seeds_copy))
    assert "no letter 'nope'" in cli("show", "nope", expect=1).output


def test_seeds_folder_matches_shared_seeds():
    shared = SEEDS.parent.parent / "shared" / "seeds"
    if not shared.exists():  # a clone without the shared folder beside it: say so, do not pass silently
        pytest.skip(f"{shared} is not there to compare with")
    ours = sorted((SEEDS / name).read_bytes() for name in SEED_LETTERS)
    theirs = sorted(p.read_bytes() for p in shared.iterdir())
    assert ours == theirs


def test_an_inbox_poll_returns_what_it_stored_and_analyses_nothing(tmp_path, db_url):
    """The inbox is polled like a remote source: ``poll_folders`` stores and returns the letters it stored or
    changed; what to analyse is the caller's choice (the daemon analyses them at once)."""
    from monitor.config import load_settings
    from monitor.daemon import Monitor
    from monitor.polling import poll_folders
    from tests.conftest import copy_seeds, write_config

    inbox = copy_seeds(tmp_path / "inbox", SEED_LETTERS[:2])
    mon = Monitor(load_settings(write_config(tmp_path / "config.toml", inbox), database_url=db_url, environ={}))
    try:
        folders, extensions = mon.settings.inbox.folders, mon.settings.inbox.extensions
        first = poll_folders(mon.sessions, folders, extensions, mon.max_bytes)
        assert (first.source, first.stored, len(first.changed), first.failed) == ("inbox", 2, 2, False)
        assert scalar(db_url, "SELECT count(*) FROM topic_assignment") == 0
        assert poll_folders(mon.sessions, folders, extensions, mon.max_bytes).changed == []  # nothing new
        (inbox / "empty.txt").write_bytes(b"")
        assert poll_folders(mon.sessions, folders, extensions, mon.max_bytes).doc_errors == 1
        mon.analyse(first.changed)
        assert scalar(db_url, "SELECT count(*) FROM topic_assignment") > 0
    finally:
        mon.engine.dispose()


def _analysis_rows(db: str) -> tuple[list[tuple], list[tuple]]:
    """What the analysis stored for every statement: function and scope with their evidence, and topic rows."""
    statements = query(db, "SELECT uid, function, function_evidence, in_scope, scope_evidence FROM statement "
                           "ORDER BY uid")
    topics = query(db, "SELECT s.uid, t.topic, t.score, t.rule, t.evidence FROM topic_assignment t "
                       "JOIN statement s ON s.id = t.statement_id ORDER BY s.uid, t.topic")
    return statements, topics


def test_worker_processes_store_what_one_process_stores_and_analyse_agrees(tmp_path, databases):
    """An ingest whose parsing and analysis run on two worker processes stores the same topics, functions,
    scope and changes as one process doing everything; and a full `analyse` (on the workers too) recomputes
    exactly that from the stored statements."""
    from click.testing import CliRunner

    from monitor.cli import main
    from tests.conftest import ROOT, current_changes, synthetic_letters

    inbox = copy_seeds(tmp_path / "inbox")
    synthetic_letters(inbox, 3)
    stored = {}
    for workers in ("1", "2"):
        db = databases.new(f"workers-{workers}")
        args = ["--config", str(ROOT / "config.toml"), "--database", db]
        result = CliRunner().invoke(main, [*args, "ingest", str(inbox)], env={"MONITOR_ANALYSIS_WORKERS": workers})
        assert result.exit_code == 0, result.output
        assert scalar(db, "SELECT count(*) FROM letter WHERE topics_version_id = current_version_id") == 8
        stored[workers] = (_analysis_rows(db), current_changes(db))
    assert stored["2"] == stored["1"]
    assert stored["2"][0][1], "no topics assigned: nothing compared"
    result = CliRunner().invoke(main, [*args, "analyse"])
    assert result.exit_code == 0, result.output
    assert (_analysis_rows(db), current_changes(db)) == stored["2"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_changes_computed_while_ingesting_equal_a_full_analysis_whatever_the_order(tmp_path, databases, workers):
    """The CLI's ingest computes a new letter's changes as it stores it (with two workers, in a tracker
    process of its own) while letters come in date order, and stops at the first that does not: here the
    files' names put a 2026 letter before the 2021 ones, so following stops there and the update after the
    ingest computes the rest. Run as a user runs it (its own process: one thread, so the processes are forks),
    in a store that already holds the earliest letter, then compared with a full re-analysis."""
    from tests.conftest import ROOT, current_changes, synthetic_letters

    inbox = copy_seeds(tmp_path / "inbox")
    synthetic_letters(inbox, 3)
    late = sorted(inbox.glob("2026-*.md"))[0]
    late.rename(inbox / ("2021-08-" + late.name))  # sorted among the 2021 files, dated 2026 by its sidecar
    late.with_name(late.name.replace(".md", ".meta.toml")).rename(
        inbox / ("2021-08-" + late.name.replace(".md", ".meta.toml")))
    first = sorted(inbox.glob("*.txt"))[0]
    db = databases.new("following")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}, "MONITOR_ANALYSIS_WORKERS": workers}

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"),
                               "--database", db, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    cli("ingest", str(first))
    cli("ingest", str(inbox))
    runs = query(db, "SELECT note, letters FROM analysis_run WHERE kind = 'changes' ORDER BY id")
    # the first letter, then the next two and the 2026 letter as they were stored, then (from the 2021 letter
    # after which the 2026 one came in) the four that follow it by date, after the ingest
    assert [letters for _, letters in runs] == [1, 3, 5] and runs[1][0] == "new letters", runs
    assert scalar(db, "SELECT count(*) FROM letter WHERE changes_version_id IS NULL "
                      "OR changes_version_id <> current_version_id") == 0
    following = current_changes(db)
    assert following
    cli("analyse")  # everything again, from the stored statements
    assert current_changes(db) == following
