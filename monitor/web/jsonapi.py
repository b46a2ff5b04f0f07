"""The read-only JSON API: letters, changes, standing positions, topics, health. Only additions, never breaks."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import jobs
from ..metrics import unhealthy_sources
from ..model import ChangeKind
from ..publish import shown_source
from ..subjects import unfollowed
from ..store import analysis, browse, queries
from ..store import changes as change_store
from ..store import review as review_store
from ..store.health import first_line, is_damage
from ..store.models import Letter
from .common import MAX_LIMIT, Web, bool_param, date_param, find_letter, int_param

# What a person reading /healthz is told, per status other than "ok" (the desk's language; the status and the
# other fields stay machine-readable for monitoring).
HEALTH_MESSAGES = {
    "starting": "De monitor start: de eerste controle van de inbox en de analyse lopen nog.",
    "unhealthy": "Een bron faalt al langer dan server.unhealthy_after_failing_seconds; zie 'failing'.",
    "degraded": "Een taak van de daemon mislukt bij elke poging; zie 'jobs' en `policy-monitor log --errors`.",
    "malformed": "De database is beschadigd: zet een back-up terug en controleer met `policy-monitor check`.",
    "error": "De database is niet bereikbaar; zie 'error' en de instelling database.url.",
}


def letter_dict(letter: Letter, sources: list[str], statements: int | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": letter.key, "title": letter.title, "date": letter.date.isoformat() if letter.date else None,
         "kind": letter.kind, "reference": letter.reference, "dossier": letter.dossier, "sender": letter.sender,
         "url": letter.url, "sources": sources, "html": f"/letters/{letter.key}"}
    if statements is not None:
        d["statements"] = statements
    return d


def shown_sources(session: Any, letter: Letter) -> list[str]:
    return list(dict.fromkeys(shown_source(s.locator) for s in queries.sources(session, letter)))


def statement_dicts(session: Any, letter: Letter) -> list[dict[str, Any]]:
    records = queries.statements(session, letter)
    tops = analysis.topic_rows(session, [r.id for r in records])
    return [{"id": r.uid, "position": r.position, "kind": r.kind, "role": r.role, "section": r.section,
             "text": r.text, "topics": [t.topic for t in tops.get(r.id, [])],
             "evidence": {t.topic: t.evidence for t in tops.get(r.id, [])}} for r in records]


def with_reviews(session: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each change dict with ``review``: its analysts' verdict, who, when and notes (None: not reviewed)."""
    verdicts = review_store.statuses(session, {d["id"] for d in items})
    for d in items:
        st = verdicts.get(d["id"])
        d["review"] = st.as_dict() if st is not None else None
    return items


