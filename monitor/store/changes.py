"""Queries over position changes and standing positions."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased, defer

from ..function import POSITION
from ..model import ChangeKind
from ..position import POSITION_KINDS, can_hold_position
from .db import as_utc
from .models import ChangeRecord, Letter, Source, StatementRecord, TopicAssignmentRecord
from .review import confirmed_uids, hidden_uids, rejected_uids


@dataclass(frozen=True)
class ChangeView:
    """A change with the texts and letters it refers to, ready to show."""

    record: ChangeRecord
    letter: Letter
    new: StatementRecord | None
    old: StatementRecord | None
    previous_letter: Letter | None

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        d = {
            "id": r.uid, "topic": r.topic, "kind": r.kind, "letter": self.letter.key,
            "letter_title": self.letter.title, "date": r.letter_date.isoformat(),
            "previous_letter": self.previous_letter.key if self.previous_letter else None,
            "old_text": self.old.text if self.old else None, "new_text": self.new.text if self.new else None,
            "old_statement": self.old.uid if self.old else None, "new_statement": self.new.uid if self.new else None,
            "similarity": r.similarity, "significance": r.significance, "published": bool(r.published),
            "aspects": [a for a in r.aspects.split(",") if a],
            "why": list((r.details or {}).get("why", [])),
        }
        for key in ("numbers", "modality"):
            if key in (r.details or {}):
                d[key] = r.details[key]
        if "diff" in (r.details or {}):
            d["diff"] = r.details["diff"]
        if "features" in (r.details or {}):  # what the significance model weighed (make fit learns from them)
            d["features"] = r.details["features"]
        if "rules" in (r.details or {}):  # the hand-set rules' significance, where a fitted model decided
            d["rules_significance"] = r.details["rules"]
        return d


class Filters:
    """Which current changes to return. ``published``: True only published ones, False only kept ones, None both."""

    def __init__(self, topic: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
                 kinds: tuple[str, ...] | None = None, letter_id: int | None = None, include_reaffirmed: bool = False,
                 published: bool | None = None, letter_ids: tuple[int, ...] | None = None,
                 dossier: str | None = None, source_kind: str | None = None,
                 min_significance: float | None = None, statement_ids: Any = None, hide_rejected: bool = False,
                 uid: str | None = None, subject: tuple[str, ...] | None = None):
        self.topic, self.since, self.until, self.letter_id = topic, since, until, letter_id
        self.kinds = kinds or (ChangeKind.published() + ((ChangeKind.REAFFIRMED,) if include_reaffirmed else ()))
        self.published = published
        self.letter_ids = letter_ids
        self.dossier, self.source_kind, self.min_significance = dossier, source_kind, min_significance
        # a subquery of statement ids (a search's hits): a change on either side of one of them
        self.statement_ids = statement_ids
        # leave out what an analyst rejected or merged into another item (pages and feeds; the API keeps it)
        self.hide_rejected = hide_rejected
        self.uid = uid  # one change by its id
        # one followed subject's changes, by the keys its rows carry (Settings.subject_keys; None: every subject's)
        self.subject = subject


def _filtered(q: Any, f: Filters) -> Any:
    """Apply the filters: only current (not superseded) changes of the wanted kinds."""
    q = q.where(ChangeRecord.superseded_at.is_(None), ChangeRecord.kind.in_(f.kinds))
    if f.uid:
        q = q.where(ChangeRecord.uid == f.uid)
    if f.subject is not None:
        q = q.where(ChangeRecord.subject.in_(f.subject))
    if f.topic:
        q = q.where(ChangeRecord.topic == f.topic)
    if f.since:
        q = q.where(ChangeRecord.letter_date >= f.since)
    if f.until:
        q = q.where(ChangeRecord.letter_date <= f.until)
    if f.letter_id:
        q = q.where(ChangeRecord.letter_id == f.letter_id)
    if f.letter_ids is not None:
        q = q.where(ChangeRecord.letter_id.in_(f.letter_ids))
    if f.published is not None:
        q = q.where(ChangeRecord.published.is_(f.published))
    if f.dossier:
        q = q.where(ChangeRecord.letter_id.in_(select(Letter.id).where(Letter.dossier == f.dossier)))
    if f.source_kind:
        q = q.where(ChangeRecord.letter_id.in_(select(Source.letter_id).where(Source.kind == f.source_kind)))
    if f.min_significance is not None:
        q = q.where(ChangeRecord.significance >= f.min_significance)
    if f.statement_ids is not None:
        q = q.where(ChangeRecord.statement_id.in_(f.statement_ids)
                    | ChangeRecord.previous_statement_id.in_(f.statement_ids))
    if f.hide_rejected:
        q = q.where(ChangeRecord.uid.not_in(hidden_uids()))
    return q


def changes(session: Session, f: Filters | None = None, limit: int | None = None, offset: int = 0,
            newest_first: bool = True) -> list[ChangeView]:
    """Current (not superseded) changes, by letter date then significance."""
    f = f or Filters()
    New, Old = aliased(StatementRecord), aliased(StatementRecord)
    L, P = aliased(Letter), aliased(Letter)
    q = (select(ChangeRecord, L, New, Old, P)
         .join(L, L.id == ChangeRecord.letter_id)
         .outerjoin(New, New.id == ChangeRecord.statement_id)
         .outerjoin(Old, Old.id == ChangeRecord.previous_statement_id)
         .outerjoin(P, P.id == ChangeRecord.previous_letter_id))
    date_order = ChangeRecord.letter_date.desc() if newest_first else ChangeRecord.letter_date.asc()
    order = (date_order, L.key, ChangeRecord.topic, ChangeRecord.significance.desc(), ChangeRecord.uid)
    if limit is None:
        q = _filtered(q, f)
    else:  # the page's ids first (sorted on a few columns), then the rows and texts of those only
        page = (_filtered(select(ChangeRecord.id).join(L, L.id == ChangeRecord.letter_id), f)
                .order_by(*order).limit(limit).offset(offset))
        q = q.where(ChangeRecord.id.in_(page))
    return [ChangeView(*row) for row in session.execute(q.order_by(*order))]


def recent_letters(session: Session, limit: int, topic: str | None = None, dossier: str | None = None,
                   subject: tuple[str, ...] | None = None) -> tuple[int, ...]:
    """Ids of the ``limit`` most recent letters (letter date, then key) with a current published change,
    so a page that lists recent change sets reads those letters' changes only, not the whole history."""
    q = (select(ChangeRecord.letter_id, ChangeRecord.letter_date, Letter.key).join(Letter, Letter.id == ChangeRecord.letter_id)
         .where(ChangeRecord.superseded_at.is_(None), ChangeRecord.published.is_(True)).distinct()
         .order_by(ChangeRecord.letter_date.desc(), Letter.key.desc()).limit(limit))
    if topic:
        q = q.where(ChangeRecord.topic == topic)
    if dossier is not None:
        q = q.where(Letter.dossier == dossier)
    if subject is not None:
        q = q.where(ChangeRecord.subject.in_(subject))
    return tuple(row[0] for row in session.execute(q))


