"""The daemon: APScheduler polls the sources, processes what is new, and the web side serves it.

What holds:

* one writer per database: the daemon holds the writer lock
  (:mod:`monitor.store.lock`) for its whole life, so a second daemon refuses
  to start and a writing command beside it waits, then refuses;
* start-up finishes unfinished analysis (a killed run) before polling;
* jobs never overlap themselves (``max_instances=1``, ``coalesce=True``) and a
  run missed while busy or asleep is caught up once (``misfire_grace_time=None``);
  jobs are rebuilt from config at every start;
* SIGTERM/SIGINT set one stop event, whenever they come (during start-up too):
  polling stops after the current letter (each letter is its own transaction,
  so a crash or stop never leaves half a letter behind), then the HTTP server
  and the scheduler shut down cleanly, and the previous signal handlers are back.
  The HTTP server runs on a thread of its own, where uvicorn installs no signal
  handlers; it is asked to stop through ``Server.should_exit``. A server that
  ends by itself (its port taken) stops the daemon too, with exit status 1.
"""
from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from .config import Settings, SourceSpec
from . import jobs
from .metrics import ANALYSIS_SECONDS, POLL_SECONDS
from .polling import InboxState, PollResult, poll_folders, poll_source
from .process import analyse_letters
from .store.db import open_database, session_factory, utcnow
from .store import health
from .sources.folder import Settle
from .sources.http import Fetcher
from .store.lock import WriterLock
from .timeline import Timeline

log = logging.getLogger("monitor.daemon")


class Monitor:
    """The polling work, shared by the scheduler jobs; stoppable between letters."""

    def __init__(self, settings: Settings, now: Callable[[], dt.datetime] = utcnow,
                 stopping: threading.Event | None = None):
        """``stopping``: the event that, once set, ends polling after the current letter (a new one if None)."""
        self.settings = settings
        self.now = now
        self.engine = open_database(settings.database.url, create=True,
                                    busy_timeout=settings.database.busy_timeout_seconds)
        self.sessions = session_factory(self.engine)
        self.timeline = Timeline(settings)
        self.inbox_state = InboxState()
        self.stopping = stopping if stopping is not None else threading.Event()
        self.max_bytes = int(settings.inbox.max_file_mb * 1024 * 1024)
        # set once the first inbox poll and its analysis are done (or failed): /healthz says "starting" before
        self.ready = threading.Event()
        # a file is taken once it stopped changing (None: as it is, for one-off runs)
        self.settle: Settle | None = Settle(settings.schedule.inbox_seconds)

    def poll_inbox(self) -> PollResult:
        """Ingest what is new in the inbox folders, then analyse what it stored or changed."""
        inbox = self.settings.inbox
        try:
            result = poll_folders(self.sessions, inbox.folders, inbox.extensions, self.max_bytes, now=self.now,
                                  stop=self.stopping, state=self.inbox_state, limits=self.settings.limits,
                                  settle=self.settle)
            self.analyse(result.changed)
        finally:  # a failed first poll is logged and retried; the daemon is up all the same
            self.ready.set()
        return result

    def poll(self, spec: SourceSpec, fetcher: Fetcher | None = None) -> PollResult:
        """Poll one remote source once, then analyse what it stored (also after a failed or stopped poll)."""
        result = poll_source(self.sessions, spec, now=self.now, stop=self.stopping, fetcher=fetcher,
                             limits=self.settings.limits)
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
            summary = analyse_letters(self.sessions, self.settings, self.now(), changed, timeline=self.timeline,
                                      pool=False)
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
        except Exception as exc:  # a failing poll is logged and retried next interval, never kills the daemon
            log.exception("job %s failed", name)
            jobs.failed(name, exc)  # counted in /metrics; /healthz says degraded until a run succeeds
        else:
            jobs.succeeded(name)
    return run