def check_kinds(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """``kinds`` when each is a :class:`ChangeKind` (the same list ``changes --kind`` accepts), else a 400."""
    allowed = ChangeKind.values()
    for k in kinds:
        if k not in allowed:
            raise HTTPException(400, f"kind: {k!r} is geen van {', '.join(allowed)}")
    return kinds


def page_links(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = None
    if offset + limit < total:  # every parameter kept, repeated ones too (?kind=a&kind=b)
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]
        params += [("limit", str(limit)), ("offset", str(offset + limit))]
        nxt = f"{request.url.path}?{urlencode(params)}"
    return {"total": total, "limit": limit, "offset": offset, "next": nxt}


def routes(web: Web) -> list[Route]:
    def api_letters(request: Request) -> Response:
        limit = int_param(request, "limit", 50, 1, MAX_LIMIT)
        offset = int_param(request, "offset", 0, 0, 10_000_000)
        since, until = date_param(request, "since"), date_param(request, "until")
        with web.sessions() as session:
            rows = queries.letters(session)
            rows = [l for l in rows if (since is None or queries.effective_date(l) >= since)
                    and (until is None or queries.effective_date(l) <= until)]
            counts = queries.statement_counts(session)
            items = [letter_dict(l, shown_sources(session, l), counts.get(l.id, 0))
                     for l in rows[offset:offset + limit]]
        return JSONResponse({"items": items, **page_links(request, len(rows), limit, offset)})

    def api_letter(request: Request) -> Response:
        with web.sessions() as session:
            letter = find_letter(session, request.path_params["key"])
            d = letter_dict(letter, shown_sources(session, letter))
            d["statements"] = statement_dicts(session, letter)
        return JSONResponse(d)

    def api_changes(request: Request) -> Response:
        topic = request.query_params.get("topic")
        if topic is not None:
            web.check_topic(topic)
        kinds = check_kinds(tuple(request.query_params.getlist("kind"))) or None
        limit = int_param(request, "limit", 50, 1, MAX_LIMIT)
        offset = int_param(request, "offset", 0, 0, 10_000_000)
        published = bool_param(request, "published")
        subject = web.subject(request)  # ?subject=NAME (default: the first followed subject)
        # rejected and merged items are gone everywhere a reader looks; asked for, they come with their verdict
        include_rejected = bool_param(request, "include_rejected") or False
        letter_id = None
        with web.sessions() as session:
            if request.query_params.get("letter"):
                letter_id = find_letter(session, request.query_params["letter"]).id
            f = change_store.Filters(topic, date_param(request, "since"), date_param(request, "until"), kinds,
                                     letter_id, published=published, subject=web.settings.subject_keys(subject),
                                     hide_rejected=not include_rejected)
            views = change_store.changes(session, f, limit=limit, offset=offset)
            total = change_store.count_changes(session, f)
            items = with_reviews(session, [{**v.as_dict(), "subject": subject.name} for v in views])
        return JSONResponse({"items": items, **page_links(request, total, limit, offset)})

    def api_position(request: Request) -> Response:
        topic = web.check_topic(request.path_params["topic"])
        day = date_param(request, "as_of") or dt.date.today()
        subject = web.subject(request)
        keys, first = web.settings.subject_keys(subject), web.settings.is_first(subject)
        with web.sessions() as session:
            items = [{"statement": i.statement.uid, "text": i.statement.text, "letter": i.letter.key,
                      "letter_title": i.letter.title, "date": i.letter.date.isoformat() if i.letter.date else None,
                      "sources": [shown_source(s) for s in i.sources],
                      "verdict": review_store.STATE[review_store.CONFIRM] if i.confirmed else None}
                     for i in change_store.standing_position(session, topic, day, keys, first)]
        return JSONResponse({"topic": topic, "subject": subject.name, "as_of": day.isoformat(), "items": items})

    def api_subjects(request: Request) -> Response:
        """The followed subjects (the first one first) with their feeds and counts."""
        with web.sessions() as session:
            stats = browse.subject_stats(session)
        items = []
        for i, s in enumerate(web.settings.followed):
            counted = [stats[k] for k in web.settings.subject_keys(s) if k in stats]
            last = max((c.last for c in counted if c.last), default=None)
            items.append({"name": s.name, "slug": s.slug, "terms": list(s.terms), "first": i == 0,
                          "feed": f"/onderwerpen/{s.slug}.atom", "html": "/" + ("" if i == 0 else f"?onderwerp={s.slug}"),
                          "letters": sum(c.letters for c in counted), "changes": sum(c.changes for c in counted),
                          "last_change": last.isoformat() if last else None})
        return JSONResponse({"items": items})

    def api_topics(request: Request) -> Response:
        return JSONResponse({"items": [{"name": t.name, "label": t.label, "description": t.description,
                                        "feed": f"/topics/{t.name}.atom", "html": f"/topics/{t.name}"}
                                       for t in web.settings.topics]})

    def _unwell(status: str, **fields: Any) -> Response:
        # a 503 with the machine-readable status and fields, and one Dutch sentence for the person reading it
        return JSONResponse({"status": status, "message": HEALTH_MESSAGES[status], **fields}, status_code=503)

    def healthz(request: Request) -> Response:  # in the thread pool: never waits behind a page render
        try:
            with web.sessions() as session:
                stored = queries.any_letter(session)
                failing = unhealthy_sources(session, web.settings)
                missed = unfollowed(session, dt.datetime.now(dt.timezone.utc))
            damage = web.integrity()
        except Exception as exc:  # noqa: BLE001 - report, don't crash, the health check
            web.integrity.saw(exc)
            if is_damage(exc):
                return _unwell("malformed", error=first_line(exc))
            return _unwell("error", error=first_line(exc))
        if damage:  # pages would answer 500: say so here, where monitoring looks
            return _unwell("malformed", database="damaged", error=damage)
        broken = jobs.failing()
        if broken:  # a daemon job failing as a whole (in this process: the daemon serves its own /healthz)
            return _unwell("degraded", database="reachable", jobs=[
                {"job": j.job, "since": j.since.isoformat(), "error": j.error} for j in broken])
        details: dict[str, Any] = {}
        if missed:  # never silent: letters the monitor reads but follows no subject of
            details["unfollowed"] = {"message": missed.message, "letters": [u.key for u in missed.letters],
                                     "subjects": dict(missed.about), "follow": missed.config_lines}
        if failing:  # a source down for longer than server.unhealthy_after_failing_seconds
            return _unwell("unhealthy", database="reachable", failing=failing, **details)
        if not web.ready():  # the daemon's first poll and analysis are running: what is served may be stale or empty
            return _unwell("starting", database="reachable", letters=stored, **details)
        return JSONResponse({"status": "ok", "database": "reachable", "letters": stored, **details})

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),  # never behind the render slots
        web.get("/api/letters", api_letters), web.get("/api/letters/{key}", api_letter),
        web.get("/api/changes", api_changes), web.get("/api/positions/{topic}", api_position),
        web.get("/api/topics", api_topics), web.get("/api/subjects", api_subjects),
    ]
