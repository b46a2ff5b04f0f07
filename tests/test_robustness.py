"""Bad configuration, bad databases and hostile inbox files: a clear error naming the thing, never a
traceback, never lost work, never a silently empty analysis."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from monitor.cli import main
from tests.conftest import ROOT, copy_seeds, execute, scalar, sqlite_only

CONFIG = str(ROOT / "config.toml")


def run(*args: str, env: dict[str, str] | None = None):
    """The CLI in-process; an exception escaping it fails the test (``catch_exceptions=False``)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def one_letter(tmp_path: Path, name: str = "2021-04-14-navo-raad-afghanistan.txt") -> Path:
    return copy_seeds(tmp_path / "in", (name,))


def test_no_config_is_refused_and_wipes_nothing(tmp_path, monkeypatch, db_url):
    db = db_url
    inbox = one_letter(tmp_path)
    assert run("--config", CONFIG, "--database", db, "ingest", str(inbox)).exit_code == 0
    before = scalar(db, "SELECT count(*) FROM topic_assignment")
    assert before > 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    result = run("--database", db, "ingest", str(inbox))
    assert result.exit_code == 2 and "no config file" in result.output and str(elsewhere) in result.output
    assert scalar(db, "SELECT count(*) FROM topic_assignment") == before


def test_a_config_with_no_topics_is_refused(tmp_path):
    cfg = tmp_path / "empty.toml"
    cfg.write_text('[database]\nurl = "sqlite:///m.db"\n', encoding="utf-8")
    result = run("--config", str(cfg), "ingest", str(one_letter(tmp_path)))
    assert result.exit_code == 2 and "no topics configured" in result.output


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_in_the_config_are_errors(tmp_path, value):
    result = run("--config", CONFIG, "--database", f"sqlite:///{tmp_path / 'm.db'}", "letters",
                 env={"MONITOR_ANALYSIS_SAME_POINT": value})
    assert result.exit_code == 2 and "analysis.same_point" in result.output and "finite" in result.output


@sqlite_only  # another program holding SQLite's one write lock; PostgreSQL has row locks, not this
def test_a_locked_database_fails_each_file_clearly_and_the_next_files_are_still_tried(tmp_path):
    path = tmp_path / "m.db"
    db = f"sqlite:///{path}"
    assert run("--config", CONFIG, "--database", db, "migrate").exit_code == 0
    inbox = copy_seeds(tmp_path / "in", ("2021-04-14-navo-raad-afghanistan.txt",
                                         "2021-05-12-defensie-terugkeer-afghanistan.txt"))
    engine = create_engine(db, isolation_level="AUTOCOMMIT")
    holder = engine.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")  # another program holds the write lock
    holder.exec_driver_sql("UPDATE data_version SET version = version")
    try:
        result = run("--config", CONFIG, "--database", db, "ingest", str(inbox),
                     env={"MONITOR_DATABASE_BUSY_TIMEOUT_SECONDS": "0.2"})
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
        engine.dispose()
    assert result.exit_code == 1, result.output
    for f in inbox.glob("*.txt"):  # both files tried, each failure names the file and the cause
        assert any(str(f) in line and "database is locked" in line for line in result.output.splitlines()), \
            result.output
    again = run("--config", CONFIG, "--database", db, "ingest", str(inbox))
    assert again.exit_code == 0 and "2 stored or updated" in again.output  # nothing lost: retried in full


@sqlite_only  # a mistyped file name; a PostgreSQL database is never created by connecting to it
def test_read_commands_never_create_a_database(tmp_path):
    typo = tmp_path / "monitr.db"
    result = run("--config", CONFIG, "--database", f"sqlite:///{typo}", "letters")
    assert result.exit_code == 1 and f"no database at {typo}" in result.output
    assert not typo.exists()


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y", "sqlite:///{tmp}/notadb.db"])
def test_unusable_databases_are_clear_errors(tmp_path, url):
    (tmp_path / "notadb.db").write_bytes(b"this is not a database, just some bytes" * 100)
    url = url.format(tmp=tmp_path)
    for args in (("letters",), ("ingest", str(one_letter(tmp_path))), ("migrate",)):
        result = run("--config", CONFIG, "--database", url, *args)
        assert result.exit_code in (1, 2), result.output
        assert "Traceback" not in result.output and "Error" in result.output, result.output


def test_a_database_from_a_newer_version_is_not_told_to_migrate(db_url):
    db = db_url
    assert run("--config", CONFIG, "--database", db, "migrate").exit_code == 0
    execute(db, "UPDATE alembic_version SET version_num = '0099'")
    for args in (("letters",), ("migrate",)):
        result = run("--config", CONFIG, "--database", db, *args)
        assert result.exit_code == 1, result.output
        assert "0099" in result.output and "newer version" in result.output and "run `policy" not in result.output


def test_a_link_out_of_the_inbox_is_not_followed(tmp_path, db_url):
    inbox = one_letter(tmp_path)
    secret = tmp_path / "outside" / "geheim.txt"
    secret.parent.mkdir()
    secret.write_text("Geachte voorzitter,\n\nDit is een geheime tekst van buiten de inbox.\n", encoding="utf-8")
    os.symlink(secret, inbox / "link.txt")
    db = db_url
    result = run("--config", CONFIG, "--database", db, "ingest", str(inbox))
    assert result.exit_code == 1
    assert "link.txt" in result.output and "outside the inbox" in result.output
    assert scalar(db, "SELECT count(*) FROM letter") == 1
    assert scalar(db, "SELECT count(*) FROM statement WHERE text LIKE '%geheime%'") == 0


def test_deeply_nested_xml_is_refused_and_a_failed_file_is_not_retried_until_it_changes(tmp_path, db_url):
    inbox = tmp_path / "in"
    inbox.mkdir()
    bad = inbox / "diep.xml"
    bad.write_bytes(b"<?xml version='1.0'?>" + b"<a>" * 50_000 + b"tekst" + b"</a>" * 50_000)
    db = db_url
    args = ("--config", CONFIG, "--database", db, "ingest", str(inbox))
    first = run(*args)
    assert first.exit_code == 1 and "nested more than" in first.output
    second = run(*args)
    assert second.exit_code == 1 and "not retried until the file changes" in second.output
    assert scalar(db, "SELECT count(*) FROM ingest_log WHERE locator LIKE '%diep.xml'") == 1
    bad.write_bytes(b"<?xml version='1.0'?><brief><al>Het kabinet steunt de terugkeer.</al></brief>")
    third = run(*args)
    assert "diep.xml: new letter" in third.output  # changed bytes are tried again