def recent_published(session: Session, limit: int, subject: tuple[str, ...] | None = None
                     ) -> tuple[list[tuple[int, str, str]], dict[int, Letter]]:
    """What a list of recent change sets shows, without loading them: the ``limit`` most recent letters'
    current published changes that no analyst rejected or merged, as (letter id, topic, uid) in letter and
    topic order, and those letters by id; ``subject`` as in :class:`Filters`. A few hundred narrow rows where
    :func:`changes` would load every change of those letters with its statements (the front page: 190 → 10 ms
    CPU at 1,000 letters)."""
    ids = recent_letters(session, limit, subject=subject)
    if not ids:
        return [], {}
    rows = session.execute(
        select(ChangeRecord.letter_id, ChangeRecord.topic, ChangeRecord.uid)
        .where(ChangeRecord.superseded_at.is_(None), ChangeRecord.published.is_(True),
               ChangeRecord.kind.in_(ChangeKind.published()), ChangeRecord.letter_id.in_(ids),
               ChangeRecord.uid.not_in(hidden_uids()),
               *(() if subject is None else (ChangeRecord.subject.in_(subject),)))
        .order_by(ChangeRecord.letter_id, ChangeRecord.topic, ChangeRecord.uid))
    letters = {l.id: l for l in session.scalars(select(Letter).where(Letter.id.in_(ids)))}
    return [(lid, topic, uid) for lid, topic, uid in rows], letters


