"""The HTTP service: Atom feeds, HTML pages and a read-only JSON API (Starlette).

What holds: the web side opens the database read-only (SQLite ``query_only``,
PostgreSQL read-only transactions), only GET/HEAD are routed, every filter is
a bound parameter or a checked value, and bad requests get a 4xx with a JSON
(or plain) message, never a 500.

Never stalls: every endpoint that touches the database is a plain ``def``,
which Starlette runs in its thread pool, so the event loop (and ``/healthz``)
keeps answering while pages render. Feeds and pages are cached by the data
version (:mod:`monitor.webcache`); responses are gzipped for clients that
accept it; ``Last-Modified`` is the time the store last changed.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import functools
import gc
import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from . import pages
from .config import Settings
from .metrics import metrics_endpoint, unhealthy_sources
from .position import PUBLISHED_KINDS, REAFFIRMED
from .publish import FeedPublisher, changesets, shown_source
from .store import analysis, queries
from .store import changes as change_store
from .store import version as data_version
from .store.db import make_engine, session_factory
from .store.models import Letter
from .webcache import VersionedCache

ATOM = "application/atom+xml; charset=utf-8"
RENDER_THREADS = 2
MAX_LIMIT = 200


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name}: expected a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise HTTPException(400, f"{name}: must be between {lo} and {hi}, got {value}")
    return value


def _date(request: Request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, f"{name}: expected a date YYYY-MM-DD, got {raw!r}") from None


def _bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise HTTPException(400, f"{name}: expected true or false, got {raw!r}")


def letter_dict(letter: Letter, sources: list[str], statements: int | None = None) -> dict[str, Any]:
    d = {"id": letter.key, "title": letter.title, "date": letter.date.isoformat() if letter.date else None,
         "kind": letter.kind, "reference": letter.reference, "dossier": letter.dossier, "sender": letter.sender,
         "url": letter.url, "sources": sources, "html": f"/letters/{letter.key}"}
    if statements is not None:
        d["statements"] = statements
    return d


def _shown_sources(session: Any, letter: Letter) -> list[str]:
    return list(dict.fromkeys(shown_source(s.locator) for s in queries.sources(session, letter)))


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    # Hand the GIL over every 1 ms instead of 5 ms: a render thread then delays /healthz and the
    # event loop by a millisecond at a time, not five (bench/healthz.py).
    sys.setswitchinterval(0.001)
    # A page over 1,000 letters makes ~10^5 short-lived ORM objects; with the default thresholds the
    # cyclic collector then runs full collections that hold the GIL for hundreds of milliseconds.
    gc.set_threshold(50_000, 50, 1000)
    engine = engine or make_engine(settings.database.url, readonly=True,
                                   busy_timeout=settings.database.busy_timeout_seconds)
    sessions = session_factory(engine)
    publisher = FeedPublisher(settings)
    page_cache: VersionedCache[str] = VersionedCache()
    topics = settings.topic_names
    base = settings.feed.base_url.rstrip("/")

    def check_topic(topic: str) -> str:
        if topic not in topics:
            raise HTTPException(404, f"unknown topic {topic!r}; topics: {', '.join(topics)}")
        return topic

    def feed_response(request: Request, scope: str, value: str | None, archive: int | None) -> Response:
        with sessions() as session:
            try:
                doc = publisher.document(session, scope, value, archive)
            except IndexError:
                raise HTTPException(404, f"no archive page {archive}") from None
        headers = {"ETag": doc.etag, "Cache-Control": "public, max-age=60"}
        if doc.updated:
            headers["Last-Modified"] = doc.updated
        inm = request.headers.get("if-none-match")
        if inm is not None:  # RFC 9110 §13.1.3: If-None-Match wins over If-Modified-Since
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            if doc.etag in tags or "*" in tags:
                return Response(status_code=304, headers=headers)
        elif doc.updated and request.headers.get("if-modified-since"):
            try:  # both sides at whole seconds, as HTTP dates are
                since = email.utils.parsedate_to_datetime(request.headers["if-modified-since"])
                if since >= email.utils.parsedate_to_datetime(doc.updated):
                    return Response(status_code=304, headers=headers)
            except (TypeError, ValueError):
                pass  # an unparseable date is ignored, as RFC 9110 says
        return Response(doc.body, media_type=ATOM, headers=headers)

    def path_archive(request: Request) -> int | None:
        raw = request.path_params.get("n")
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000_000:  # "²" is a digit to str
            raise HTTPException(404, "no such archive page")
        return int(raw)

    def feed_all(request: Request) -> Response:
        return feed_response(request, "all", None, path_archive(request))

    def feed_topic(request: Request) -> Response:
        return feed_response(request, "topic", check_topic(request.path_params["topic"]), path_archive(request))

    def feed_dossier(request: Request) -> Response:
        dossier = request.path_params["dossier"]
        if not (dossier.isascii() and dossier.isalnum()) or len(dossier) > 20:
            raise HTTPException(404, "unknown dossier")
        with sessions() as session:
            if session.scalar(select(Letter.id).where(Letter.dossier == dossier).limit(1)) is None:
                raise HTTPException(404, f"no letters in dossier {dossier!r}")
        return feed_response(request, "dossier", dossier, path_archive(request))

    def cached_html(request: Request, build: Callable[[Any], str]) -> Response:
        """An HTML page rendered once per data version (the key: path and query)."""
        with sessions() as session:  # one read transaction: the version and the data agree
            version, _ = data_version.current(session)
            body = page_cache.get((request.url.path, str(request.query_params)), version, lambda: build(session))
        return HTMLResponse(body)

    def home(request: Request) -> Response:
        def build(session: Any) -> str:
            recent = sorted(changesets(session, base, recent=20), key=lambda c: (c.letter.date, c.letter.key),
                            reverse=True)[:20]
            n = session.scalar(select(func.count(Letter.id))) or 0
            return pages.index(settings.feed.title, topics, recent, "/feed.atom", n)
        return cached_html(request, build)

    def changeset_page(request: Request) -> Response:
        topic = check_topic(request.path_params["topic"])
        with sessions() as session:
            sets = changesets(session, base, topic=topic, letter_key=request.path_params["key"])
        if not sets:
            raise HTTPException(404, "no changes for this letter and topic")
        return HTMLResponse(pages.changeset_page(sets[0]))

    def topic_page(request: Request) -> Response:
        topic = check_topic(request.path_params["topic"])
        day = _date(request, "as_of") or dt.date.today()

        def build(session: Any) -> str:
            standing = [(i.letter.key, i.letter.title, str(i.letter.date or ""), i.statement.text)
                        for i in change_store.standing_position(session, topic, day)]
            recent = sorted(changesets(session, base, topic=topic, recent=20),
                            key=lambda c: (c.letter.date, c.letter.key), reverse=True)[:20]
            return pages.topic_page(topic, day.isoformat(), standing, recent)
        return cached_html(request, build)

    def _letter(session: Any, key: str) -> Letter:
        letter = session.scalar(select(Letter).where(Letter.key == key))
        if letter is None:
            raise HTTPException(404, f"no letter {key!r}")
        return letter

    def _statements(session: Any, letter: Letter) -> list[dict[str, Any]]:
        records = queries.statements(session, letter)
        tops = analysis.topic_rows(session, [r.id for r in records])
        return [{"id": r.uid, "position": r.position, "kind": r.kind, "role": r.role, "section": r.section,
                 "text": r.text, "topics": [t.topic for t in tops.get(r.id, [])],
                 "evidence": {t.topic: t.evidence for t in tops.get(r.id, [])}} for r in records]

    def letter_page(request: Request) -> Response:
        def build(session: Any) -> str:
            letter = _letter(session, request.path_params["key"])
            d = letter_dict(letter, _shown_sources(session, letter))
            d["date_obj"] = letter.date
            return pages.letter_page(d, _statements(session, letter), changesets(session, base, letter_key=letter.key))
        return cached_html(request, build)

    # ------------------------------------------------------------------ JSON

    def page_links(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
        nxt = None
        if offset + limit < total:  # every parameter kept, repeated ones too (?kind=a&kind=b)
            params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]
            params += [("limit", str(limit)), ("offset", str(offset + limit))]
            nxt = f"{request.url.path}?{urlencode(params)}"
        return {"total": total, "limit": limit, "offset": offset, "next": nxt}

    def api_letters(request: Request) -> Response:
        limit = _int(request, "limit", 50, 1, MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, 10_000_000)
        since, until = _date(request, "since"), _date(request, "until")
        with sessions() as session:
            rows = queries.letters(session)
            rows = [l for l in rows if (since is None or queries.effective_date(l) >= since)
                    and (until is None or queries.effective_date(l) <= until)]
            counts = queries.statement_counts(session)
            items = [letter_dict(l, _shown_sources(session, l), counts.get(l.id, 0))
                     for l in rows[offset:offset + limit]]
        return JSONResponse({"items": items, **page_links(request, len(rows), limit, offset)})

    def api_letter(request: Request) -> Response:
        with sessions() as session:
            letter = _letter(session, request.path_params["key"])
            d = letter_dict(letter, _shown_sources(session, letter))
            d["statements"] = _statements(session, letter)
        return JSONResponse(d)

    def api_changes(request: Request) -> Response:
        topic = request.query_params.get("topic")
        if topic is not None:
            check_topic(topic)
        kinds = tuple(request.query_params.getlist("kind")) or None
        allowed = PUBLISHED_KINDS + (REAFFIRMED,)
        for k in kinds or ():
            if k not in allowed:
                raise HTTPException(400, f"kind: {k!r} is not one of {', '.join(allowed)}")
        limit = _int(request, "limit", 50, 1, MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, 10_000_000)
        published = _bool(request, "published")
        letter_id = None
        with sessions() as session:
            if request.query_params.get("letter"):
                letter_id = _letter(session, request.query_params["letter"]).id
            f = change_store.Filters(topic, _date(request, "since"), _date(request, "until"), kinds, letter_id,
                                     published=published)
            views = change_store.changes(session, f, limit=limit, offset=offset)
            total = change_store.count_changes(session, f)
            items = [v.as_dict() for v in views]
        return JSONResponse({"items": items, **page_links(request, total, limit, offset)})

    def api_position(request: Request) -> Response:
        topic = check_topic(request.path_params["topic"])
        day = _date(request, "as_of") or dt.date.today()
        with sessions() as session:
            items = [{"statement": i.statement.uid, "text": i.statement.text, "letter": i.letter.key,
                      "letter_title": i.letter.title, "date": i.letter.date.isoformat() if i.letter.date else None,
                      "sources": [shown_source(s) for s in i.sources]}
                     for i in change_store.standing_position(session, topic, day)]
        return JSONResponse({"topic": topic, "as_of": day.isoformat(), "items": items})

    def api_topics(request: Request) -> Response:
        return JSONResponse({"items": [{"name": t.name, "label": t.label, "description": t.description,
                                        "feed": f"/topics/{t.name}.atom"} for t in settings.topics]})

    def healthz(request: Request) -> Response:  # in the thread pool: never waits behind a page render
        try:
            with sessions() as session:
                n = len(list(session.scalars(select(Letter.id).limit(1))))
                failing = unhealthy_sources(session, settings)
        except Exception as exc:  # noqa: BLE001 - report, don't crash, the health check
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
        if failing:  # a source down for longer than server.unhealthy_after_failing_seconds
            return JSONResponse({"status": "unhealthy", "database": "reachable", "failing": failing}, status_code=503)
        return JSONResponse({"status": "ok", "database": "reachable", "letters": n > 0})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/") or request.url.path.endswith(".atom"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(pages.page("Fout", f"<h1>{exc.status_code}</h1><p>{pages.e(exc.detail)}</p>"),
                            status_code=exc.status_code)

    # At most RENDER_THREADS requests do database and rendering work at once; the others wait
    # blocked on the semaphore, holding no GIL, so /healthz and the event loop get the CPU at once.
    slots = threading.BoundedSemaphore(RENDER_THREADS)

    def limited(endpoint: Callable[[Request], Response]) -> Callable[[Request], Response]:
        @functools.wraps(endpoint)
        def run(request: Request) -> Response:
            with slots:
                return endpoint(request)
        return run

    get: Callable[..., Route] = lambda path, ep: Route(path, limited(ep), methods=["GET", "HEAD"])  # noqa: E731
    routes = [
        get("/", home), Route("/healthz", healthz, methods=["GET", "HEAD"]),
        get("/feed.atom", feed_all), get("/feed/archive/{n}.atom", feed_all),
        get("/topics/{topic}.atom", feed_topic), get("/topics/{topic}/archive/{n}.atom", feed_topic),
        get("/dossiers/{dossier}.atom", feed_dossier), get("/dossiers/{dossier}/archive/{n}.atom", feed_dossier),
        get("/topics/{topic}", topic_page), get("/changes/{key}/{topic}", changeset_page),
        get("/letters/{key}", letter_page),
        get("/api/letters", api_letters), get("/api/letters/{key}", api_letter), get("/api/changes", api_changes),
        get("/api/positions/{topic}", api_position), get("/api/topics", api_topics),
        Route("/metrics", metrics_endpoint(settings, engine), methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error},
                     middleware=[Middleware(GZipMiddleware, minimum_size=1000)])
