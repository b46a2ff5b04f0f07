"""The writing routes: log in and out, and record verdicts on changes (confirm, reject, note, merge).

What holds:

* reading stays open; every POST here needs a logged-in session (cookie) or
  the configured API token (``Authorization: Bearer``), else 401;
* a cookie-authenticated POST needs the session's CSRF token in the form,
  else 403 (SameSite=Lax is the second fence, not the only one);
* writes go through their own engine with write rights; the pages and feeds
  keep their read-only one;
* wrong passwords are throttled per account and per address (:class:`monitor.auth.Throttle`);
* a redirect after a POST only goes to a path on this site.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from urllib.parse import parse_qs

from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..auth import Sessions, Throttle, Who, check_password, load_secret, same
from ..store import review as review_store
from ..store.db import session_factory, utcnow
from .common import Web

MAX_FORM = 16_384  # a review note is at most 4,000 characters; nothing posted here needs more


@dataclass(frozen=True)
class ReviewContext:
    """What a page needs to draw review forms for a logged-in analyst."""

    user: str
    csrf: str
    back: str


class Writer:
    """The app's writing side: its own read-write sessions, the login sessions, the throttle."""

    def __init__(self, web: Web, engine: Engine):
        settings = web.settings
        self.web = web
        self.sessions = session_factory(engine)
        self.logins = Sessions(load_secret(settings.auth.secret_key, settings.root / "var" / "secret_key"),
                               settings.auth.session_hours)
        self.throttle = Throttle(dt.timedelta(minutes=settings.auth.lockout_minutes))
        self.api_token = settings.auth.api_token
        self.secure = settings.auth.secure_cookies

    def who(self, request: Request) -> Who | None:
        """The writer of this request: the API token's holder, a logged-in account, or None."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return Who("token", None) if same(self.api_token, auth[7:].strip()) else None
        with self.web.sessions() as session:  # a lookup is a read: the read-only engine does it
            return self.logins.lookup(session, request.cookies.get(Sessions.COOKIE), utcnow())

    def context(self, request: Request) -> ReviewContext | None:
        who = self.who(request) if request.cookies.get(Sessions.COOKIE) else None
        if who is None or who.csrf is None:
            return None
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return ReviewContext(who.name, who.csrf, back)

    def cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                            secure=self.secure)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded (or, from scripts, JSON) body as one value per field; too large or malformed: 400."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, f"verzoek te groot (hoogstens {MAX_FORM} bytes)")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise HTTPException(400, "verzoek: geen geldige JSON") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "verzoek: een JSON-object verwacht")
        return {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float))}
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise HTTPException(400, "verzoek: geen UTF-8") from None
    return {k: v[0] for k, v in parsed.items()}


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site; a full URL or ``//host`` could send a user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def routes(web: Web, writer: Writer) -> list[Route]:
    def login_page(request: Request, status: int = 200, message: str = "", name: str = "",
                   next_path: str | None = None) -> Response:
        """The login form; after a refused try it keeps where the analyst was going (``next``) and the name."""
        cookie, csrf = writer.logins.login_form_token()
        html = web.render("login.html", csrf=csrf, message=message, account=name,
                          next=local_path(next_path if next_path is not None else request.query_params.get("next")))
        response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        writer.cookie(response, Sessions.PRE, cookie, max_age=3600)
        return response

    async def login_get(request: Request) -> Response:
        return login_page(request)

    async def login_post(request: Request) -> Response:
        form = await _form(request)
        if not writer.logins.login_form_ok(request.cookies.get(Sessions.PRE), form.get("csrf", "")):
            raise HTTPException(403, "formulier verlopen of ongeldig (CSRF): laad de inlogpagina opnieuw")
        name, password = form.get("name", "").strip(), form.get("password", "")
        address = request.client.host if request.client else "?"
        if writer.throttle.locked(name, address):
            minutes = round(writer.throttle.window.total_seconds() / 60)
            return login_page(request, 429, f"Te veel mislukte pogingen. Probeer het over {minutes} minuten "
                                            "opnieuw.", name, form.get("next"))
        with writer.sessions() as session:
            account = check_password(session, name, password)
            if account is None:
                writer.throttle.failed(name, address)
                return login_page(request, 401, "Onbekende naam of onjuist wachtwoord.", name, form.get("next"))
            writer.throttle.succeeded(name)
            # a new session token at every login; whatever cookie came in is ended, never promoted
            writer.logins.end(session, request.cookies.get(Sessions.COOKIE))
            cookie, _ = writer.logins.start(session, account, utcnow())
            session.commit()
        response = RedirectResponse(local_path(form.get("next")), status_code=303)
        writer.cookie(response, Sessions.COOKIE, cookie, max_age=int(writer.logins.lifetime.total_seconds()))
        response.delete_cookie(Sessions.PRE, path="/")
        return response

    async def logout(request: Request) -> Response:
        form = await _form(request)
        who = writer.who(request)
        if who is None or who.csrf is None:
            raise HTTPException(401, "niet ingelogd")
        if not same(who.csrf, form.get("csrf")):
            raise HTTPException(403, "formulier ongeldig (CSRF)")
        with writer.sessions() as session:
            writer.logins.end(session, request.cookies.get(Sessions.COOKIE))
            session.commit()
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(Sessions.COOKIE, path="/")
        return response

    async def review_post(request: Request) -> Response:
        who = writer.who(request)
        if who is None:
            raise HTTPException(401, "inloggen vereist om te beoordelen (of een API-token)")
        form = await _form(request)
        if who.csrf is not None and not same(who.csrf, form.get("csrf")):
            raise HTTPException(403, "formulier ongeldig (CSRF): laad de pagina opnieuw")
        uid = request.path_params["uid"]
        with writer.sessions() as session:
            try:
                review_store.record(session, uid, form.get("verdict", ""), who.name, utcnow(),
                                    form.get("note", ""), form.get("into", ""))
            except review_store.ReviewError as exc:
                raise HTTPException(400, exc.dutch) from None
            session.commit()
        if who.csrf is None:  # a script: an answer to read, not a page to go back to
            return JSONResponse({"id": uid, "verdict": form.get("verdict"), "by": who.name})
        return RedirectResponse(local_path(form.get("next")), status_code=303)

    return [
        Route("/login", login_get, methods=["GET", "HEAD"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/review/{uid}", review_post, methods=["POST"]),
    ]
