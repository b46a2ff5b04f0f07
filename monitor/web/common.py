"""What the feed, page and JSON modules share: request parameters, the read-only sessions, caches, templates.

Every endpoint that touches the database is a plain ``def`` (Starlette runs it
in its thread pool) and is wrapped by :meth:`Web.limited`, so at most
:data:`RENDER_THREADS` requests do database and rendering work at once.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ..config import Settings, SubjectSettings
from ..feed import dutch_date
from ..publish import FeedPublisher
from ..store import version as data_version
from ..store.health import CachedCheck
from ..store.db import session_factory
from ..store import queries
from ..store.models import Letter
from ..webcache import DocumentCache, SharedCache, VersionedCache

RENDER_THREADS = 2
MAX_LIMIT = 200
TEMPLATES = Path(__file__).resolve().parent / "templates"


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name}: een geheel getal verwacht, niet {raw!r}") from None
    if not lo <= value <= hi:
        raise HTTPException(400, f"{name}: moet tussen {lo} en {hi} liggen, niet {value}")
    return value


def date_param(request: Request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, f"{name}: een datum JJJJ-MM-DD verwacht, niet {raw!r}") from None


def bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise HTTPException(400, f"{name}: true of false verwacht, niet {raw!r}")


def etag_of(body: bytes) -> str:
    """The validator of a document: a hash of its exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(headers: Any, etag: str, last_modified: str | None) -> bool:
    """Does a conditional request (its ``headers``) already hold this document? RFC 9110 §13.1.3:
    ``If-None-Match`` wins over ``If-Modified-Since``; both sides of a date compare at whole seconds.
    The server process answers with this too (:mod:`.renderpool`), from what it remembers of a response."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return etag in tags or "*" in tags
    ims = headers.get("if-modified-since")
    if last_modified and ims:
        try:
            return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False  # an unparseable date is ignored, as RFC 9110 says
    return False


def path_quote(value: str) -> str:
    return quote(value, safe="")


def _environment() -> jinja2.Environment:
    # autoescape on for every template: letter text is data, never markup
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["datum"] = datum = lambda d: dutch_date(d) if d else "datum onbekend"
    env.filters["pq"] = path_quote

    def letter_options(letters: list[Any], selected: str | None) -> markupsafe.Markup:
        """The ``<option>``s of a letter picker, one a letter: "date — whole title", the chosen one selected.

        Joined here rather than in a template loop: a topic's picker lists every letter on it (1,000 and
        more), twice on the compare page, and a loop in the template costs ten times as much.
        """
        escape = markupsafe.escape
        return markupsafe.Markup("".join(
            f'<option value="{escape(l.key)}"{" selected" if l.key == selected else ""}>'
            f'{escape(datum(l.date))} — {escape(l.title or l.key)}</option>'
            for l in letters))
    env.globals["letter_options"] = letter_options
    return env


class Web:
    """The shared state of one app: settings, read-only sessions, caches and templates."""

    def __init__(self, settings: Settings, engine: Engine, cache_dir: Path | None = None):
        """``cache_dir``: the folder of the page and feed caches shared by every render process of a server
        (:class:`SharedCache`); without it each cache is this process's own."""
        self.settings = settings
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.page_cache: DocumentCache[tuple[str, str]]
        self.search_cache: DocumentCache[tuple[str, str]]
        # /healthz: is the store intact (checked at most every server.integrity_check_seconds)
        self.integrity = CachedCheck(engine, settings.server.integrity_check_seconds)
        # searches have unbounded keys: their own small cache, so they never flush the pages'
        if cache_dir is not None:
            self.publisher = FeedPublisher(settings, SharedCache(cache_dir / "feeds"))
            self.page_cache, self.search_cache = SharedCache(cache_dir / "pages"), \
                SharedCache(cache_dir / "searches", max_entries=128)
        else:
            self.publisher = FeedPublisher(settings)
            self.page_cache, self.search_cache = VersionedCache(), VersionedCache(max_entries=128)
        self.templates = Jinja2Templates(env=_environment())
        self.topics = settings.topic_names
        self.labels = {t.name: t.label for t in settings.topics}
        self.base = settings.feed.base_url.rstrip("/")
        self.slots = threading.BoundedSemaphore(RENDER_THREADS)
        # set by the app when it has a writing side: a logged-in analyst's review forms for a request, or None
        self.review_context: Callable[[Request], Any] = lambda request: None
        # set by a daemon's app: False until its first analysis is done (/healthz answers "starting")
        self.ready: Callable[[], bool] = lambda: True
        self.templates.env.globals.update(site_title=settings.feed.title, topic_label=self.label,
                                          topic_names=self.topics, followed=settings.followed)

    def label(self, topic: str) -> str:
        """A topic as readers know it (``terugkeer`` → its label in the config)."""
        return self.labels.get(topic, topic)

    def subject(self, request: Request) -> SubjectSettings:
        """The followed subject a page is asked for (``?onderwerp=NAME``; the first one when not asked)."""
        asked = request.query_params.get("onderwerp") or request.query_params.get("subject")
        if not asked:
            return self.settings.subject
        subject = self.settings.subject_by(asked)
        if subject is None:
            names = ", ".join(s.name or "alles" for s in self.settings.followed)
            raise HTTPException(404, f"onderwerp {asked!r} wordt niet gevolgd; gevolgd: {names}")
        return subject

    def subject_query(self, subject: SubjectSettings, sep: str = "?") -> str:
        """The query that keeps a page on a followed subject other than the first ("" for the first)."""
        return "" if self.settings.is_first(subject) else f"{sep}onderwerp={subject.slug}"

    def check_topic(self, topic: str) -> str:
        if topic not in self.topics:
            raise HTTPException(404, f"onbekend onderwerp {topic!r}; onderwerpen: {', '.join(self.topics)}")
        return topic

    def render(self, name: str, **context: Any) -> str:
        return self.templates.get_template(name).render(**context)

    def cached_html(self, request: Request, build: Callable[[Session], str], search: bool = False) -> Response:
        """An HTML page rendered once per data version (the key: path and query), with its ETag; a
        conditional request that holds it gets a 304."""
        cache = self.search_cache if search else self.page_cache

        def page(session: Session) -> tuple[str, str]:
            body = build(session)
            return body, etag_of(body.encode())
        with self.sessions() as session:  # one read transaction: the version and the data agree
            version, _ = data_version.current(session)
            body, etag = cache.get((request.url.path, str(request.query_params)), version, lambda: page(session))
        if not_modified(request.headers, etag, None):
            return Response(status_code=304, headers={"ETag": etag})
        return HTMLResponse(body, headers={"ETag": etag})

    def moved(self, request: Request, key: str) -> Response | None:
        """A redirect when ``key`` is an old key (or another id) of a letter; None otherwise."""
        with self.sessions() as session:
            return renamed(session, request, key)

    def limited(self, endpoint: Callable[[Request], Response]) -> Callable[[Request], Response]:
        # The others wait blocked on the semaphore, holding no GIL: /healthz and the event loop get the CPU.
        @functools.wraps(endpoint)
        def run(request: Request) -> Response:
            with self.slots:
                return endpoint(request)
        return run

    def get(self, path: str, endpoint: Callable[[Request], Response]) -> Route:
        return Route(path, self.limited(endpoint), methods=["GET", "HEAD"])

    def view(self, path: str, handler: Callable[[Web, Request], Response]) -> Route:
        """A GET route to a module-level ``handler(web, request)``, bound to this app's state."""
        return self.get(path, functools.wraps(handler)(functools.partial(handler, self)))


def find_letter(session: Session, key: str) -> Letter:
    """The letter of a URL's key; a 404 when there is none."""
    letter = queries.letter_by_key(session, key)
    if letter is None:
        raise HTTPException(404, f"geen brief met kenmerk {key!r}")
    return letter


def renamed(session: Session, request: Request, key: str) -> Response | None:
    """A redirect to the letter's current URL when ``key`` is an old key or another id of it (an alias)."""
    new_key = queries.current_key(session, key)
    if new_key is None or new_key == key:
        return None
    path = request.url.path.replace(f"/{path_quote(key)}", f"/{path_quote(new_key)}", 1)
    if path == request.url.path:
        path = request.url.path.replace(f"/{key}", f"/{path_quote(new_key)}", 1)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path + query, status_code=301)