@dataclass(frozen=True)
class FeedEntry:
    """Where one feed entry (a letter × topic change set, or a letter in a merged feed) sits in the paged
    history, without its changes: ``archive_key`` is :attr:`monitor.feed.ChangeSet.archive_key`."""

    letter_id: int
    archive_key: tuple[dt.datetime, dt.date, str, str]


def feed_entries(session: Session, topic: str | None = None, dossier: str | None = None,
                 merged_topic: str | None = None, subject: tuple[str, ...] | None = None) -> list[FeedEntry]:
    """Every entry of a feed in archive order, from three grouped queries (no change is loaded).

    An entry is a (letter, topic) with a current published change that no analyst rejected or merged,
    as in :func:`monitor.publish.changesets`; with ``merged_topic`` the entries of one letter are one
    entry under that name (the overall and dossier feeds), first published when its first topic was.
    """
    visible = (select(ChangeRecord.letter_id, ChangeRecord.topic)
               .where(ChangeRecord.superseded_at.is_(None), ChangeRecord.published.is_(True),
                      ChangeRecord.uid.not_in(hidden_uids())).distinct())
    firsts = (select(ChangeRecord.letter_id, ChangeRecord.topic, func.min(ChangeRecord.computed_at))
              .where(ChangeRecord.published.is_(True)).group_by(ChangeRecord.letter_id, ChangeRecord.topic))
    if topic is not None:
        visible, firsts = visible.where(ChangeRecord.topic == topic), firsts.where(ChangeRecord.topic == topic)
    if subject is not None:
        visible = visible.where(ChangeRecord.subject.in_(subject))
        firsts = firsts.where(ChangeRecord.subject.in_(subject))
    if dossier is not None:
        in_dossier = select(Letter.id).where(Letter.dossier == dossier)
        visible = visible.where(ChangeRecord.letter_id.in_(in_dossier))
        firsts = firsts.where(ChangeRecord.letter_id.in_(in_dossier))
    entries: set[tuple[int, str]] = {(lid, t) for lid, t in session.execute(visible)}
    if not entries:
        return []
    first = {(lid, t): as_utc(at) for lid, t, at in session.execute(firsts) if at is not None}
    letters = {lid: (key, day or created.date()) for lid, key, day, created in session.execute(
        select(Letter.id, Letter.key, Letter.date, Letter.created_at)
        .where(Letter.id.in_({lid for lid, _ in entries})))}
    out = []
    if merged_topic is None:
        for lid, t in entries:
            key, day = letters[lid]
            out.append(FeedEntry(lid, (first.get((lid, t)) or _midnight(day), day, key, t)))
    else:
        by_letter: dict[int, list[dt.datetime]] = {}
        for lid, t in entries:
            by_letter.setdefault(lid, [])
            if (lid, t) in first:
                by_letter[lid].append(first[(lid, t)])
        for lid, times in by_letter.items():
            key, day = letters[lid]
            out.append(FeedEntry(lid, (min(times, default=None) or _midnight(day), day, key, merged_topic)))
    return sorted(out, key=lambda e: e.archive_key)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.timezone.utc)


def history(session: Session, letter_ids: set[int], subject: tuple[str, ...] | None = None
            ) -> dict[tuple[int, str], tuple[dt.datetime | None, dt.datetime | None]]:
    """(letter id, topic) → (first published, last revised): from every row, current or superseded.

    "First published" is the earliest computation of a published change; "last revised" the latest
    computation of a current change or supersession of any change, when later than that.
    """
    if not letter_ids:
        return {}
    rows = session.execute(
        select(ChangeRecord.letter_id, ChangeRecord.topic,
               func.min(case((ChangeRecord.published.is_(True), ChangeRecord.computed_at))),
               func.max(case((ChangeRecord.superseded_at.is_(None), ChangeRecord.computed_at))),
               func.max(ChangeRecord.superseded_at))
        .where(ChangeRecord.letter_id.in_(letter_ids), *(() if subject is None else (ChangeRecord.subject.in_(subject),)))
        .group_by(ChangeRecord.letter_id, ChangeRecord.topic))
    out = {}
    for lid, topic, first, computed, superseded in rows:
        first = as_utc(first) if first else None
        last = max((as_utc(t) for t in (computed, superseded) if t), default=None)
        out[(lid, topic)] = (first, last if first and last and last > first else None)
    return out


