"""Analysts' verdicts on changes: record them, and read the verdict that holds for each change.

What holds:

* a verdict attaches to the change's stable ``uid`` (topic, kind, letter,
  statements), so recomputing the analysis keeps it;
* rows are only appended: the latest confirm / reject / merge is the verdict,
  notes accumulate, and every rejection stays in the table with who and when;
* a rejected or merged change is *hidden*: feeds, pages, counts, notifications,
  the API and the export leave it out (:func:`hidden_uids`; the API's
  ``?include_rejected=true`` and ``export --with-rejected`` bring it back, with
  its verdict); a rejected change's statement also leaves the standing position
  and the statement it claimed to replace stands again (:func:`rejected_uids`);
  a merged one's statement stays (a merge only joins two items of one change set);
* every write bumps the data version, so cached feeds and pages are rebuilt.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from . import version as data_version
from .db import as_utc, chunked
from .models import ChangeRecord, Review

CONFIRM, REJECT, NOTE, MERGE = "confirm", "reject", "note", "merge"
VERDICTS = (CONFIRM, REJECT, NOTE, MERGE)
DECISIVE = (CONFIRM, REJECT, MERGE)  # a note adds to the history but changes no verdict
STATE = {CONFIRM: "confirmed", REJECT: "rejected", MERGE: "merged"}
MAX_NOTE = 4000
MAX_BY = 100


class ReviewError(ValueError):
    """A verdict that cannot be recorded; the message names what is wrong (``dutch``: the same for the web desk)."""

    def __init__(self, message: str, dutch: str):
        super().__init__(message)
        self.dutch = dutch


@dataclass(frozen=True)
class Note:
    by: str
    at: dt.datetime
    text: str


@dataclass
class Status:
    """What holds for one change: its verdict (``None``: not reviewed), who gave it and when, and every note."""

    verdict: str | None = None
    by: str = ""
    at: dt.datetime | None = None
    merged_into: str = ""
    notes: list[Note] = field(default_factory=list)
    last_at: dt.datetime | None = None  # the latest review of any kind: when the entry was last revised

    @property
    def hidden(self) -> bool:
        return self.verdict in (STATE[REJECT], STATE[MERGE])

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "by": self.by or None, "at": self.at.isoformat() if self.at else None,
                "merged_into": self.merged_into or None,
                "notes": [{"by": n.by, "at": n.at.isoformat(), "text": n.text} for n in self.notes]}


def record(session: Session, uid: str, verdict: str, by: str, now: dt.datetime, note: str = "",
           into: str = "") -> Review:
    """Append one verdict (the caller commits). Raises :class:`ReviewError` for an unknown change or verdict."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}",
                          f"oordeel {verdict!r} is geen van {', '.join(VERDICTS)}")
    by = by.strip()
    if not by or len(by) > MAX_BY:
        raise ReviewError(f"by: a name of 1 to {MAX_BY} characters is required",
                          f"door: een naam van 1 tot {MAX_BY} tekens is nodig")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"note: at most {MAX_NOTE} characters, got {len(note)}",
                          f"notitie: hoogstens {MAX_NOTE} tekens, niet {len(note)}")
    if verdict == NOTE and not note.strip():
        raise ReviewError("note: a note needs text", "notitie: een notitie heeft tekst nodig")
    change = _current(session, uid)
    if change is None:
        raise ReviewError(f"no current change {uid!r} (see `policy-monitor changes -v` or /api/changes)",
                          f"geen huidige wijziging {uid!r} (zie /api/changes)")
    if verdict == MERGE:
        if not into or into == uid:
            raise ReviewError("into: merging needs another change's id",
                              "into: samenvoegen vraagt het kenmerk van een andere wijziging")
        target = _current(session, into)
        if target is None:
            raise ReviewError(f"into: no current change {into!r}", f"into: geen huidige wijziging {into!r}")
        if (target.letter_id, target.topic) != (change.letter_id, change.topic):
            raise ReviewError(f"into: {into!r} is in another change set; only items of one letter and topic merge",
                              f"into: {into!r} hoort bij een andere brief of een ander onderwerp; alleen "
                              "wijzigingen van één brief en onderwerp worden samengevoegd")
    elif into:
        raise ReviewError(f"into: only a merge names another change, not a {verdict}",
                          f"into: alleen bij samenvoegen (merge) noemt u een andere wijziging, niet bij {verdict}")
    row = Review(change_uid=uid, verdict=verdict, note=note.strip(), merged_into=into, by=by, at=now)
    session.add(row)
    data_version.bump(session, now)
    return row


def _current(session: Session, uid: str) -> ChangeRecord | None:
    return session.scalar(select(ChangeRecord).where(ChangeRecord.uid == uid, ChangeRecord.superseded_at.is_(None)))


def statuses(session: Session, uids: list[str] | set[str] | None = None) -> dict[str, Status]:
    """uid → :class:`Status`, for ``uids`` (None: every reviewed change)."""
    q = select(Review).order_by(Review.id)
    if uids is None:
        queries = [q]
    else:  # in chunks: an export asks for every change's status (261,222 once), more than SQLite binds
        queries = [q.where(Review.change_uid.in_(part)) for part in chunked(sorted(uids))]
    out: dict[str, Status] = {}
    for r in (r for q in queries for r in session.scalars(q)):
        s = out.setdefault(r.change_uid, Status())
        at = as_utc(r.at)
        s.last_at = at
        if r.verdict in DECISIVE:
            s.verdict, s.by, s.at, s.merged_into = STATE[r.verdict], r.by, at, r.merged_into
        if r.note:
            s.notes.append(Note(r.by, at, r.note))
    return out


def _latest_is(*verdicts: str) -> Select[Any]:
    """A subquery: uids whose latest decisive verdict is one of ``verdicts``."""
    latest = (select(func.max(Review.id)).where(Review.verdict.in_(DECISIVE)).group_by(Review.change_uid))
    return select(Review.change_uid).where(Review.id.in_(latest), Review.verdict.in_(verdicts))


def hidden_uids() -> Select[Any]:
    """A subquery: uids whose latest decisive verdict is reject or merge (left out of feeds, pages, counts,
    the API and the export)."""
    return _latest_is(REJECT, MERGE)


def rejected_uids() -> Select[Any]:
    """A subquery: uids whose latest decisive verdict is reject (their statements leave the standing position)."""
    return _latest_is(REJECT)


def confirmed_uids() -> Select[Any]:
    """A subquery: uids whose latest decisive verdict is confirm (marked wherever they are shown or counted)."""
    return _latest_is(CONFIRM)


def history(session: Session, verdict: str | None = None, limit: int = 100) -> list[Review]:
    """The latest review rows, newest first; ``verdict`` keeps one kind (e.g. every rejection)."""
    q = select(Review).order_by(Review.id.desc()).limit(limit)
    if verdict is not None:
        q = q.where(Review.verdict == verdict)
    return list(session.scalars(q))
