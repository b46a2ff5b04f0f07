"""The Dutch HTML pages: home, search and filters, letters, topics with their timeline, change sets, compare.

Each handler is a module-level function ``(web, request) -> Response``: it checks the request's parameters
(a 400 or 404 in Dutch for a bad one), gathers data with the store's query functions (no SQL here) and
:mod:`.views`, and renders a template from ``templates/``; pages are cached per data version.
Every list is limited in SQL; nothing needs JavaScript.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..compare import compare_letters
from ..config import SubjectSettings
from ..feed import KIND_NL
from ..model import ChangeKind
from ..publish import changesets, recent_changesets, shown_source
from ..store import analysis, browse, queries
from ..store import changes as change_store
from ..store import review as review_store
from ..store import search as search_store
from ..store.models import Letter
from ..subjects import unfollowed
from . import views
from .chart import layout
from .common import Web, date_param, find_letter, int_param, path_quote
from .feeds import valid_dossier
from .jsonapi import check_kinds

PAGE = 20  # results per page of a list
LETTERS_PAGE = 50
TIMELINE_ROWS = 25  # letters in a topic's timeline table: around the date asked; the chart shows them all


def _pager(request: Request, total: int, per: int) -> dict[str, Any]:
    """Page number, and links to the previous and next page keeping every other parameter."""
    page = int_param(request, "pagina", 1, 1, 1_000_000)

    def link(n: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "pagina"] + [("pagina", str(n))]
        return f"{request.url.path}?{urlencode(params)}"
    last = max(1, -(-total // per))
    return {"page": page, "last": last, "offset": (page - 1) * per, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < last else None}


def _side(request: Request) -> str:
    """``weergave``: the diff in the text (inline) or the two versions side by side (naast)."""
    side = request.query_params.get("weergave", "inline")
    if side not in ("inline", "naast"):
        raise HTTPException(400, "weergave: inline of naast")
    return side


def timeline_rows(points: list[browse.TimelinePoint], day: dt.date
                  ) -> tuple[list[browse.TimelinePoint], browse.TimelinePoint | None, browse.TimelinePoint | None]:
    """The letters the timeline table shows (oldest first): at most :data:`TIMELINE_ROWS` around ``day``,
    with a few later ones above the letter in force; and the nearest older and newer letter left out."""
    seen = sum(1 for p in points if p.date <= day)  # the letters of ``day`` and before
    end = min(len(points), seen + TIMELINE_ROWS // 3)
    start = max(0, end - TIMELINE_ROWS)
    end = min(len(points), start + TIMELINE_ROWS)
    return (points[start:end], points[start - 1] if start > 0 else None,
            points[end] if end < len(points) else None)


def _subject_context(web: Web, subject: SubjectSettings) -> dict[str, Any]:
    """What every page on one followed subject shows: which it is, how to stay on it, where its feeds are."""
    first = web.settings.is_first(subject)
    return {"subject": subject, "sq": web.subject_query(subject), "sqa": web.subject_query(subject, "&"),
            "subject_feed": "/feed.atom" if first else f"/onderwerpen/{subject.slug}.atom",
            "topic_feed": (lambda t: f"/topics/{path_quote(t)}.atom" if first
                           else f"/onderwerpen/{subject.slug}/{path_quote(t)}.atom")}


def home(web: Web, request: Request) -> Response:
    """The front page: the twenty most recent change sets of a followed subject, how many letters there are,
    and the letters of the last week about subjects not followed (with the line that follows them)."""
    subject = web.subject(request)

    def build(session: Session) -> str:
        keys = web.settings.subject_keys(subject)
        slug = "" if web.settings.is_first(subject) else subject.slug
        recent = recent_changesets(session, web.base, letters=20, limit=20, subject=keys, slug=slug)
        counts = browse.changeset_counts(session, letter_ids=change_store.recent_letters(session, 20, subject=keys),
                                         subject=keys)
        return web.render("home.html", recent=recent, counts=counts, letters=browse.letter_count(session),
                          kinds=KIND_NL, filters={}, unfollowed=unfollowed(session, dt.datetime.now(dt.timezone.utc)),
                          **_subject_context(web, subject))
    return web.cached_html(request, build)

def letters_index(web: Web, request: Request) -> Response:
    """Every letter, newest first, paged; ``dossier`` narrows it to one dossier."""
    dossier = request.query_params.get("dossier") or None
    if dossier is not None and not valid_dossier(dossier):
        raise HTTPException(400, "dossier: alleen letters en cijfers")

    keys = web.settings.subject_keys(web.subject(request))

    def build(session: Session) -> str:
        total = browse.letter_count(session, dossier)
        pager = _pager(request, total, LETTERS_PAGE)
        rows, _ = browse.letters_page(session, LETTERS_PAGE, pager["offset"], dossier)
        counts = browse.letter_counts(session, rows, keys)
        return web.render("letters.html", letters=rows, counts=counts, pager=pager, dossier=dossier)
    return web.cached_html(request, build)

def letter_page(web: Web, request: Request) -> Response:
    """One letter: its statements with their topics, its sources and its change sets."""
    key = request.path_params["key"]
    if (moved := web.moved(request, key)) is not None:
        return moved
    subject = web.subject(request)

    def build(session: Session) -> str:
        letter = find_letter(session, key)
        per = web.settings.limits.letter_page_statements
        page = int_param(request, "pagina", 1, 1, 1_000_000)
        records, total = queries.statement_page(session, letter, per, (page - 1) * per)
        pager = _pager(request, total, per)
        tops = analysis.topic_rows(session, [r.id for r in records])
        sources = list(dict.fromkeys(shown_source(s.locator) for s in queries.sources(session, letter)))
        keys = web.settings.subject_keys(subject)
        sets = changesets(session, web.base, letter_key=letter.key, subject=keys,
                          slug="" if web.settings.is_first(subject) else subject.slug)
        counts = browse.changeset_counts(session, letter_ids=(letter.id,), subject=keys)
        return web.render("letter.html", letter=letter, statements=records, topics_of=tops, sources=sources,
                          changesets=sets, counts=counts, pager=pager)
    return web.cached_html(request, build)

def topics_index(web: Web, request: Request) -> Response:
    """The topics with how many items their change sets show (:func:`browse.changeset_counts`), and when the
    last came."""
    subject = web.subject(request)

    def build(session: Session) -> str:
        counts = browse.topic_counts(session, web.settings.subject_keys(subject))
        return web.render("topics.html", topics=web.settings.topics, counts=counts, **_subject_context(web, subject))
    return web.cached_html(request, build)

def topic_page(web: Web, request: Request) -> Response:
    """A topic's timeline and its standing position on ``as_of`` (today by default)."""
    topic = web.check_topic(request.path_params["topic"])
    asked = date_param(request, "as_of")
    day = asked or dt.date.today()
    subject = web.subject(request)
    keys, first = web.settings.subject_keys(subject), web.settings.is_first(subject)

    def build(session: Session) -> str:
        points = browse.topic_timeline(session, topic, keys)
        standing = change_store.standing_position(session, topic, day, keys, first)
        earlier = [p for p in points if p.date < day]
        later = [p for p in points if p.date > day]
        # walking back: the letter before the one in force on ``day``
        in_force = earlier[-1] if earlier and not any(p.date == day for p in points) else \
            next((p for p in points if p.date == day), None)
        before = [p for p in points if in_force is not None and p.date < in_force.date]
        spec = next(t for t in web.settings.topics if t.name == topic)
        chart = layout(points, f"/topics/{path_quote(topic)}", day, web.subject_query(subject, "&"))
        rows, older, newer = timeline_rows(points, day)
        return web.render("topic.html", topic=topic, spec=spec, day=day, asked=asked, points=points,
                          rows=rows, older=older, newer=newer,
                          standing=standing, chart=chart, previous=before[-1] if before else None,
                          following=later[0] if later else None, in_force=in_force, kinds=KIND_NL,
                          **_subject_context(web, subject))
    return web.cached_html(request, build)

