"""Prometheus metrics (``GET /metrics``) and the source-health verdict ``/healthz`` uses.

What holds:

* Everything an operator alerts on is read from the database at scrape time
  (ingest log, source cursors, analysis runs, changes), so any process that
  serves HTTP answers the same figures: the daemon (``run``) and read-only
  web workers (``serve``) alike, and a restart loses no counts. The
  ``*_total`` series are counters because the rows they count are never
  deleted.
* Durations measured as they happen (each scheduler job, each analysis) are
  histograms in this process only: they exist where the work runs, the
  daemon.
* A scrape never writes and never raises: a database error becomes
  ``policy_monitor_up 0`` with the error's type, not a 500.

Labels: ``source`` is the configured source name for remote sources and
``folder`` for inbox files (the ingest log records the kind of source, which
is the configured name's kind; several sources of one kind add up).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from . import jobs
from .config import Settings
from .store.db import as_utc, utcnow
from .store.models import AnalysisRun, ChangeRecord, IngestLog, SourceCursor

log = logging.getLogger("monitor.metrics")

# Outcomes of the ingest log that count as a letter ingested, or as a failure.
INGESTED = ("stored", "new_version")
FAILED = ("error", "parked")

# In-process histograms: observed by the daemon where the work happens (see monitor.daemon).
PROCESS = CollectorRegistry(auto_describe=True)
POLL_SECONDS = Histogram("policy_monitor_poll_duration_seconds", "Duration of one poll job (inbox or a remote source)",
                         ["source"], registry=PROCESS, buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600))
ANALYSIS_SECONDS = Histogram("policy_monitor_analysis_duration_seconds",
                             "Duration of one analysis pass (topics and changes of what is new)", registry=PROCESS,
                             buckets=(0.05, 0.25, 1, 5, 15, 60, 300, 1800))


@dataclass(frozen=True)
class FailingSource:
    name: str
    since: dt.datetime
    seconds: float
    error: str


def failing_sources(session: Session, now: dt.datetime) -> list[FailingSource]:
    """Remote sources whose polls have failed without a good one since, longest first."""
    rows = session.execute(select(SourceCursor.name, SourceCursor.failing_since, SourceCursor.last_error)
                           .where(SourceCursor.failing_since.is_not(None))).all()
    out = [FailingSource(name, as_utc(since), (now - as_utc(since)).total_seconds(), error or "")
           for name, since, error in rows if since is not None]
    return sorted(out, key=lambda f: -f.seconds)


def unhealthy_sources(session: Session, settings: Settings, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Sources failing for longer than ``server.unhealthy_after_failing_seconds`` (none when that is 0)."""
    limit = settings.server.unhealthy_after_failing_seconds
    if not limit:
        return []
    return [{"source": f.name, "failing_seconds": round(f.seconds), "since": f.since.isoformat(), "error": f.error}
            for f in failing_sources(session, now or utcnow()) if f.seconds > limit]


