"""The data version: one row every writer bumps, in the same transaction, when what readers see changes.

What holds: two reads that see the same ``version`` see the same letters and
changes (so a cache keyed by it is never stale), and ``changed_at`` is the
time of the last such write: the honest ``Last-Modified`` of every feed.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from .models import DataVersion


def bump(session: Session, now: dt.datetime) -> None:
    """Count one write that readers can see; inside the writer's own transaction. Once a transaction: readers see
    none or all of it, so a second bump in it would say nothing more."""
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_BUMPED) is transaction:
        return
    session.execute(update(DataVersion).where(DataVersion.id == 1)
                    .values(version=DataVersion.version + 1, changed_at=now))
    if transaction is not None:
        # the transaction itself, not its id: a later transaction may be given the id of one that ended
        session.info[_BUMPED] = transaction


_BUMPED = "data_version.bumped"  # session.info: the transaction that bumped


def current(session: Session) -> tuple[int, dt.datetime | None]:
    """(version, changed_at) as this session sees the store."""
    row = session.execute(select(DataVersion.version, DataVersion.changed_at).where(DataVersion.id == 1)).first()
    return (row[0], row[1]) if row is not None else (0, None)


class VersionProbe:
    """The current data version, read as cheaply as the database allows: one held DBAPI connection, one
    statement, no ORM (tens of microseconds on SQLite). The server process asks it before every request it
    may answer with a 304 itself (:mod:`monitor.web.renderpool`).

    Returns None when the database cannot be read; the caller then asks a render process, which will say why.
    """

    _SQL = "SELECT version FROM data_version WHERE id = 1"

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> int | None:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self.engine.raw_connection()
                cur = self._conn.cursor()
                try:
                    cur.execute(self._SQL)
                    row = cur.fetchone()
                finally:
                    cur.close()
                self._conn.rollback()  # no read transaction left open: the next call sees the newest commit
                return int(row[0]) if row is not None else 0
            except Exception:  # noqa: BLE001 - any failure: let a render process answer (and report it)
                self.close()
                return None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close too
                pass
