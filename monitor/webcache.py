"""A cache of rendered documents keyed by the store's data version.

What holds: :meth:`VersionedCache.get` never returns a value built for another
data version, and while one request builds a value the others asking for the
same key wait for it instead of building it again (20 readers arriving at once
cost one render, and the threads waiting hold no GIL).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class VersionedCache(Generic[T]):
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