def changeset_page(web: Web, request: Request) -> Response:
    """What one letter changed on one topic; with a logged-in analyst's review forms (never cached)."""
    topic = web.check_topic(request.path_params["topic"])
    key = request.path_params["key"]
    side = _side(request)
    if (moved := web.moved(request, key)) is not None:
        return moved

    review = web.review_context(request)
    keys = web.settings.subject_keys(web.subject(request))

    def build(session: Session) -> str:
        letter = find_letter(session, key)
        found = change_store.changes(session, change_store.Filters(topic=topic, letter_id=letter.id,
                                                                     hide_rejected=True, subject=keys))
        if not any(v.record.published for v in found):
            raise HTTPException(404, "geen wijzigingen voor deze brief en dit onderwerp")
        items = views.change_items(session, found)
        previous = next((i.old.letter for i in items if i.old is not None), None)
        return web.render("changeset.html", topic=topic, letter=letter, items=items, side=side,
                          previous=previous, review=review)
    if review is not None:  # forms carry this analyst's CSRF token: never cached, never shared
        with web.sessions() as session:
            return HTMLResponse(build(session), headers={"Cache-Control": "no-store"})
    return web.cached_html(request, build)

def compare_page(web: Web, request: Request) -> Response:
    """Two letters on one topic side by side: older → newer, whichever order they were asked in."""
    topic = request.query_params.get("topic") or (web.topics[0] if web.topics else "")
    web.check_topic(topic)
    a_key, b_key = request.query_params.get("a", ""), request.query_params.get("b", "")
    side = _side(request)

    def build(session: Session) -> str:
        points = browse.topic_timeline(session, topic)
        choices = [p.letter for p in points]
        items = None
        a: Letter | browse.LetterRef | None = None
        b: Letter | browse.LetterRef | None = None
        if a_key and b_key:
            older, newer = find_letter(session, a_key), find_letter(session, b_key)
            if (older.date or dt.date.min, older.key) > (newer.date or dt.date.min, newer.key):
                older, newer = newer, older  # always older → newer: "eerder" and "nu" mean what they say
            _, _, pairs = compare_letters(session, web.settings, older, newer, topic)
            items = views.pair_items(session, older, newer, pairs)
            a, b = older, newer
        elif len(choices) >= 2:
            a, b = choices[-2], choices[-1]
        return web.render("compare.html", topic=topic, choices=choices, a=a, b=b, items=items, side=side,
                          a_key=a_key, b_key=b_key)
    return web.cached_html(request, build, search=True)

