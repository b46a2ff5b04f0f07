"""The HTTP service: Atom feeds, Dutch HTML pages and a read-only JSON API (Starlette).

What holds: the reading side opens the database read-only (SQLite ``query_only``,
PostgreSQL read-only transactions) and routes only GET/HEAD; the only other
routes are the writing ones of :mod:`monitor.web.review` (login, logout,
reviews), which need a login or the API token and use their own engine with
write rights. Every filter is
a bound parameter or a checked value, and bad requests get a 4xx with a Dutch
message, as JSON or as a page, whichever the client asked for (:mod:`monitor.web.errors`), never a 500.

Never stalls: every endpoint that touches the database is a plain ``def``,
which Starlette runs in its thread pool, so the event loop keeps answering
while pages render; as served (:func:`create_server`), pages render in worker
processes (:mod:`monitor.web.renderpool`) and ``/healthz`` never shares the
GIL with them. Feeds and pages are cached by the data
version (:mod:`monitor.webcache`); responses are gzipped for clients that
accept it; ``Last-Modified`` is the time the store last changed.

The routes live by concern in :mod:`monitor.web` (feeds, pages, JSON API);
this module puts them together.
"""
from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Route

from .config import Settings
from .store.db import make_engine
from .store.version import VersionProbe
from .web import errors, feeds, jsonapi, pages, review
from .web.common import Web
from .web.renderpool import RenderPool
from .web.jsonapi import letter_dict  # noqa: F401 - kept importable from here
from .web.review import Writer
from .metrics import metrics_endpoint

__all__ = ["create_app", "create_server", "letter_dict"]


def create_app(settings: Settings, engine: Engine | None = None, write_engine: Engine | None = None,
               cache_dir: Path | None = None, ready: Callable[[], bool] | None = None) -> Starlette:
    """The whole app. ``cache_dir``: a folder for page and feed caches shared with the other render processes
    of a server (:class:`monitor.webcache.SharedCache`); without it the caches live in this process. ``ready``:
    whether the daemon serving it has finished its first analysis (``/healthz`` says "starting" until then);
    None for a server beside no daemon (``serve``), which is ready at once."""
    # Hand the GIL over every 1 ms instead of 5 ms: a render thread then delays /healthz and the
    # event loop by a millisecond at a time, not five (bench/healthz.py).
    sys.setswitchinterval(0.001)
    # A page over 1,000 letters makes ~10^5 short-lived ORM objects; with the default thresholds the
    # cyclic collector then runs full collections that hold the GIL for hundreds of milliseconds.
    gc.set_threshold(50_000, 50, 1000)
    engine = engine or make_engine(settings.database.url, readonly=True,
                                   busy_timeout=settings.database.busy_timeout_seconds)
    web = Web(settings, engine, cache_dir)
    if ready is not None:
        web.ready = ready
    # the writing side (reviews, logins) has its own engine with write rights; reading never gets one
    writer = Writer(web, write_engine or make_engine(settings.database.url,
                                                     busy_timeout=settings.database.busy_timeout_seconds))
    web.review_context = writer.context

    # feeds first: "/topics/{topic}.atom" before the page "/topics/{topic}", which would match it too
    routes = [*feeds.routes(web), *jsonapi.routes(web), *pages.routes(web), *review.routes(web, writer),
              Route("/metrics", metrics_endpoint(settings, engine), methods=["GET"])]
    # errors in Dutch, as JSON or a page as the client asked (monitor.web.errors)
    return Starlette(routes=routes, exception_handlers=errors.handlers(web),
                     middleware=[Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)])


def create_server(settings: Settings, ready: Callable[[], bool] | None = None) -> Starlette | RenderPool:
    """The app as ``serve`` and the daemon run it: pages rendered by ``server.render_processes`` worker
    processes (:mod:`monitor.web.renderpool`), health, metrics and writes answered here; or, with 0
    render processes, the app itself. ``ready``: see :func:`create_app` (only this process answers ``/healthz``)."""
    engine = make_engine(settings.database.url, readonly=True, busy_timeout=settings.database.busy_timeout_seconds)
    app = create_app(settings, engine, ready=ready)
    if settings.server.render_processes == 0:
        return app
    return RenderPool(app, create_app, settings, settings.server.render_processes, version=VersionProbe(engine))
