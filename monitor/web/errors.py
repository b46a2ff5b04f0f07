"""Error answers: always in Dutch, as JSON or as an HTML page, whichever the client asked for.

The format follows the request, not the route that failed: the JSON API and the
feeds (``/api/…``, ``….atom``) answer JSON; elsewhere a script gets JSON when it
says so (``Accept: application/json`` preferred over HTML, a JSON body, or an
``Authorization: Bearer`` token, which only scripts send), and a browser gets a
page. Starlette's own messages ("Not Found", "Method Not Allowed") are replaced
by Dutch ones; the messages the handlers raise are written in Dutch already.
"""
from __future__ import annotations

import http

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from .common import Web

# what a status means to a reader, as the page's heading and as the message when no handler gave one
TITLE_NL = {
    400: "Ongeldige vraag", 401: "Niet ingelogd", 403: "Geen toegang", 404: "Niet gevonden",
    405: "Methode niet toegestaan", 413: "Te groot", 429: "Te veel pogingen", 500: "Interne fout",
    503: "Tijdelijk niet beschikbaar",
}
DEFAULT_NL = {
    404: "Deze pagina bestaat niet.",
    405: "Dit adres kan zo niet worden gebruikt (alleen lezen met GET; schrijven met POST waar dat kan).",
    500: "Er ging iets mis bij het maken van deze pagina; het is vastgelegd. Probeer het later opnieuw.",
}


def title_nl(status: int) -> str:
    return TITLE_NL.get(status, f"Fout {status}")


def message_nl(status: int, detail: str | None) -> str:
    """The handler's Dutch message; Starlette's English default phrase ("Not Found") becomes a Dutch one."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if not detail or detail == phrase:
        return DEFAULT_NL.get(status, title_nl(status))
    return detail


def _quality(accept: str, media: str) -> float:
    """How much an ``Accept`` header wants ``media`` (its q-value; 0 when it is not named)."""
    best = 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() != media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_json(request: Request) -> bool:
    """Whether this client reads JSON rather than a page (see the module's docstring)."""
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".atom"):
        return True
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    if request.headers.get("content-type", "").startswith("application/json"):
        return True
    accept = request.headers.get("accept", "")
    return _quality(accept, "application/json") > _quality(accept, "text/html")


def error_response(web: Web, request: Request, status: int, detail: str | None,
                   headers: dict[str, str] | None = None) -> Response:
    message = message_nl(status, detail)
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    return HTMLResponse(web.render("error.html", status=status, title=title_nl(status), detail=message),
                        status_code=status, headers=headers)


def handlers(web: Web) -> dict[type[Exception] | int, object]:
    """The app's exception handlers: every HTTPException, and any other error as a Dutch 500."""
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(web, request, exc.status_code, exc.detail, dict(exc.headers or {}) or None)

    async def server_error(request: Request, exc: Exception) -> Response:
        return error_response(web, request, 500, None)

    return {HTTPException: http_error, Exception: server_error}
