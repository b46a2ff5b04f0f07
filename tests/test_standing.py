"""The standing position, computed in SQL (store.changes.standing_position), equals a plain computation in Python.

The reference reads every letter, statement, topic and change and applies the definition directly: the
statements on a topic of the current versions of letters dated on or before the day (an undated letter by
the day it was stored), that can hold a position, and that no current ``modified`` or ``reaffirmed``
change of that day or earlier replaced. Checked on the seeds, on letters that arrive late (newest first,
so every later ingest recomputes changes), and with an undated letter, on every letter's date and the day
before it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cli import main
from monitor.function import POSITION
from monitor.position import MODIFIED, REAFFIRMED, can_hold_position
from monitor.store.changes import standing_position
from monitor.store.db import make_engine, session_factory
from monitor.store.models import ChangeRecord, Letter, Source, StatementRecord, TopicAssignmentRecord
from tests.conftest import ROOT, execute, synthetic_letters

TOPICS = ("terugkeer", "veiligheid", "migratie", "ontwikkeling")


@contextmanager
def session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def _day(letter: Letter) -> dt.date:
    return letter.date or letter.created_at.date()


@dataclass
class Rows:
    """Every row the reference reads, read once per database (not once per topic and day: that read was most of
    this file's minute and a half)."""
    letters: list[Letter]
    assignments: list[TopicAssignmentRecord]
    changes: list[ChangeRecord]
    sources: list[Source]
    statements: list[StatementRecord]


def rows(s: Session) -> Rows:
    return Rows(list(s.scalars(select(Letter))), list(s.scalars(select(TopicAssignmentRecord))),
                list(s.scalars(select(ChangeRecord))), list(s.scalars(select(Source).order_by(Source.id))),
                list(s.scalars(select(StatementRecord))))


def reference(r: Rows, topic: str, as_of: dt.date) -> list[tuple[str, str, tuple[str, ...]]]:
    letters = {l.current_version_id: l for l in r.letters if l.current_version_id is not None and _day(l) <= as_of}
    on_topic = {a.statement_id for a in r.assignments if a.topic == topic}
    replaced = {c.previous_statement_id for c in r.changes
                if c.superseded_at is None and c.topic == topic and c.kind in (MODIFIED, REAFFIRMED)
                and c.letter_date <= as_of}
    sources: dict[int, tuple[str, ...]] = {}
    for src in r.sources:
        sources[src.letter_id] = sources.get(src.letter_id, ()) + (src.locator,)
    kept = [(letters[st.version_id], st) for st in r.statements
            if st.version_id in letters and st.id in on_topic and st.in_scope and st.function in POSITION
            and can_hold_position(st.kind, st.text) and st.id not in replaced]
    kept.sort(key=lambda p: (_day(p[0]), p[0].key, p[1].position))
    return [(l.key, st.uid, sources.get(l.id, ())) for l, st in kept]


def computed(s: Session, topic: str, as_of: dt.date) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(i.letter.key, i.statement.uid, i.sources) for i in standing_position(s, topic, as_of)]


def days(s: Session) -> list[dt.date]:
    """Before every letter, every letter's day and the day before it, today and the end of time."""
    out = {dt.date(2000, 1, 1), dt.date.today(), dt.date.max}
    for letter in s.scalars(select(Letter)):
        out |= {_day(letter), _day(letter) - dt.timedelta(days=1)}
    return sorted(out)


def assert_same(url: str) -> dict[tuple[str, dt.date], list]:
    """Reference and SQL agree on every topic and day; returns what they found."""
    found = {}
    with session(url) as s:
        read = rows(s)
        for topic in TOPICS:
            for day in days(s):
                want = reference(read, topic, day)
                assert computed(s, topic, day) == want, (topic, day)
                found[(topic, day)] = want
    assert any(found.values()) and not all(found.values())  # something stands, but not before any letter
    return found


def ingest(url: str, *paths: object) -> None:
    for path in paths:
        result = CliRunner().invoke(main, ["--config", str(ROOT / "config.toml"), "--database", url,
                                           "ingest", str(path)])
        assert result.exit_code == 0, result.output


def test_standing_position_equals_the_reference_on_the_seeds_and_late_letters(seeds_copy, databases):
    synthetic_letters(seeds_copy, 3)  # letters that move the position on "terugkeer"
    in_order = databases.new("in-order")
    ingest(in_order, seeds_copy)
    expected = assert_same(in_order)
    late = databases.new("late")
    files = sorted(p for p in seeds_copy.iterdir() if not p.name.endswith(".meta.toml"))
    ingest(late, *reversed(files))  # newest first: every later ingest is a late arrival, changes recomputed
    with session(late) as s:
        assert s.scalar(select(ChangeRecord.id).where(ChangeRecord.superseded_at.is_not(None)).limit(1))
    got = assert_same(late)
    # the same letters in another order stand the same (sources name the same files)
    assert {k: [(key, uid) for key, uid, _ in v] for k, v in got.items()} == \
        {k: [(key, uid) for key, uid, _ in v] for k, v in expected.items()}
    replaced = [t for t in TOPICS if any(expected[(t, d)] and expected[(t, d)] != expected[(t, dt.date.max)]
                                         for d in {d for (_, d) in expected})]
    assert replaced  # some statement left the standing position over time


def test_an_undated_letter_stands_from_the_day_it_was_stored(seeded, db_url):
    execute(db_url, "UPDATE letter SET date = NULL WHERE key = 'kst-27925-781'")
    with session(db_url) as s:
        stored = s.scalar(select(Letter.created_at).where(Letter.key == "kst-27925-781")).date()
        before = stored - dt.timedelta(days=1)
        assert not any(k == "kst-27925-781" for t in TOPICS for k, _, _ in computed(s, t, before))
        assert any(k == "kst-27925-781" for t in TOPICS for k, _, _ in computed(s, t, stored))
    assert_same(db_url)
