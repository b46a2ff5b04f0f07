"""Caches of rendered documents keyed by the store's data version: one per process, or one shared by all.

What holds, for both: :meth:`get` never returns a value built for another data
version, and while one request builds a value the others asking for the same
key wait for it instead of building it again (20 readers arriving at once cost
one render, and the waiting threads hold no GIL).

:class:`SharedCache` keeps its values in files in one folder that every render
process of a server reads (:mod:`monitor.web.renderpool` makes the folder and
removes it with the server), and its build lock is a ``flock`` on a file, so it
holds across processes: a data change costs one rebuild of a page, not one per
render process (``tests/test_renderpool.py`` counts them).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class DocumentCache(Protocol[T]):
    def get(self, key: Hashable, version: int, build: Callable[[], T]) -> T: ...


class VersionedCache(Generic[T]):
    """In this process's memory."""

    def __init__(self, max_entries: int = 512):
        self.max_entries = max_entries
        self._values: dict[Hashable, tuple[int, T]] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def _hit(self, key: Hashable, version: int) -> tuple[bool, T | None]:
        with self._lock:
            hit = self._values.get(key)
            return (True, hit[1]) if hit is not None and hit[0] == version else (False, None)

    def get(self, key: Hashable, version: int, build: Callable[[], T]) -> T:
        found, value = self._hit(key, version)
        if found:
            return value  # type: ignore[return-value]
        with self._lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            found, value = self._hit(key, version)  # built by the request we waited for
            if found:
                return value  # type: ignore[return-value]
            built = build()
            with self._lock:
                if len(self._values) >= self.max_entries:
                    self._values.clear()  # a new data version makes most entries useless anyway
                    self._building.clear()
                self._values[key] = (version, built)
            return built


class SharedCache(Generic[T]):
    """In files under ``folder``, shared by every process that opens the same folder.

    An entry is one file per key and data version (``<key digest>-<version>``), written whole to a temporary
    name and renamed into place, so a reader sees a complete value or none. Keys are tuples of plain values
    (their ``repr`` is the key). Past ``max_entries`` files the oldest half go: most belong to versions no
    reader asks for any more.
    """

    def __init__(self, folder: Path, max_entries: int = 512):
        self.folder = folder
        self.max_entries = max_entries
        folder.mkdir(parents=True, exist_ok=True)
        self._writes = 0

    @staticmethod
    def _digest(key: Hashable) -> str:
        return hashlib.sha256(repr(key).encode()).hexdigest()[:32]

    def _read(self, path: Path) -> tuple[bool, T | None]:
        try:
            with open(path, "rb") as f:
                return True, pickle.load(f)
        except FileNotFoundError:
            return False, None

    @contextlib.contextmanager
    def _locked(self, digest: str) -> Iterator[None]:
        # A flock belongs to an open file description: two threads of one process exclude each other too.
        # Blocking in flock holds no GIL. 256 lock files, by the key's first byte: never removed (removing a
        # lock file someone waits on breaks the exclusion), and two keys rarely share one.
        fd = os.open(self.folder / f"{digest[:2]}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the lock

    def get(self, key: Hashable, version: int, build: Callable[[], T]) -> T:
        digest = self._digest(key)
        path = self.folder / f"{digest}-{version}"
        found, value = self._read(path)
        if found:
            return value  # type: ignore[return-value]
        with self._locked(digest):
            found, value = self._read(path)  # built by the request (of any process) we waited for
            if found:
                return value  # type: ignore[return-value]
            built = build()
            self._write(path, built)
            return built

    def _write(self, path: Path, value: T) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._writes += 1
        if self._writes % 32 == 0:
            self._trim()

    def _trim(self) -> None:
        entries = []
        for entry in os.scandir(self.folder):
            if "-" in entry.name and not entry.name.startswith(".") and not entry.name.endswith(".lock"):
                with contextlib.suppress(OSError):
                    entries.append((entry.stat().st_mtime, entry.path))
        if len(entries) <= self.max_entries:
            return
        entries.sort()
        for _, old in entries[:len(entries) // 2]:
            with contextlib.suppress(OSError):
                os.unlink(old)  # a reader that opened it still reads it whole