def run_daemon(settings: Settings, host: str, port: int, serve: bool = True, once: bool = False) -> int:
    """Poll, process and (``serve``) serve until SIGTERM or SIGINT; ``once``: poll every source once and return.

    Returns the exit status: 0 after a requested stop, 1 when the HTTP server ended by itself. Raises
    :class:`~monitor.store.lock.WriterBusy` when another writer holds the database.
    """
    lock = WriterLock(settings.database.url, settings.root / "var", wait=0, what="policy-monitor run")
    lock.acquire()
    stop = threading.Event()  # the one stop event: signals set it; polling, the scheduler and the server obey it

    def on_signal(sig: int, frame: Any) -> None:
        # Set from another thread: a handler runs in the main thread between two bytecodes, possibly while
        # that thread holds the event's own lock (inside stop.wait()), and set() taking it here would deadlock.
        if not stop.is_set():
            threading.Thread(target=stop.set, name="stop-on-signal", daemon=True).start()
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        url = settings.database.url
        if not health.unchanged_since_written(url):  # (the last writer's own output was checked)
            health.check_before_writing(url, settings.database.busy_timeout_seconds)  # raises, one line
        health.forget_written(url)
        monitor = Monitor(settings, stopping=stop)
        try:
            code = _run(monitor, host, port, serve, once)
        finally:
            monitor.engine.dispose()
        health.record_written(url)  # stopped cleanly, its connections closed
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.release()
    # Nothing is left to collect: without this the interpreter's last full collection, over the language data and
    # caches the analysis built up, took 5 s after the message below on a busy machine.
    gc.freeze()
    # only now: the server, its render processes, the scheduler and the lock are all gone (an error skips it)
    log.info("stopped cleanly")
    return code


def _run(monitor: Monitor, host: str, port: int, serve: bool, once: bool) -> int:
    settings, stop = monitor.settings, monitor.stopping
    summary = monitor.analyse([])  # finish what a killed run left unfinished, before new work
    log.info("start-up: %s", summary or "nothing unfinished")
    if stop.is_set():
        return 0
    jobs = monitor.jobs()
    if settings.subscriptions:  # its own job: a slow mail server or webhook never holds up ingest
        from . import notify  # noqa: PLC0415
        mailing = settings.serving(host, port)  # links in messages need the server's address
        with monitor.sessions() as session:  # subscriptions hear of change sets from now on, not before
            notify.start(session, mailing, monitor.now())
            session.commit()
        jobs["notify"] = (lambda: notify.run(monitor.sessions, mailing, monitor.now), settings.schedule.notify_seconds)
    if once:
        monitor.settle = None  # one poll: nothing to compare with, the files are taken as they are
        for func, _ in jobs.values():
            func()
        return 0
    scheduler = build_scheduler(monitor, jobs)
    scheduler.start()
    log.info("polling every %ss: %s", settings.schedule.inbox_seconds, ", ".join(settings.inbox.folders))
    try:
        if not serve:
            stop.wait()
            return 0
        return _serve(settings, host, port, stop, monitor.ready.is_set)
    finally:
        stop.set()
        scheduler.shutdown(wait=True)


def _serve(settings: Settings, host: str, port: int, stop: threading.Event, ready: Callable[[], bool]) -> int:
    """Serve HTTP on a thread of its own until ``stop`` is set; 1 when the server ended by itself. ``ready``:
    whether the first poll and analysis are done (``/healthz`` answers "starting" until then)."""
    import uvicorn  # noqa: PLC0415 - only a serving daemon needs it

    from .api import create_server  # noqa: PLC0415
    from .web.renderpool import RenderPool  # noqa: PLC0415
    app = create_server(settings.serving(host, port), ready=ready)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False, lifespan="off",
                            log_config=None, **settings.server.proxy_options())
    server = uvicorn.Server(config)
    ended_by_itself = threading.Event()

    def serve_until_stopped() -> None:
        try:
            server.run()
        except SystemExit:  # uvicorn's way of saying it could not start (the port taken): logged by uvicorn
            pass
        finally:
            if not stop.is_set():
                ended_by_itself.set()
                stop.set()
    thread = threading.Thread(target=serve_until_stopped, name="http-server")
    log.info("serving on http://%s:%d/", host, port)
    thread.start()
    stop.wait()
    server.should_exit = True
    thread.join()
    if isinstance(app, RenderPool):  # lifespan is off, so uvicorn does not: the render processes end before we do
        app.close()
    if ended_by_itself.is_set():
        log.error("the HTTP server ended by itself (see above); the daemon stops")
        return 1
    return 0
