"""Attachments (Bijlagen): stored beside their letter, searchable, never a version of it.

Identity of an attachment, in this order: a service id seen before (``blg-…``,
a TK document number or GUID, kept in ``aliases``); the same parent and the
same text; the same parent and the same title. The same Bijlage reached via
KOOP SRU (``blg-1007826``), TK OData and the SyncFeed is therefore one
attachment with three sources.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..ids import norm_text, sha256
from .models import Attachment, AttachmentSource, Letter, LetterAlias


@dataclass(frozen=True)
class AttachmentIn:
    """One attachment file as a source hands it over (already extracted to text)."""

    parent: str  # the letter's reference, or an alias of it
    title: str
    date: dt.date | None
    url: str
    aliases: tuple[str, ...]
    media_type: str
    filename: str
    raw: bytes
    text: str
    kind: str  # source kind
    locator: str
    external_id: str = ""


def parent_letter(session: Session, parent: str) -> Letter | None:
    """The letter an attachment belongs to, by reference or alias; None until it is stored."""
    if not parent:
        return None
    hit = session.scalar(select(Letter).where(Letter.reference == parent).limit(1))
    if hit is not None:
        return hit
    return session.scalar(select(Letter).join(LetterAlias, LetterAlias.letter_id == Letter.id)
                          .where(LetterAlias.alias == parent).limit(1))


def _same_parent(session: Session, parent: str, letter: Letter | None) -> list[Attachment]:
    names = {parent}
    if letter is not None:
        names.add(letter.reference)
        names.update(session.scalars(select(LetterAlias.alias).where(LetterAlias.letter_id == letter.id)))
    cond: ColumnElement[bool] = Attachment.parent_reference.in_({n for n in names if n})
    if letter is not None:
        cond = or_(cond, Attachment.letter_id == letter.id)
    return list(session.scalars(select(Attachment).where(cond).order_by(Attachment.id)))


def known(session: Session, kind: str, locator: str) -> bool:
    return session.scalar(select(AttachmentSource.id).where(AttachmentSource.kind == kind,
                                                            AttachmentSource.locator == locator).limit(1)) is not None


def store(session: Session, item: AttachmentIn, now: dt.datetime) -> tuple[Attachment, bool]:
    """Store (or find) an attachment inside the caller's transaction; returns (attachment, is_new)."""
    letter = parent_letter(session, item.parent)
    text_sha = sha256(norm_text(item.text))
    siblings = _same_parent(session, item.parent, letter)
    wanted = set(item.aliases)
    hit = (next((a for a in siblings if wanted & set(a.aliases or [])), None)
           or next((a for a in siblings if a.text_sha256 == text_sha), None)
           or next((a for a in siblings if item.title and norm_text(a.title) == norm_text(item.title)), None))
    is_new = hit is None
    if hit is None:
        key = next((a for a in item.aliases if a.startswith("blg-")), "") or f"att-{text_sha[:16]}"
        if session.scalar(select(Attachment.id).where(Attachment.key == key)) is not None:
            key = f"att-{sha256(item.parent + text_sha)[:16]}"  # the same file attached to two letters
        hit = Attachment(key=key, parent_reference=item.parent, title=item.title, date=item.date, url=item.url,
                         aliases=sorted(wanted), media_type=item.media_type, filename=item.filename, raw=item.raw,
                         raw_sha256=sha256(item.raw), text_sha256=text_sha, text=item.text, created_at=now,
                         updated_at=now)
        session.add(hit)
    else:
        hit.aliases = sorted(wanted | set(hit.aliases or []))
        hit.title = hit.title or item.title
        hit.date = hit.date or item.date
        hit.updated_at = now
        if hit.withdrawn_at is not None and item.external_id and item.external_id in wanted:
            hit.withdrawn_at = None  # re-published under the id that was deleted
    if letter is not None:
        hit.letter_id = letter.id
    session.flush()
    raw_sha = sha256(item.raw)
    src = session.scalar(select(AttachmentSource).where(AttachmentSource.kind == item.kind,
                                                        AttachmentSource.locator == item.locator,
                                                        AttachmentSource.raw_sha256 == raw_sha))
    if src is None:
        session.add(AttachmentSource(attachment_id=hit.id, kind=item.kind, locator=item.locator, raw_sha256=raw_sha,
                                     external_id=item.external_id, first_seen=now, last_seen=now))
    else:
        src.last_seen = now
    session.flush()
    return hit, is_new


def link(session: Session, letter: Letter) -> int:
    """Attach waiting attachments (stored before their letter) to it; returns how many."""
    waiting = [a for a in _same_parent(session, letter.reference, letter) if a.letter_id is None]
    for a in waiting:
        a.letter_id = letter.id
    return len(waiting)


def of_letter(session: Session, letter: Letter) -> list[Attachment]:
    return _same_parent(session, letter.reference, letter)


def search(session: Session, words: str, limit: int = 50) -> list[Attachment]:
    """Attachments whose text or title holds every word (case-insensitive)."""
    query = select(Attachment)
    for word in words.split():
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Attachment.text.ilike(pattern), Attachment.title.ilike(pattern)))
    return list(session.scalars(query.order_by(Attachment.id).limit(limit)))
