"""Read-only queries shared by the CLI, the HTTP API and the export."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .models import FootnoteRecord, IngestLog, Letter, LetterAlias, Source, StatementRecord


def effective_date(letter: Letter) -> dt.date:
    """The date a letter is ordered by: its own date, else the day it was first stored."""
    return letter.date or letter.created_at.date()


def letters(session: Session) -> list[Letter]:
    """All letters in letter-date order (undated ones by the day they arrived), then by key."""
    rows = list(session.scalars(select(Letter)))
    return sorted(rows, key=lambda l: (effective_date(l), l.key))


def find_letter(session: Session, ref: str) -> Letter | None:
    """A letter by key, reference, numeric id, or a unique key prefix."""
    hit = session.scalar(select(Letter).where(or_(Letter.key == ref, Letter.reference == ref)))
    if hit is None and ref.isdigit():
        hit = session.get(Letter, int(ref))
    if hit is None:
        like = list(session.scalars(select(Letter).where(Letter.key.startswith(ref)).limit(2)))
        hit = like[0] if len(like) == 1 else None
    return hit


def letter_by_key(session: Session, key: str) -> Letter | None:
    """The letter whose key is exactly ``key`` (a URL's letter), or None."""
    return session.scalar(select(Letter).where(Letter.key == key))


def current_key(session: Session, alias: str) -> str | None:
    """The key of the letter that ``alias`` (an old key, a TK number, a GUID) names, or None."""
    return session.scalar(select(Letter.key).join(LetterAlias, LetterAlias.letter_id == Letter.id)
                          .where(LetterAlias.alias == alias).limit(1))


def any_letter(session: Session) -> bool:
    """Whether the store holds a letter (one row read: the health check's proof the database answers)."""
    return session.scalar(select(Letter.id).limit(1)) is not None


def statements(session: Session, letter: Letter) -> list[StatementRecord]:
    """Statements of the letter's current version, in order."""
    if letter.current_version_id is None:
        return []
    return list(session.scalars(select(StatementRecord)
                                .where(StatementRecord.version_id == letter.current_version_id)
                                .order_by(StatementRecord.position)))


def statement_page(session: Session, letter: Letter, limit: int, offset: int) -> tuple[list[StatementRecord], int]:
    """One page of the letter's statements in order, and how many it has: a letter page never grows with
    the letter (one of 159,589 statements was a 29 MB page)."""
    if letter.current_version_id is None:
        return [], 0
    where = StatementRecord.version_id == letter.current_version_id
    total = session.scalar(select(func.count(StatementRecord.id)).where(where)) or 0
    rows = list(session.scalars(select(StatementRecord).where(where).order_by(StatementRecord.position)
                                .limit(limit).offset(offset)))
    return rows, total


def footnotes(session: Session, letter: Letter) -> list[FootnoteRecord]:
    return list(session.scalars(select(FootnoteRecord).where(FootnoteRecord.version_id == letter.current_version_id)
                                .order_by(FootnoteRecord.id)))


def sources(session: Session, letter: Letter) -> list[Source]:
    return list(session.scalars(select(Source).where(Source.letter_id == letter.id).order_by(Source.id)))


def statement_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(Letter.id, func.count(StatementRecord.id))
                           .join(StatementRecord, StatementRecord.version_id == Letter.current_version_id)
                           .group_by(Letter.id))
    return {lid: n for lid, n in rows}


def ingest_log(session: Session, limit: int = 50, outcome: str | None = None) -> list[IngestLog]:
    q = select(IngestLog).order_by(IngestLog.id.desc()).limit(limit)
    if outcome:
        q = q.where(IngestLog.outcome == outcome)
    return list(session.scalars(q))
