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
  level, so it lives exactly as long as that connection);
* an in-memory SQLite database has one process by definition: no lock.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POLL_SECONDS = 0.1


class WriterBusy(RuntimeError):
    """Another process is writing to this database; the message says which and where."""


def _pg_key(url: str) -> int:
    """A stable signed 64-bit advisory-lock key for this database."""
    u = make_url(url)
    digest = hashlib.sha256(f"policy-monitor writer {u.host}:{u.port}/{u.database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


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
        if self._conn is None:
            self._engine = create_engine(self.url, pool_size=1, max_overflow=0)
            self._conn = self._engine.connect()
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _pg_key(self.url)}).scalar())
        self._conn.commit()
        return got

    # ------------------------------------------------------------------ both

    def acquire(self) -> WriterLock:
        if self.backend != "postgresql" and self.path is None:
            return self
        deadline = time.monotonic() + self.wait
        attempt = self._try_pg if self.backend == "postgresql" else self._try_file
        while not attempt():
            if time.monotonic() >= deadline:
                holder = self._holder()
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
            self._engine.dispose()
            self._conn = self._engine = None

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
        self._close()

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
