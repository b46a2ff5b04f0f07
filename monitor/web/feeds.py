"""Atom feeds: everything, per topic, per dossier, with RFC 5005 archive pages and conditional GET."""
from __future__ import annotations

import datetime as dt
import email.utils

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..config import SubjectSettings
from ..store import browse
from .common import Web, not_modified

ATOM = "application/atom+xml; charset=utf-8"


def valid_dossier(dossier: str) -> bool:
    return dossier.isascii() and dossier.isalnum() and len(dossier) <= 20


def routes(web: Web) -> list[Route]:
    def feed_response(request: Request, scope: str, value: str | None, archive: int | None,
                      subject: SubjectSettings | None = None) -> Response:
        with web.sessions() as session:
            try:
                doc = web.publisher.document(session, scope, value, archive, subject)
            except IndexError:
                raise HTTPException(404, f"geen archiefpagina {archive}") from None
        headers = {"ETag": doc.etag, "Cache-Control": "public, max-age=60"}
        # An HTTP date has whole seconds: a date sent in the very second the store changed could be
        # handed back after a second change in that same second and get a wrong 304. Such a date is no
        # validator yet (as Apache does): sent from the next second on; the ETag covers the meantime.
        dated = bool(doc.updated) and email.utils.parsedate_to_datetime(doc.updated) < \
            dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        if dated:
            headers["Last-Modified"] = doc.updated
        if not_modified(request.headers, doc.etag, headers.get("Last-Modified")):
            return Response(status_code=304, headers=headers)
        return Response(doc.body, media_type=ATOM, headers=headers)

    def path_archive(request: Request) -> int | None:
        raw = request.path_params.get("n")
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000_000:  # "²" is a digit to str
            raise HTTPException(404, "geen archiefpagina met dit nummer")
        return int(raw)

    def feed_all(request: Request) -> Response:
        return feed_response(request, "all", None, path_archive(request))

    def feed_topic(request: Request) -> Response:
        return feed_response(request, "topic", web.check_topic(request.path_params["topic"]), path_archive(request))

    def feed_dossier(request: Request) -> Response:
        dossier = request.path_params["dossier"]
        if not valid_dossier(dossier):
            raise HTTPException(404, "onbekend dossier")
        with web.sessions() as session:
            if not browse.has_dossier(session, dossier):
                raise HTTPException(404, f"geen brieven in dossier {dossier!r}")
        return feed_response(request, "dossier", dossier, path_archive(request))

    def followed(request: Request) -> SubjectSettings:
        subject = web.settings.subject_by(request.path_params["subject"])
        if subject is None:
            raise HTTPException(404, "dit onderwerp wordt niet gevolgd")
        return subject

    def feed_subject(request: Request) -> Response:
        return feed_response(request, "all", None, path_archive(request), followed(request))

    def feed_subject_topic(request: Request) -> Response:
        subject = followed(request)
        return feed_response(request, "topic", web.check_topic(request.path_params["topic"]), path_archive(request),
                             subject)

    return [
        web.get("/onderwerpen/{subject}.atom", feed_subject),
        web.get("/onderwerpen/{subject}/archive/{n}.atom", feed_subject),
        web.get("/onderwerpen/{subject}/{topic}.atom", feed_subject_topic),
        web.get("/onderwerpen/{subject}/{topic}/archive/{n}.atom", feed_subject_topic),
        web.get("/feed.atom", feed_all), web.get("/feed/archive/{n}.atom", feed_all),
        web.get("/topics/{topic}.atom", feed_topic), web.get("/topics/{topic}/archive/{n}.atom", feed_topic),
        web.get("/dossiers/{dossier}.atom", feed_dossier), web.get("/dossiers/{dossier}/archive/{n}.atom", feed_dossier),
    ]
