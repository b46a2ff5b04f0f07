"""Storage of analysis results: runs, topic assignments (and, later, changes)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..model import Statement
from .db import chunked
from .models import AnalysisRun, ChangeRecord, Letter, StatementRecord, TopicAssignmentRecord, table

__all__ = ["AnalysisRun", "to_statement", "start_run", "latest_run", "replace_topics", "replace_functions",
           "current_topics", "topic_rows", "replace_scope", "assignment_values", "function_columns",
           "insert_topic_rows", "assignment_rows",
           "claim_unkeyed_changes", "supersede_subject"]


def to_statement(rec: StatementRecord) -> Statement:
    """A stored statement as the pure core's dataclass."""
    return Statement(position=rec.position, kind=rec.kind, text=rec.text, start=rec.char_start, end=rec.char_end,
                     section=rec.section, section_kind=rec.section_kind, answers=tuple(rec.answers or ()),
                     paragraph=rec.paragraph, role=rec.role)


def start_run(session: Session, *, kind: str, version: str, fingerprint: str, config: dict[str, Any],
              now: dt.datetime, note: str = "") -> AnalysisRun:
    run = AnalysisRun(kind=kind, version=version, fingerprint=fingerprint, config=config, started_at=now,
                      note=note, letters=0)
    session.add(run)
    session.flush()
    return run


def latest_run(session: Session, kind: str) -> AnalysisRun | None:
    return session.scalar(select(AnalysisRun).where(AnalysisRun.kind == kind, AnalysisRun.finished_at.is_not(None))
                          .order_by(AnalysisRun.id.desc()).limit(1))


def assignment_values(assigned: dict[str, Any]) -> list[tuple[str, float, str, list[dict[str, Any]]]]:
    """One statement's topic assignments as the values of its topic rows: (topic, score, rule, evidence), the
    evidence still naming what it inherited from by position (``source_positions``). Pure: made on a worker."""
    return [(name, a.score, a.evidence[0].rule, a.evidence_json()) for name, a in assigned.items()]


def assignment_rows(statement_id: int, values: list[tuple[str, float, str, list[dict[str, Any]]]],
               uid_by_position: dict[int, str], run_id: int) -> list[dict[str, Any]]:
    """The ``topic_assignment`` rows of one statement: the evidence names what it inherited from by the
    stable statement ids (``source_uids``), not by position."""
    rows = []
    for name, score, rule, evidence in values:
        evidence = [dict(e) for e in evidence]
        for e in evidence:
            e["source_uids"] = [uid_by_position[p] for p in e.pop("source_positions", []) if p in uid_by_position]
        rows.append({"statement_id": statement_id, "topic": name, "score": score, "rule": rule,
                     "evidence": evidence, "run_id": run_id})
    return rows


def insert_topic_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:  # one Core executemany: not an ORM object and an INSERT per row, nor the ORM's bulk machinery
        session.execute(insert(table(TopicAssignmentRecord)), rows)


def replace_topics(session: Session, records: list[StatementRecord], assignments: list[dict[str, Any]],
                   run: AnalysisRun) -> int:
    """Replace the topic rows of these statements with this run's assignments."""
    ids = [r.id for r in records]
    for part in chunked(ids):  # in chunks: never more values than SQLite binds in one statement
        session.execute(delete(TopicAssignmentRecord).where(TopicAssignmentRecord.statement_id.in_(part)))
    uid_by_position = {r.position: r.uid for r in records}
    rows = [row for rec, assigned in zip(records, assignments)
            for row in assignment_rows(rec.id, assignment_values(assigned), uid_by_position, run.id)]
    insert_topic_rows(session, rows)
    return len(rows)


def _scope(sc: Any, subjects: dict[str, bool]) -> dict[str, Any]:
    return {"rule": sc.rule, "evidence": list(sc.evidence), "subject_terms": list(sc.subject_terms),
            "other_subjects": list(sc.other_subjects), "subjects": subjects}


def function_columns(fn: Any, sc: Any, covers: dict[str, bool]) -> dict[str, Any]:
    """A statement's function and scope (with their evidence) as the values of its row's columns. Pure."""
    return {"function": fn.name, "function_evidence": fn.as_json(), "in_scope": sc.in_scope,
            "scope_evidence": _scope(sc, covers)}


def replace_functions(session: Session, records: list[StatementRecord], functions: list[Any],
                      scopes: list[Any], subjects: list[dict[str, bool]]) -> None:
    """Store each statement's function and scope (with their evidence) on its row (one bulk UPDATE).

    ``scopes``: the first subject's verdicts (``in_scope``); ``subjects``: per statement, each followed
    subject's name → whether it covers the statement (``scope_evidence.subjects``)."""
    rows = [{"id": rec.id, **function_columns(fn, sc, covers)}
            for rec, fn, sc, covers in zip(records, functions, scopes, subjects)]
    if rows:
        session.execute(update(StatementRecord), rows)
        for rec in records:  # the loaded objects no longer match their rows
            session.expire(rec, ["function", "function_evidence", "in_scope", "scope_evidence"])


def replace_scope(session: Session, records: list[StatementRecord], scopes: list[Any],
                  subjects: list[dict[str, bool]]) -> None:
    """Store the scope of each statement only (the followed subjects changed; functions did not)."""
    rows = [{"id": rec.id, "in_scope": sc.in_scope, "scope_evidence": _scope(sc, covers)}
            for rec, sc, covers in zip(records, scopes, subjects)]
    if rows:
        session.execute(update(StatementRecord), rows)
        for rec in records:
            session.expire(rec, ["in_scope", "scope_evidence"])


def current_topics(session: Session) -> dict[int, set[str]]:
    """Statement id → its topics, for the current version of every letter."""
    rows = session.execute(select(TopicAssignmentRecord.statement_id, TopicAssignmentRecord.topic)
                           .join(StatementRecord, StatementRecord.id == TopicAssignmentRecord.statement_id)
                           .join(Letter, Letter.current_version_id == StatementRecord.version_id))
    out: dict[int, set[str]] = defaultdict(set)
    for sid, topic in rows:
        out[sid].add(topic)
    return out


def topic_rows(session: Session, statement_ids: list[int]) -> dict[int, list[TopicAssignmentRecord]]:
    out: dict[int, list[TopicAssignmentRecord]] = defaultdict(list)
    for part in chunked(statement_ids):  # a statement's rows are all in its chunk, ordered by topic
        for row in session.scalars(select(TopicAssignmentRecord)
                                   .where(TopicAssignmentRecord.statement_id.in_(part))
                                   .order_by(TopicAssignmentRecord.topic)):
            out[row.statement_id].append(row)
    return out


def claim_unkeyed_changes(session: Session, first: str, followed: set[str]) -> int:
    """Changes stored before several subjects could be followed have no subject (migration 0013): they are
    the first subject's. Nothing to do when the first subject is everything, or everything is followed too."""
    if not first or "" in followed:
        return 0
    result = session.execute(update(ChangeRecord).where(ChangeRecord.subject == "").values(subject=first))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def supersede_subject(session: Session, subject: str, run_id: int, now: dt.datetime) -> int:
    """A subject no longer followed: its current changes stop being current (kept, as every superseded row)."""
    result = session.execute(update(ChangeRecord).where(ChangeRecord.subject == subject,
                                                        ChangeRecord.superseded_at.is_(None))
                             .values(superseded_at=now, superseded_by_run=run_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
