"""Read queries behind the browsing pages: paged letter lists, a topic's timeline, filter choices, context.

Every list is limited in SQL (the pages stay fast at 100,000 changes); the
per-letter counts are one grouped query over the letters shown.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session

from ..model import ChangeKind
from .models import ChangeRecord, Letter, Source, StatementRecord
from .review import confirmed_uids, hidden_uids

_CURRENT = (ChangeRecord.superseded_at.is_(None), ChangeRecord.kind.in_(ChangeKind.published()))


def letter_count(session: Session, dossier: str | None = None) -> int:
    """How many letters are stored (in ``dossier`` when given)."""
    return session.scalar(select(func.count(Letter.id)).where(*([Letter.dossier == dossier] if dossier else []))) or 0


def has_dossier(session: Session, dossier: str) -> bool:
    """Whether any stored letter belongs to ``dossier``."""
    return session.scalar(select(Letter.id).where(Letter.dossier == dossier).limit(1)) is not None


def letters_page(session: Session, limit: int, offset: int, dossier: str | None = None
                 ) -> tuple[list[Letter], int]:
    """Letters newest first (undated ones last), ``limit`` from ``offset``; and how many there are."""
    q = select(Letter)
    count = select(func.count(Letter.id))
    if dossier:
        q, count = q.where(Letter.dossier == dossier), count.where(Letter.dossier == dossier)
    rows = list(session.scalars(q.order_by(Letter.date.is_(None), Letter.date.desc(), Letter.key.desc())
                                .limit(limit).offset(offset)))
    return rows, session.scalar(count) or 0


def _of(subject: tuple[str, ...] | None) -> tuple[Any, ...]:
    """The condition for one followed subject's changes (None: every subject's)."""
    return () if subject is None else (ChangeRecord.subject.in_(subject),)


@dataclass
class SetCount:
    """What a reader is shown of one change set (a letter × topic): its published items by kind, its kept
    ("kleinere") ones, and how many of either an analyst confirmed. Rejected and merged items are not counted:
    they are not shown anywhere."""

    kinds: dict[str, int] = field(default_factory=dict)  # the published items, by kind
    kept: int = 0
    confirmed: int = 0

    @property
    def published(self) -> int:
        return sum(self.kinds.values())

    @property
    def total(self) -> int:
        return self.published + self.kept

    def add(self, other: "SetCount") -> None:
        for k, n in other.kinds.items():
            self.kinds[k] = self.kinds.get(k, 0) + n
        self.kept += other.kept
        self.confirmed += other.confirmed


def changeset_counts(session: Session, topic: str | None = None, letter_ids: Iterable[int] | None = None,
                     subject: tuple[str, ...] | None = None) -> dict[tuple[str, str], SetCount]:
    """(letter key, topic) → :class:`SetCount`: the one count of a change set's items every page shows
    (home, letters, a letter, the topics index, a topic's timeline and chart), in one grouped query."""
    confirmed = func.sum(case((ChangeRecord.uid.in_(confirmed_uids()), 1), else_=0))
    q = (select(Letter.key, ChangeRecord.topic, ChangeRecord.kind, ChangeRecord.published,
                func.count(ChangeRecord.id), confirmed)
         .join(Letter, Letter.id == ChangeRecord.letter_id)
         .where(*_CURRENT, *_of(subject), ChangeRecord.uid.not_in(hidden_uids()))
         .group_by(Letter.key, ChangeRecord.topic, ChangeRecord.kind, ChangeRecord.published))
    if topic is not None:
        q = q.where(ChangeRecord.topic == topic)
    if letter_ids is not None:
        q = q.where(ChangeRecord.letter_id.in_(sorted(set(letter_ids))))
    out: dict[tuple[str, str], SetCount] = {}
    for key, t, kind, published, n, sure in session.execute(q):
        c = out.setdefault((key, t), SetCount())
        if published:
            c.kinds[kind] = c.kinds.get(kind, 0) + n
        else:
            c.kept += n
        c.confirmed += int(sure or 0)
    return out


def letter_counts(session: Session, letters: list[Letter], subject: tuple[str, ...] | None = None
                  ) -> dict[int, SetCount]:
    """Letter id → its change sets' counts added up (:func:`changeset_counts`)."""
    ids = {l.key: l.id for l in letters}
    out: dict[int, SetCount] = {}
    for (key, _), c in changeset_counts(session, letter_ids=ids.values(), subject=subject).items():
        out.setdefault(ids[key], SetCount()).add(c)
    return out


def topic_counts(session: Session, subject: tuple[str, ...] | None = None
                 ) -> dict[str, tuple[SetCount, int, dt.date | None]]:
    """Topic → (its change sets' counts added up, how many change sets (letters), date of the latest letter
    with a published item)."""
    counts = changeset_counts(session, subject=subject)
    dates = {t: day for t, day in session.execute(
        select(ChangeRecord.topic, func.max(ChangeRecord.letter_date))
        .where(*_CURRENT, *_of(subject), ChangeRecord.published.is_(True), ChangeRecord.uid.not_in(hidden_uids()))
        .group_by(ChangeRecord.topic))}
    sums: dict[str, SetCount] = {}
    sets: dict[str, int] = {}
    for (_, t), c in counts.items():
        sums.setdefault(t, SetCount()).add(c)
        sets[t] = sets.get(t, 0) + 1
    return {t: (c, sets[t], dates.get(t)) for t, c in sums.items()}


@dataclass(frozen=True)
class SubjectStats:
    """What one followed subject has: letters with a current published change, those changes, the last one."""

    letters: int
    changes: int
    last: dt.date | None


def subject_stats(session: Session) -> dict[str, SubjectStats]:
    """Subject key → its :class:`SubjectStats` (subjects without a published change are absent)."""
    rows = session.execute(select(ChangeRecord.subject, func.count(func.distinct(ChangeRecord.letter_id)),
                                  func.count(ChangeRecord.id), func.max(ChangeRecord.letter_date))
                           .where(*_CURRENT, ChangeRecord.published.is_(True), ChangeRecord.uid.not_in(hidden_uids()))
                           .group_by(ChangeRecord.subject))
    return {key: SubjectStats(letters, n, last) for key, letters, n, last in rows}


@dataclass(frozen=True)
class Unfollowed:
    """A letter mostly about no followed subject: what ``letter.outside`` says of it."""

    key: str
    title: str
    date: dt.date | None
    arrived: dt.datetime
    statements: int
    outside: int
    about: dict[str, int]


def letters_outside(session: Session, since: dt.datetime | None = None, share: float = 0.8) -> list[Unfollowed]:
    """Letters (arrived since ``since``) with at least ``share`` of their running text about no followed
    subject, newest first. ``letter.outside`` is a small JSON per letter: read and judged here."""
    q = select(Letter.key, Letter.title, Letter.date, Letter.created_at, Letter.outside).where(
        Letter.outside.is_not(None), Letter.current_version_id.is_not(None))
    if since is not None:
        q = q.where(Letter.created_at >= since)
    out = []
    for key, title, day, arrived, summary in session.execute(q):
        total, outside = int(summary.get("statements", 0)), int(summary.get("outside", 0))
        if total and outside >= share * total:
            out.append(Unfollowed(key, title or key, day, arrived, total, outside, dict(summary.get("about") or {})))
    out.sort(key=lambda u: (u.arrived, u.key), reverse=True)
    return out


def unfollowed_mentions(session: Session) -> dict[str, int]:
    """Country → in how many letters statements about no followed subject name it, most first."""
    counts: dict[str, int] = {}
    for (summary,) in session.execute(select(Letter.outside).where(Letter.outside.is_not(None))):
        for name in (summary.get("about") or {}):
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class LetterRef:
    """What a list of letters shows of each: read as four columns, not as whole letters."""

    id: int
    key: str
    title: str
    date: dt.date | None


@dataclass
class TimelinePoint:
    """One letter that changed the topic's position: its change set's :class:`SetCount`."""

    letter: LetterRef
    date: dt.date
    count: SetCount = field(default_factory=SetCount)

    @property
    def kinds(self) -> dict[str, int]:
        return self.count.kinds

    @property
    def published(self) -> int:
        return self.count.published

    @property
    def total(self) -> int:
        return self.count.total


def topic_timeline(session: Session, topic: str, subject: tuple[str, ...] | None = None) -> list[TimelinePoint]:
    """Every letter with a shown change on ``topic`` (of ``subject`` when given), oldest first, counted by
    :func:`changeset_counts`."""
    counts = changeset_counts(session, topic=topic, subject=subject)
    rows = session.execute(
        select(Letter.id, Letter.key, Letter.title, Letter.date, func.min(ChangeRecord.letter_date))
        .join(ChangeRecord, ChangeRecord.letter_id == Letter.id)
        .where(ChangeRecord.topic == topic, *_CURRENT, *_of(subject))
        .group_by(Letter.id, Letter.key, Letter.title, Letter.date))
    points = [TimelinePoint(LetterRef(lid, key, title, date), day, counts[(key, topic)])
              for lid, key, title, date, day in rows if (key, topic) in counts]
    return sorted(points, key=lambda p: (p.date, p.letter.key))


def dossiers(session: Session) -> list[str]:
    return [d for d in session.scalars(select(Letter.dossier).where(Letter.dossier != "").distinct()
                                       .order_by(Letter.dossier))]


def source_kinds(session: Session) -> list[str]:
    return list(session.scalars(select(Source.kind).distinct().order_by(Source.kind)))


def paragraphs(session: Session, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], list[StatementRecord]]:
    """(version id, paragraph number) → that paragraph's statements in order: the context of a statement."""
    if not wanted:
        return {}
    out: dict[tuple[int, int], list[StatementRecord]] = {}
    rows = session.scalars(select(StatementRecord)
                           .where(tuple_(StatementRecord.version_id, StatementRecord.paragraph).in_(list(wanted)))
                           .order_by(StatementRecord.position))
    for s in rows:
        out.setdefault((s.version_id, s.paragraph), []).append(s)
    return out
