"""How the daemon's scheduled jobs (the inbox poll, each source, notifications) last ended, in this process.

Why: a job that failed as a whole (every inbox poll, once, died on one file name) was only a log line:
``/healthz`` said ok and no counter moved. The daemon records each run here; ``/metrics`` counts the
failures (``policy_monitor_job_failures_total``) and ``/healthz`` answers "degraded" while a job's last run
failed. In-process on purpose: a damaged database, one reason a job fails, could not record it.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Failing:
    job: str
    since: dt.datetime
    error: str


_lock = threading.Lock()
_failures: dict[str, int] = {}
_failing: dict[str, Failing] = {}


def failed(job: str, exc: BaseException, now: dt.datetime | None = None) -> None:
    message = next((line for line in str(exc).splitlines() if line.strip()), "")
    with _lock:
        _failures[job] = _failures.get(job, 0) + 1
        since = _failing[job].since if job in _failing else (now or dt.datetime.now(dt.timezone.utc))
        _failing[job] = Failing(job, since, f"{type(exc).__name__}: {message}"[:500])


def succeeded(job: str) -> None:
    with _lock:
        _failing.pop(job, None)


def failures() -> dict[str, int]:
    """Failed runs per job since this process started."""
    with _lock:
        return dict(_failures)


def failing() -> list[Failing]:
    """Jobs whose last run failed, oldest failure first."""
    with _lock:
        return sorted(_failing.values(), key=lambda f: f.since)


def reset() -> None:
    """Forget everything (tests running several daemons in one process)."""
    with _lock:
        _failures.clear()
        _failing.clear()