def database_bytes(session: Session, url: str) -> int | None:
    """The database's size on disk: PostgreSQL's own count, or the SQLite file with its WAL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return int(session.scalar(select(func.pg_database_size(func.current_database()))) or 0)
    if dialect == "sqlite":
        db = make_url(url).database or ""
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
        return sum(os.path.getsize(p) for p in (db, db + "-wal") if Path(p).exists())
    return None


class StoreCollector(Collector):
    """The figures kept in the database, read at each scrape."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions = sessions
        self.settings = settings

    def collect(self) -> Iterator[Any]:
        yield self.job_failures()  # also when the database cannot be read: that may be why jobs fail
        up = GaugeMetricFamily("policy_monitor_up", "1 when the database answered this scrape", labels=["error"])
        try:
            families = self._families(utcnow())
        except SQLAlchemyError as exc:  # a scrape reports a broken database, it does not fail
            log.warning("metrics: database error: %s", exc)
            up.add_metric([type(getattr(exc, "orig", None) or exc).__name__], 0)
            yield up
            return
        up.add_metric([""], 1)
        yield up
        yield from families

    @staticmethod
    def job_failures() -> CounterMetricFamily:
        """Runs of the daemon's jobs that failed as a whole (in this process: see :mod:`monitor.jobs`)."""
        family = CounterMetricFamily("policy_monitor_job_failures",
                                     "Runs of a scheduled job (inbox, source:NAME, notify) that failed as a whole",
                                     labels=["job"])
        counts = {"inbox": 0, **jobs.failures()}
        for job, n in sorted(counts.items()):
            family.add_metric([job], n)
        return family

    def _families(self, now: dt.datetime) -> list[Any]:
        ingested = CounterMetricFamily("policy_monitor_letters_ingested", "Letters stored or updated, by source",
                                       labels=["source"])
        failed = CounterMetricFamily("policy_monitor_letters_failed",
                                     "Ingest failures (a file or document, or a remote page), by source",
                                     labels=["source"])
        poll_failures = CounterMetricFamily("policy_monitor_source_poll_failures", "Failed polls of a remote source",
                                            labels=["source"])
        failing = GaugeMetricFamily("policy_monitor_source_failing_seconds",
                                    "Seconds a remote source has failed every poll (0: its last poll was good)",
                                    labels=["source"])
        last_good = GaugeMetricFamily("policy_monitor_source_last_good_poll_age_seconds",
                                      "Seconds since a remote source's last good poll", labels=["source"])
        poll_seconds = GaugeMetricFamily("policy_monitor_source_last_poll_duration_seconds",
                                         "Duration of a remote source's last poll", labels=["source"])
        analysis = GaugeMetricFamily("policy_monitor_analysis_last_duration_seconds",
                                     "Duration of the last finished analysis run, by stage", labels=["stage"])
        published = GaugeMetricFamily("policy_monitor_changes_published",
                                      "Current changes published in the feeds")
        size = GaugeMetricFamily("policy_monitor_database_size_bytes", "Size of the database on disk")
        with self.sessions() as session:
            counts = session.execute(select(IngestLog.source_kind, IngestLog.outcome, func.count())
                                     .where(IngestLog.outcome.in_(INGESTED + FAILED))
                                     .group_by(IngestLog.source_kind, IngestLog.outcome)).all()
            for family, outcomes in ((ingested, INGESTED), (failed, FAILED)):
                by_source: dict[str, int] = {"folder": 0}
                for kind, outcome, n in counts:
                    if outcome in outcomes:
                        by_source[kind] = by_source.get(kind, 0) + n
                for source, n in sorted(by_source.items()):
                    family.add_metric([source], n)
            for row in session.scalars(select(SourceCursor).order_by(SourceCursor.name)):
                poll_failures.add_metric([row.name], row.failures or 0)
                since = as_utc(row.failing_since) if row.failing_since else None
                failing.add_metric([row.name], (now - since).total_seconds() if since else 0.0)
                if row.polled_at is not None:
                    last_good.add_metric([row.name], (now - as_utc(row.polled_at)).total_seconds())
                if row.last_poll_seconds is not None:
                    poll_seconds.add_metric([row.name], row.last_poll_seconds)
            for stage in ("topics", "changes"):
                run = session.execute(select(AnalysisRun.started_at, AnalysisRun.finished_at)
                                      .where(AnalysisRun.kind == stage, AnalysisRun.finished_at.is_not(None))
                                      .order_by(AnalysisRun.id.desc()).limit(1)).first()
                if run is not None and run[0] is not None and run[1] is not None:
                    analysis.add_metric([stage], (as_utc(run[1]) - as_utc(run[0])).total_seconds())
            published.add_metric([], session.scalar(
                select(func.count(ChangeRecord.id)).where(ChangeRecord.published.is_(True),
                                                         ChangeRecord.superseded_at.is_(None))) or 0)
            db_bytes = database_bytes(session, self.settings.database.url)
            if db_bytes is not None:
                size.add_metric([], db_bytes)
        return [ingested, failed, poll_failures, failing, last_good, poll_seconds, analysis, published, size]


def metrics_endpoint(settings: Settings, engine: Engine) -> Any:
    """The ``/metrics`` handler (a plain ``def``: Starlette runs it in its thread pool)."""
    from .store.db import session_factory
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(session_factory(engine), settings))

    def metrics(request: Request) -> Response:
        body = generate_latest(registry) + generate_latest(PROCESS)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
    return metrics
