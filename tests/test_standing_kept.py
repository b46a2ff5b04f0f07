"""The standing position the store keeps (tables ``standing``, ``standing_mark``), written as changes are
written, so that one new letter reads what stands instead of every position statement in history.

What a reader relies on: after any arrival order the kept position is the standing position
(:func:`monitor.store.changes.standing_position`, checked against a plain reference in test_standing.py);
the first letter after a start makes the changes a full analysis makes, without rebuilding from history;
a database from before the tables existed upgrades and keeps the same position from its next letter on.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.store.changes import standing_position
from monitor.store.db import alembic_config, make_engine, session_factory
from monitor.store.models import StandingMark, StandingStatement
from monitor.timeline import Timeline
from tests.conftest import ROOT, copy_seeds, current_changes, synthetic_letters

CONFIG = str(ROOT / "config.toml")
TOPICS = ("terugkeer", "veiligheid", "migratie", "ontwikkeling")
SUBJECT = "Afghanistan"  # config.toml [subject] name


def _ingest(db: str, *paths: Path, args: tuple[str, ...] = ()) -> None:
    result = CliRunner().invoke(main, ["--config", CONFIG, "--database", db, *args, "ingest", *map(str, paths)])
    assert result.exit_code == 0, result.output


def _kept(db: str) -> dict[str, set[int]]:
    engine = make_engine(db)
    try:
        with session_factory(engine)() as s:
            out: dict[str, set[int]] = {t: set() for t in TOPICS}
            for topic, sid in s.execute(select(StandingStatement.topic, StandingStatement.statement_id)
                                        .where(StandingStatement.subject == SUBJECT)):
                out[topic].add(sid)
            return out
    finally:
        engine.dispose()


def _standing(db: str) -> dict[str, set[int]]:
    """The standing position after the last letter, as the position pages compute it from the changes."""
    engine = make_engine(db)
    try:
        with session_factory(engine)() as s:
            return {t: {i.statement.id for i in standing_position(s, t, dt.date.max)} for t in TOPICS}
    finally:
        engine.dispose()


def _letters(tmp_path: Path) -> list[Path]:
    """The seeds and two synthetic letters, oldest first (each file name starts with its letter's date)."""
    inbox = copy_seeds(tmp_path / "inbox")
    files = [p for p in inbox.iterdir() if not p.name.endswith(".meta.toml")] + synthetic_letters(inbox, 2)
    return sorted(files, key=lambda p: p.name)


def test_the_kept_position_is_the_standing_position_in_any_arrival_order(tmp_path, databases):
    files = _letters(tmp_path)
    rng = random.Random(27)
    for i in range(2):
        order = files[:]
        rng.shuffle(order)
        db = databases.new(f"kept-{i}")
        for f in order:  # one CLI ingest a letter: each starts cold, as after a restart
            _ingest(db, f)
            assert _kept(db) == _standing(db), [f.name for f in order]
        assert any(_kept(db).values())


def test_the_first_letter_after_a_start_reads_what_stands_and_changes_what_a_full_analysis_changes(
        tmp_path, databases, monkeypatch):
    files = _letters(tmp_path)
    db = databases.new("first")
    _ingest(db, *files[:-1])
    rebuilt = _count_rebuilds(monkeypatch)
    _ingest(db, files[-1])  # the newest letter, in a process that starts cold
    assert rebuilt == []  # read what the store keeps, not every letter's statements
    incremental = current_changes(db)
    result = CliRunner().invoke(main, ["--config", CONFIG, "--database", db, "analyse"])
    assert result.exit_code == 0, result.output
    assert current_changes(db) == incremental
    assert _kept(db) == _standing(db)


def _count_rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every rebuild of a tracker from all stored history, recorded as it happens."""
    rebuilt: list[object] = []
    original = Timeline._rebuild

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        rebuilt.append(args)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Timeline, "_rebuild", counting)
    return rebuilt


def test_a_late_letter_rebuilds_once_and_keeps_the_result(tmp_path, databases, monkeypatch):
    files = _letters(tmp_path)
    db = databases.new("late")
    newest_first = files[::-1]
    _ingest(db, *newest_first[:3])
    rebuilt = _count_rebuilds(monkeypatch)
    _ingest(db, newest_first[3])  # dated before the letters stored: the position before it is rebuilt
    assert len(rebuilt) == 1
    assert _kept(db) == _standing(db)


def test_a_database_from_before_the_kept_position_upgrades_and_gets_the_same_position(tmp_path, databases):
    files = _letters(tmp_path)
    upgraded, fresh = databases.new("upgraded"), databases.new("fresh")
    for db in (upgraded, fresh):
        _ingest(db, *files[:-1])
    engine = make_engine(upgraded)
    try:  # the database as the release before 0016 left it: no kept position
        command.downgrade(alembic_config(engine), "0015")
        command.upgrade(alembic_config(engine), "head")
        with session_factory(engine)() as s:
            assert s.scalar(select(StandingMark.subject)) is None
    finally:
        engine.dispose()
    for db in (upgraded, fresh):
        _ingest(db, files[-1])
    assert current_changes(upgraded) == current_changes(fresh)
    assert _kept(upgraded) == _kept(fresh) == _standing(upgraded)
