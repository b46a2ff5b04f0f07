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


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def _file_state(path: Path) -> str:
    """Size and modification time of the SQLite file and its write-ahead log: what any write changes."""
    parts = []
    for f in (path, path.with_name(path.name + "-wal")):
        try:
            st = f.stat()
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return " ".join(parts)


def unchanged_since_written(url: str) -> bool:
    """Is the SQLite file at ``url`` exactly as the last monitor writer left it, after a check it passed
    (:func:`record_written`)? Then the next writer need not read the whole file again (a quick check of a
    store of 3,000 letters took 1.2 s of every one-file ingest). Anything else that wrote to the file since
    (a disk fault, a copy, another program) changed its size or time, and the whole file is checked."""
    path = _sqlite_file(url)
    if path is None:
        return False
    try:
        return _stamp(path).read_text(encoding="utf-8") == _file_state(path)
    except OSError:
        return False


def record_written(url: str) -> None:
    """A writer that started from a checked store ends, its connections closed: the file as it is now is
    known to be the monitor's own writing."""
    path = _sqlite_file(url)
    if path is None or not path.is_file():
        return
    try:
        _stamp(path).write_text(_file_state(path), encoding="utf-8")
    except OSError:  # a read-only folder: the next writer checks the whole file, as before
        pass


def forget_written(url: str) -> None:
    """The stamp no longer holds (a writer is about to change the file): until it ends well, check in full."""
    path = _sqlite_file(url)
    if path is not None:
        try:
            _stamp(path).unlink(missing_ok=True)
        except OSError:
            pass


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
