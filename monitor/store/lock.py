"""One writer per database, across processes: the only place that knows how.

What holds: while a :class:`WriterLock` is held, no other policy-monitor
process writes to the same database (every writing command and the daemon
take it). A second writer waits up to ``wait`` seconds, then gets
:class:`WriterBusy` naming who holds the lock; it never runs beside the first.
The operating system (SQLite: ``flock``) or the server (PostgreSQL: a
session advisory lock) releases the lock when its holder dies, so a crash
never leaves a stale lock behind.

* SQLite: an exclusive ``flock`` on ``<database file>.lock``, which also
  records the holder's pid and command for the message;
* PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection (session
  level, so it lives exactly as long as that connection). PostgreSQL scopes
  advisory locks to the database, so the key is one constant: two processes
  that reach the same database by different host names, a socket or a port
  forward still exclude each other. The holder is found through
  ``pg_locks``/``pg_stat_activity`` (the lock connection's
  ``application_name`` carries its pid and command);
* an in-memory SQLite database has one process by definition: no lock.
"""
from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import SchemaError, connect_error, pg_key

POLL_SECONDS = 0.1


class WriterBusy(RuntimeError):
    """Another process is writing to this database; the message says which and where."""


WRITER_KEY = pg_key("writer")
_HOLDER_SQL = text(
    "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = :hi AND l.objid::bigint = :lo")


def pg_holder(conn: Any, key: int = WRITER_KEY) -> str | None:
    """Who holds advisory lock ``key`` on this connection's database ("pid N: command"), or None."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF  # a bigint key is shown as two 32-bit oids: high, low
    row = conn.execute(_HOLDER_SQL, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}).first()
    if row is None:
        return None
    name = str(row[1] or "")
    return name.removeprefix("policy-monitor writer ") if name.startswith("policy-monitor writer") \
        else f"server pid {row[0]} ({name or 'no application name'})"


def lock_file(url: str, fallback_dir: Path) -> Path | None:
    """The lock file for a SQLite database (None: in memory); other back-ends use ``fallback_dir`` only
    when they have no lock of their own."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
        return Path(db + ".lock")
    return fallback_dir / "policy-monitor.lock"


class WriterLock:
    """``with WriterLock(url, root, wait=30):`` — the single-writer guarantee for one database."""

    def __init__(self, url: str, fallback_dir: Path, wait: float = 0.0, what: str = ""):
        self.url = url
        self.wait = max(0.0, wait)
        self.what = what or " ".join(os.path.basename(a) for a in sys.argv[:3])
        self.backend = make_url(url).get_backend_name()
        self.path = None if self.backend == "postgresql" else lock_file(url, fallback_dir)
        self._fh: IO[str] | None = None
        self._conn: Any = None
        self._engine: Any = None

    # ------------------------------------------------------------------ file (SQLite)

    def _try_file(self) -> bool:
        assert self.path is not None
        if self._fh is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "a+", encoding="utf-8")
            except OSError as exc:
                raise WriterBusy(f"cannot open the writer lock {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"{os.getpid()} {self.what}\n")
        self._fh.flush()
        return True

    def _holder(self) -> str:
        if self.path is None:
            return "another process"
        try:
            return "pid " + (self.path.read_text(encoding="utf-8").strip() or "?")
        except OSError:
            return "?"

    # ------------------------------------------------------------------ PostgreSQL

    def _try_pg(self) -> bool:
        try:
            if self._conn is None:
                # the application name is how a waiting process (and an operator's pg_stat_activity) sees who
                # writes; PostgreSQL truncates it to 63 bytes
                name = f"policy-monitor writer pid {os.getpid()}: {self.what}"[:63]
                self._engine = create_engine(self.url, pool_size=1, max_overflow=0,
                                             connect_args={"application_name": name})
                self._conn = self._engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": WRITER_KEY}).scalar())
            self._conn.commit()
        except (SQLAlchemyError, ImportError) as exc:
            self._close()
            raise SchemaError(connect_error(self.url, exc)) from None
        return got

    def _pg_holder(self) -> str:
        try:
            return pg_holder(self._conn) or "another process (it has just finished)"
        except SQLAlchemyError:
            return "another process"

    # ------------------------------------------------------------------ both

    def acquire(self) -> WriterLock:
        if self.backend != "postgresql" and self.path is None:
            return self
        deadline = time.monotonic() + self.wait
        attempt = self._try_pg if self.backend == "postgresql" else self._try_file
        while not attempt():
            if time.monotonic() >= deadline:
                holder = self._pg_holder() if self.backend == "postgresql" else self._holder()
                self._close()
                waited = f" (waited {self.wait:g} s)" if self.wait else ""
                where = f"lock {self.path}" if self.path else "PostgreSQL advisory lock"
                raise WriterBusy(f"another writer is running on this database: {holder} holds the {where}"
                                 f"{waited}; try again when it has finished")
            time.sleep(POLL_SECONDS)
        return self

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the descriptor releases the flock
            self._fh = None
        if self._conn is not None:
            self._conn.close()  # ends the session, and with it the advisory lock
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
        self._close()

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