def search_page(web: Web, request: Request) -> Response:
    """The finder: changes (and, with a search word, statements) by topic, kind, date, dossier, source."""
    q = (request.query_params.get("q") or "").strip()[:200]
    topic = request.query_params.get("topic") or None
    if topic is not None:
        web.check_topic(topic)
    kinds = check_kinds(tuple(k for k in request.query_params.getlist("kind") if k)) or None
    significance = request.query_params.get("betekenis", "")
    if significance not in views.SIGNIFICANCE_NL:
        raise HTTPException(400, f"betekenis: een van {', '.join(k for k in views.SIGNIFICANCE_NL if k)}")
    since, until = date_param(request, "since"), date_param(request, "until")
    dossier = request.query_params.get("dossier") or None
    if dossier is not None and not valid_dossier(dossier):
        raise HTTPException(400, "dossier: alleen letters en cijfers")
    source = request.query_params.get("source") or None
    if source is not None and source not in views.SOURCE_NL:
        raise HTTPException(400, f"source: een van {', '.join(views.SOURCE_NL)}")
    subject = web.subject(request)
    keys = web.settings.subject_keys(subject)
    filters = {"q": q, "topic": topic or "", "kind": kinds or (), "betekenis": significance,
               "onderwerp": "" if web.settings.is_first(subject) else subject.slug,
               "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
               "dossier": dossier or "", "source": source or ""}

    def build(session: Session) -> str:
        matched = search_store.matching_ids(session, q) if search_store.words(q) else None
        f = change_store.Filters(
            topic, since, until, kinds, published={"published": True, "kept": False}.get(significance),
            dossier=dossier, source_kind=source, min_significance=views.HIGH if significance == "high" else None,
            statement_ids=matched, hide_rejected=True, subject=keys)
        total = change_store.count_changes(session, f)
        pager = _pager(request, total, PAGE)
        found = change_store.changes(session, f, limit=PAGE, offset=pager["offset"])
        confirmed = {u for u, st in review_store.statuses(session, {v.record.uid for v in found}).items()
                     if st.verdict == review_store.STATE[review_store.CONFIRM]}
        hits: list[search_store.Hit] = []
        n_hits = 0
        if matched is not None:
            on_topic = search_store.on_topic(topic) if topic else None
            hits, n_hits = search_store.search_statements(session, q, PAGE, pager["offset"], on_topic,
                                                          since, until, dossier, ids=matched)
        return web.render("search.html", filters=filters, changes=found, confirmed=confirmed, total=total,
                          pager=pager,
                          hits=[(h, views.highlight(h.statement.text, q)) for h in hits], n_hits=n_hits,
                          kinds=KIND_NL, published_kinds=ChangeKind.published(), dossiers=browse.dossiers(session),
                          sources=[(s, views.SOURCE_NL.get(s, s)) for s in browse.source_kinds(session)],
                          significances=views.SIGNIFICANCE_NL)
    return web.cached_html(request, build, search=True)

def changes_index(web: Web, request: Request) -> Response:
    """The list of changes is the finder without a search word."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/search{query}", status_code=307)


# path → handler; feeds come first in the app (their "/topics/{topic}.atom" would also match a page's path)
VIEWS = (
    ("/", home), ("/search", search_page), ("/changes", changes_index),
    ("/letters", letters_index), ("/letters/{key}", letter_page),
    ("/topics", topics_index), ("/topics/{topic}", topic_page),
    ("/changes/{key}/{topic}", changeset_page), ("/compare", compare_page),
)


def routes(web: Web) -> list[Route]:
    """The pages' routes, each handler bound to ``web`` (the app's settings, sessions, caches, templates)."""
    return [web.view(path, handler) for path, handler in VIEWS]

