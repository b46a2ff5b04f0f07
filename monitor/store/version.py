"""The data version: one row every writer bumps, in the same transaction, when what readers see changes.

What holds: two reads that see the same ``version`` see the same letters and
changes (so a cache keyed by it is never stale), and ``changed_at`` is the
time of the last such write: the honest ``Last-Modified`` of every feed.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import DataVersion


def bump(session: Session, now: dt.datetime) -> None:
    """Count one write that readers can see; inside the writer's own transaction."""
    session.execute(update(DataVersion).where(DataVersion.id == 1)
                    .values(version=DataVersion.version + 1, changed_at=now))


def current(session: Session) -> tuple[int, dt.datetime | None]:
    """(version, changed_at) as this session sees the store."""
    row = session.execute(select(DataVersion.version, DataVersion.changed_at).where(DataVersion.id == 1)).first()
    return (row[0], row[1]) if row is not None else (0, None)
