"""A pool of worker processes for per-letter work, results in order, beside one writer.

The writer (the calling process) keeps identity, the position tracker and every write; the workers only
compute (:mod:`monitor.work`: plain rows back). What holds:

* results come back in the order of the jobs, so the writer stores letters exactly as a single process would,
  and at most ``window`` jobs are ahead of it (memory stays bounded whatever the number of letters);
* the first job runs in the writer before any worker starts: it loads what every later job needs (the
  language files, simplemma's dictionary, the topic scheme's lemmatised terms) once, and the workers are
  forked after it, sharing those pages; a run of one job never starts a pool;
* a worker dies with the writer (``PR_SET_PDEATHSIG``): a killed ingest leaves no orphan holding its output
  pipes open; workers ignore Ctrl-C, which the writer handles (it finishes or abandons its current letter).

Workers inherit the job's context (the topic scheme, the subject) by fork, not by pickling it for each job.
The same shape can hand the jobs to a real queue served by other machines later; nothing here assumes more
than "a function of one job".
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

J = TypeVar("J")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
# What the jobs of the current pool run: set in the writer just before the workers are forked.
_TASK: Callable[[Any], Any] | None = None


def count(configured: int) -> int:
    """Workers for a configured ``analysis.workers`` (0: one per core this process may run on)."""
    if configured:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _start_worker() -> None:
    """In each worker: die with the writer, leave Ctrl-C to it, and give way to it for the CPU: the writer (and
    the tracker process beside it, :mod:`monitor.following`) is what every letter waits for, while the workers
    run ahead (bench/e2e.py, 300 letters on 2 cores, 3 letters in flight to the tracker: 29-30 letters/s at
    niceness 5, 31.4 at 10, 31.0 at 19)."""
    child_of_writer()
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # pragma: no cover - not allowed: equal priority, as before
        pass


def child_of_writer() -> None:
    """In a process forked to work for the writer (a worker, a reading process, the tracker process): die with
    the process that started it (``PR_SET_PDEATHSIG``: a killed ingest leaves no orphan holding its output
    open), end on SIGTERM (a fork keeps the parent's Python handlers, and the daemon's SIGTERM handler means
    "stop gracefully": its exit would wait for the child for ever), and leave Ctrl-C to the parent."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux: it ends when its pipe or queue closes
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


WORKER_NICENESS = 10


def _run(job: Any) -> Any:
    assert _TASK is not None
    return _TASK(job)


def ordered(task: Callable[[J], R], jobs: Iterable[J], workers: int, window: int = 0) -> Iterator[R]:
    """``task(job)`` for every job, in order; on ``workers`` processes when there are two jobs or more.

    ``task`` must be a module-level function (or a partial of one); its context reaches the workers by fork.
    ``window``: jobs handed out ahead of the writer (default: four per worker).
    """
    global _TASK
    it = iter(jobs)
    first = next(it, None)
    if first is None:
        return
    yield task(first)  # loads the language, the lemma dictionary and the scheme's caches before any fork
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(task, it)
        return
    second = next(it, None)
    if second is None:
        return
    _TASK = task
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)
    try:
        pending: deque[Future[R]] = deque([pool.submit(_run, second)])
        limit = window or 4 * workers
        for job in it:
            pending.append(pool.submit(_run, job))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _TASK = None
