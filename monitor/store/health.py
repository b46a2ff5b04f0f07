"""Is the store intact? SQLite's ``PRAGMA quick_check``; on PostgreSQL a read of the catalogue.

Why: with 8 KB of an SQLite file overwritten, ``export`` ended in a 21-frame traceback, ``ingest`` went on
writing into the damaged file and ``/healthz`` said ok while pages answered 500. Every writer now checks
before it writes (:func:`check_before_writing`), ``policy-monitor check`` checks on demand, ``/healthz``
reports a damaged store, and an error from one is one line naming the file and what to do
(:func:`damaged_message`).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from .db import DAMAGE_WORDS as _DAMAGE
from .db import SchemaError, damaged, make_engine, masked


class DamagedDatabase(SchemaError):
    """The store failed its integrity check; the message is one line saying what to do."""


def where(url: str) -> str:
    """The database as a reader knows it: the SQLite file, or the URL with its password masked."""
    u = make_url(url)
    return u.database or url if u.get_backend_name() == "sqlite" else masked(url)


def damaged_message(url: str, problem: str) -> str:
    return damaged(url, problem)


def is_damage(exc: BaseException) -> bool:
    """Whether a database error says the store itself is damaged (not locked, not missing)."""
    orig = getattr(exc, "orig", None) or exc
    return any(word in str(orig).lower() for word in _DAMAGE)


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return next((line.strip() for line in str(orig).splitlines() if line.strip()), type(orig).__name__)


def integrity(engine: Engine) -> str:
    """"" when the store is intact, else what is wrong (one line)."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
                return "" if rows == ["ok"] else " ".join("; ".join(str(r) for r in rows).split())[:300]
            # the server keeps its own files whole; what can break is its catalogue (a read of it fails)
            conn.execute(text("SELECT count(*) FROM pg_catalog.pg_class"))
            conn.execute(text("SELECT count(*) FROM pg_catalog.pg_attribute"))
            return ""
    except DBAPIError as exc:
        return first_line(exc)


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    db = u.database or ""
    return Path(db) if db and db != ":memory:" and not db.startswith("file:") else None


def check_before_writing(url: str, busy_timeout: float = 10.0) -> None:
    """Raise :class:`DamagedDatabase` when the store at ``url`` exists and fails its check.

    A missing or empty SQLite file (a writer about to create it) has nothing to check; a server that cannot
    be reached is left to the writer's own error.
    """
    try:
        path = _sqlite_file(url)
        if path is not None and (not path.is_file() or path.stat().st_size == 0):
            return
        if path is None and make_url(url).get_backend_name() == "sqlite":
            return
        engine = make_engine(url, busy_timeout=busy_timeout)
    except (SchemaError, ArgumentError):  # an unusable URL or a missing driver: the writer's own error says so
        return
    try:
        problem = integrity(engine)
    except SQLAlchemyError:
        return
    finally:
        engine.dispose()
    if problem:
        raise DamagedDatabase(damaged_message(url, problem))


class CachedCheck:
    """The integrity verdict for ``/healthz``, computed at most every ``seconds`` (a check reads the whole
    file: a health probe every few seconds must not)."""

    def __init__(self, engine: Engine, seconds: float = 300.0):
        self.engine, self.seconds = engine, seconds
        self.at = float("-inf")
        self.problem = ""
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            if time.monotonic() - self.at >= self.seconds:
                try:
                    self.problem = integrity(self.engine)
                except SQLAlchemyError as exc:
                    self.problem = first_line(exc) if is_damage(exc) else ""
                self.at = time.monotonic()
            return self.problem

    def saw(self, exc: BaseException) -> None:
        """A query failed on a damaged store: report it until the next check says otherwise."""
        if is_damage(exc):
            with self.lock:
                self.problem, self.at = first_line(exc), time.monotonic()
