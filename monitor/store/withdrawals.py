"""Deletions at a source, and remote documents that keep failing.

A deletion (SyncFeed ``tk:verwijderd="true"``, OData ``Verwijderd: true``)
names only the service's id. It marks the letter (or attachment) holding that
id withdrawn; nothing is deleted here: versions, statements and changes stay,
with the letter's mark, so what was published remains explainable.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Attachment, DocumentFailure, Letter, LetterAlias, Source


def withdraw(session: Session, ids: tuple[str, ...], note: str, now: dt.datetime) -> str:
    """Mark the letter or attachment known under one of ``ids`` withdrawn; returns its key, or ""."""
    wanted = [i for i in ids if i]
    if not wanted:
        return ""
    letter = session.scalar(select(Letter).join(LetterAlias, LetterAlias.letter_id == Letter.id)
                            .where(LetterAlias.alias.in_(wanted)).limit(1))
    if letter is None:
        letter = session.scalar(select(Letter).join(Source, Source.letter_id == Letter.id)
                                .where(Source.external_id.in_(wanted)).limit(1))
    if letter is not None:
        if letter.withdrawn_at is None:
            letter.withdrawn_at = now
            letter.withdrawn_note = note
        return letter.key
    for att in session.scalars(select(Attachment).where(Attachment.withdrawn_at.is_(None))):
        if set(att.aliases or []) & set(wanted):
            att.withdrawn_at = now
            return att.key
    return ""


def record_failure(session: Session, source: str, locator: str, error: str, now: dt.datetime) -> int:
    """Count one more failed poll for a document; returns the attempts so far."""
    row = session.get(DocumentFailure, (source, locator[:700]))
    if row is None:
        row = DocumentFailure(source=source, locator=locator[:700], attempts=0, first_failed_at=now)
        session.add(row)
    row.attempts += 1
    row.last_error = error
    row.last_failed_at = now
    return row.attempts


def park(session: Session, source: str, locator: str, now: dt.datetime) -> None:
    row = session.get(DocumentFailure, (source, locator[:700]))
    if row is not None:
        row.parked_at = now


def parked(session: Session, source: str, locator: str) -> bool:
    row = session.get(DocumentFailure, (source, locator[:700]))
    return row is not None and row.parked_at is not None


def clear(session: Session, source: str, locator: str) -> None:
    row = session.get(DocumentFailure, (source, locator[:700]))
    if row is not None and row.parked_at is None:
        session.delete(row)
