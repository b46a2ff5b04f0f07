"""The daemon: APScheduler polls the sources, processes what is new, and the web side serves it.

What holds:

* one writer per database: the daemon holds the writer lock
  (:mod:`monitor.store.lock`) for its whole life, so a second daemon refuses
  to start and a writing command beside it waits, then refuses;
* start-up finishes unfinished analysis (a killed run) before polling;
* jobs never overlap themselves (``max_instances=1``, ``coalesce=True``) and a
  run missed while busy or asleep is caught up once (``misfire_grace_time=None``);
  jobs are rebuilt from config at every start;
* SIGTERM/SIGINT stop polling after the current letter (each letter is its own
  transaction, so a crash or stop never leaves half a letter behind), then
  the HTTP server and scheduler shut down cleanly.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from .config import Settings, SourceSpec
from .ingest import inbox_candidates, ingest_one
from .metrics import ANALYSIS_SECONDS, POLL_SECONDS
from .polling import PollResult, poll_source
from .process import analyse_letters
from .store.db import open_database, session_factory, utcnow
from .store.letters import ERROR
from .sources.http import Fetcher
from .store.lock import WriterLock
from .timeline import Timeline

log = logging.getLogger("monitor.daemon")


class Monitor:
    """The polling work, shared by the scheduler jobs; stoppable between letters."""

    def __init__(self, settings: Settings, now: Callable[[], dt.datetime] = utcnow):
        self.settings = settings
        self.now = now
        self.engine = open_database(settings.database.url, create=True,
                                    busy_timeout=settings.database.busy_timeout_seconds)
        self.sessions = session_factory(self.engine)
        self.timeline = Timeline(settings)
        self.stopping = threading.Event()
        self.max_bytes = int(settings.inbox.max_file_mb * 1024 * 1024)

    def poll_inbox(self) -> int:
        """Ingest what is new in the inbox folders, then analyse it. Returns letters stored or updated."""
        changed: list[int] = []
        for cand in inbox_candidates(self.settings.inbox.folders, self.settings.inbox.extensions, self.max_bytes):
            if self.stopping.is_set():
                log.info("stopping: inbox poll ends after the current letter")
                break
            result = ingest_one(self.sessions, cand, self.now(), self.max_bytes)
            fields = {"source": "inbox", "letter": result.letter_key, "locator": cand.locator,
                      "outcome": result.outcome}
            if result.changed and result.letter_id is not None:
                log.info("ingested %s: %s", cand.locator, result.message, extra=fields)
                changed.append(result.letter_id)
            elif result.outcome == ERROR:  # a known failure (failed_before) was reported when it happened
                log.error("failed %s: %s", cand.locator, result.message, extra=fields)
        self.analyse(changed)
        return len(changed)

    def poll(self, spec: SourceSpec, fetcher: Fetcher | None = None) -> PollResult:
        """Poll one remote source once, then analyse what it stored (also after a failed or stopped poll)."""
        result = poll_source(self.sessions, spec, now=self.now, stop=self.stopping, fetcher=fetcher)
        self.analyse(result.changed)
        return result

    def jobs(self) -> dict[str, tuple[Callable[[], Any], int]]:
        """The polling jobs: the inbox, and one per enabled remote source."""
        jobs: dict[str, tuple[Callable[[], Any], int]] = {
            "inbox": (self.poll_inbox, self.settings.schedule.inbox_seconds)}
        for spec in self.settings.sources:
            if spec.enabled:
                jobs[f"source:{spec.name}"] = (functools.partial(self.poll, spec), self.settings.schedule.remote_seconds)
        return jobs

    def analyse(self, changed: list[int]) -> str:
        """Bring the analysis up to date: ``changed`` letters and whatever the store marks due."""
        with ANALYSIS_SECONDS.time():
            summary = analyse_letters(self.sessions, self.settings, self.now(), changed, timeline=self.timeline)
        if summary:
            log.info("%s", summary)
        return summary


def build_scheduler(monitor: Monitor, jobs: dict[str, tuple[Callable[[], Any], int]]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=dt.timezone.utc, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    for name, (func, seconds) in jobs.items():
        scheduler.add_job(_guard(name, func), "interval", seconds=max(1, seconds), id=name, name=name,
                          replace_existing=True, next_run_time=dt.datetime.now(dt.timezone.utc))
    return scheduler


def _guard(name: str, func: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            with POLL_SECONDS.labels(name.removeprefix("source:")).time():
                func()
        except Exception:  # a failing poll is logged and retried next interval, never kills the daemon
            log.exception("job %s failed", name)
    return run


def run_daemon(settings: Settings, host: str, port: int, serve: bool = True, once: bool = False) -> int:
    """Raises :class:`~monitor.store.lock.WriterBusy` when another writer holds the database."""
    lock = WriterLock(settings.database.url, settings.root / "var", wait=0, what="policy-monitor run")
    lock.acquire()
    early_stop = threading.Event()

    def stop_early(sig: int, frame: Any) -> None:  # a signal during start-up: stop after the current letter
        early_stop.set()
        if monitor is not None:
            monitor.stopping.set()
    signal.signal(signal.SIGTERM, stop_early)  # until the serving loop installs its own
    signal.signal(signal.SIGINT, stop_early)
    monitor: Monitor | None = None
    try:
        monitor = Monitor(settings)
        if early_stop.is_set():
            monitor.stopping.set()
        summary = monitor.analyse([])  # finish what a killed run left unfinished, before new work
        log.info("start-up: %s", summary or "nothing unfinished")
        if early_stop.is_set():
            monitor.engine.dispose()
            log.info("stopped cleanly")
            return 0
        jobs = monitor.jobs()
        if settings.subscriptions:  # its own job: a slow mail server or webhook never holds up ingest
            from . import notify  # noqa: PLC0415
            mailing = settings.serving(host, port)  # links in messages need the server's address
            with monitor.sessions() as session:  # subscriptions hear of change sets from now on, not before
                notify.start(session, mailing, monitor.now())
                session.commit()
            jobs["notify"] = (lambda: notify.run(monitor.sessions, mailing, monitor.now),
                              settings.schedule.notify_seconds)
        if once:
            for func, _ in jobs.values():
                func()
            return 0
        scheduler = build_scheduler(monitor, jobs)
        scheduler.start()
        log.info("polling every %ss: %s", settings.schedule.inbox_seconds, ", ".join(settings.inbox.folders))
        try:
            if serve:
                import uvicorn

                from .api import create_server
                config = uvicorn.Config(create_server(settings.serving(host, port)), host=host, port=port, log_level="info",
                                        access_log=False, lifespan="off", log_config=None)
                server = uvicorn.Server(config)
                original = server.handle_exit

                def handle_exit(sig: int, frame: Any) -> None:
                    monitor.stopping.set()  # polling stops after the current letter
                    original(sig, frame)
                server.handle_exit = handle_exit  # type: ignore[method-assign]

                # uvicorn re-raises the signal it caught once it has shut down; with these
                # handlers in place that ends here, in an orderly stop, not in a hard kill.
                def after_server(sig: int, frame: Any) -> None:
                    monitor.stopping.set()
                signal.signal(signal.SIGTERM, after_server)
                signal.signal(signal.SIGINT, after_server)
                if not early_stop.is_set():
                    log.info("serving on http://%s:%d/", host, port)
                    server.run()
            else:
                stop = threading.Event()

                def on_signal(sig: int, frame: Any) -> None:
                    monitor.stopping.set()
                    stop.set()
                signal.signal(signal.SIGTERM, on_signal)
                signal.signal(signal.SIGINT, on_signal)
                if early_stop.is_set():
                    stop.set()
                stop.wait()
        finally:
            monitor.stopping.set()
            scheduler.shutdown(wait=True)
            monitor.engine.dispose()
            log.info("stopped cleanly")
        return 0
    finally:
        lock.release()