def count_changes(session: Session, f: Filters | None = None) -> int:
    return session.scalar(_filtered(select(func.count(ChangeRecord.id)), f or Filters())) or 0


@dataclass(frozen=True)
class StandingItem:
    statement: StatementRecord
    letter: Letter
    sources: tuple[str, ...]
    confirmed: bool = False  # a change on this topic that brought the statement in was confirmed by an analyst


def standing_position(session: Session, topic: str, as_of: dt.date, subject: tuple[str, ...] | None = None,
                      first: bool = True) -> list[StandingItem]:
    """Statements on ``topic`` from letters dated on or before ``as_of`` that no later one superseded by then.

    ``subject``: the followed subject whose standing position it is (None: as when one subject was followed);
    ``first``: whether it is the first one (its scope is the ``in_scope`` column).

    One query does the work: the topic's statements of current letter versions, joined to their letters
    (dated by ``letter.date``, else the day ``created_at`` in UTC), less those a current ``modified`` or
    ``reaffirmed`` change of that date or earlier replaced; the sources are read for the letters found only.
    An analyst's rejection undoes a change here too: its statement is left out, and a statement it claimed
    to replace stands.
    """
    if as_of >= dt.date.max:
        on_or_before = Letter.date.is_not(None) | Letter.created_at.is_not(None)
    else:
        day_after = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
        on_or_before = (Letter.date <= as_of) | (Letter.date.is_(None) & (Letter.created_at < day_after))
    # an uncorrelated NOT IN: read once (ix_change_topic_date), where a correlated NOT EXISTS would be
    # planned per statement on SQLite
    replaced = (select(ChangeRecord.previous_statement_id).where(
        *(() if subject is None else (ChangeRecord.subject.in_(subject),)),
        ChangeRecord.superseded_at.is_(None), ChangeRecord.topic == topic, ChangeRecord.previous_statement_id.is_not(None),
        ChangeRecord.kind.in_([ChangeKind.MODIFIED, ChangeKind.REAFFIRMED]), ChangeRecord.letter_date <= as_of,
        ChangeRecord.uid.not_in(rejected_uids())))
    on_topic = (*(() if subject is None else (ChangeRecord.subject.in_(subject),)), ChangeRecord.superseded_at.is_(None),
                ChangeRecord.topic == topic, ChangeRecord.statement_id.is_not(None))
    rejected = select(ChangeRecord.statement_id).where(*on_topic, ChangeRecord.uid.in_(rejected_uids()))
    rows = session.execute(
        select(StatementRecord, Letter)
        .join(TopicAssignmentRecord, TopicAssignmentRecord.statement_id == StatementRecord.id)
        .join(Letter, (Letter.id == StatementRecord.letter_id) & (Letter.current_version_id == StatementRecord.version_id))
        .where(TopicAssignmentRecord.topic == topic, on_or_before,
               *((StatementRecord.in_scope.is_(True),) if first else ()),
               StatementRecord.function.in_(sorted(POSITION)), StatementRecord.kind.in_(sorted(POSITION_KINDS)),
               StatementRecord.id.not_in(replaced), StatementRecord.id.not_in(rejected))
        .options(defer(StatementRecord.function_evidence), defer(StatementRecord.answers),
                 *((defer(StatementRecord.scope_evidence),) if first else ())))
    # another subject than the first: its own scope, kept per statement in scope_evidence.subjects
    found = [(s, l) for s, l in rows if can_hold_position(s.kind, s.text)
             and (first or (s.scope_evidence or {}).get("subjects", {}).get(subject[0] if subject else "", False))]
    sources: dict[int, tuple[str, ...]] = {}
    if found:
        for letter_id, locator in session.execute(
                select(Source.letter_id, Source.locator).where(Source.letter_id.in_({l.id for _, l in found}))
                .order_by(Source.id)):
            sources[letter_id] = sources.get(letter_id, ()) + (locator,)
        confirmed = set(session.scalars(select(ChangeRecord.statement_id).where(
            *on_topic, ChangeRecord.uid.in_(confirmed_uids()))))
    else:
        confirmed = set()
    items = [StandingItem(s, l, sources.get(l.id, ()), s.id in confirmed) for s, l in found]
    items.sort(key=lambda i: (i.letter.date or i.letter.created_at.date(), i.letter.key, i.statement.position))
    return items
