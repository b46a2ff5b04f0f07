"""The kept standing position (tables ``standing`` and ``standing_mark``): read whole when a tracker starts,
written as differences letter by letter, in the transaction that writes the letter's changes.

A subject's rows say which statements stand on each topic (and which of them restated an earlier one) after
the letter its mark names, and which letter last spoke on each topic. The timeline decides when they are valid
(:mod:`monitor.timeline`); this module only reads and writes them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from .models import StandingMark, StandingStatement, StatementRecord, TopicAssignmentRecord, table

# topic → statement id → does it restate an earlier one
Standing = Mapping[str, Mapping[int, bool]]


@dataclass(frozen=True)
class StandingRow:
    """A standing statement with what a tracker needs of it."""

    topic: str
    repeated: bool
    statement_id: int
    uid: str
    letter_id: int
    text: str
    position: int
    function_evidence: dict[str, Any] | None
    rule: str
    topic_evidence: list[Any] | None


def mark(session: Session, subject: str) -> StandingMark | None:
    return session.get(StandingMark, subject)


def read(session: Session, subject: str) -> list[StandingRow]:
    """Every standing statement of ``subject``, with its text, traits and topic evidence (in no set order)."""
    rows = session.execute(
        select(StandingStatement.topic, StandingStatement.repeated, StatementRecord.id, StatementRecord.uid,
               StatementRecord.letter_id, StatementRecord.text, StatementRecord.position,
               StatementRecord.function_evidence, TopicAssignmentRecord.rule, TopicAssignmentRecord.evidence)
        .join(StatementRecord, StatementRecord.id == StandingStatement.statement_id)
        .join(TopicAssignmentRecord, (TopicAssignmentRecord.statement_id == StandingStatement.statement_id)
              & (TopicAssignmentRecord.topic == StandingStatement.topic))
        .where(StandingStatement.subject == subject))
    return [StandingRow(*row) for row in rows]


def replace(session: Session, subject: str, letter_id: int | None, standing: Standing,
            last_letters: Mapping[str, int]) -> None:
    """Make ``standing`` the whole kept position of ``subject``, as it stands after ``letter_id``."""
    session.execute(delete(StandingStatement).where(StandingStatement.subject == subject))
    rows = [{"subject": subject, "topic": topic, "statement_id": sid, "repeated": repeated}
            for topic, items in standing.items() for sid, repeated in items.items()]
    if rows:
        session.execute(insert(StandingStatement), rows)
    row = session.get(StandingMark, subject)
    if row is None:
        session.add(StandingMark(subject=subject, letter_id=letter_id, last_letters=dict(last_letters)))
    else:
        row.letter_id, row.last_letters = letter_id, dict(last_letters)


def drop(session: Session, subject: str) -> None:
    """A subject no longer followed: nothing of its position is kept."""
    session.execute(delete(StandingStatement).where(StandingStatement.subject == subject))
    session.execute(delete(StandingMark).where(StandingMark.subject == subject))


def advance(session: Session, subject: str, letter_id: int, before: Standing, after: Standing,
            spoke_on: Iterable[str]) -> None:
    """One letter processed: write what it changed in the standing position (``before`` → ``after``, on the
    topics it spoke on) and move the mark to it. One executemany each for what left, came and moved."""
    gone: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    for topic in sorted(set(before) | set(after)):
        old, new = before.get(topic, {}), after.get(topic, {})
        gone += [{"s": subject, "t": topic, "i": sid} for sid in old if sid not in new]
        added += [{"subject": subject, "topic": topic, "statement_id": sid, "repeated": rep}
                  for sid, rep in new.items() if sid not in old]
        moved += [{"s": subject, "t": topic, "i": sid, "r": rep} for sid, rep in new.items()
                  if sid in old and old[sid] != rep]
    t = table(StandingStatement)
    at = (t.c.subject == bindparam("s")) & (t.c.topic == bindparam("t")) & (t.c.statement_id == bindparam("i"))
    if gone:
        session.connection().execute(delete(t).where(at), gone)
    if added:
        session.execute(insert(StandingStatement), added)
    if moved:
        session.connection().execute(update(t).where(at).values(repeated=bindparam("r")), moved)
    row = session.get_one(StandingMark, subject)
    row.letter_id = letter_id
    spoke = set(spoke_on)
    if spoke:
        row.last_letters = {**row.last_letters, **{topic: letter_id for topic in spoke}}
