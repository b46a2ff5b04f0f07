"""Accounts, logins and sessions for the writing side of the web app (reviews).

What holds:

* accounts exist only when made with ``policy-monitor user add``; there is no
  default account or password; passwords are stored as argon2id hashes;
* a session is a random token in a signed (itsdangerous), HttpOnly,
  SameSite=Lax cookie (Secure when ``auth.secure_cookies``); the store keeps
  only the token's hash, with the session's CSRF token and expiry. Logging in
  always makes a new token, so a cookie from before login (fixation) is
  never a logged-in session; logging out deletes the row;
* before login the login form's CSRF token travels in its own signed cookie
  (double submit): it is never a session;
* after :data:`MAX_FAILURES` wrong passwords for one account, or from one
  address, within the lockout window, further tries are refused until it
  passes, even with the right password;
* scripts may write with ``Authorization: Bearer <auth.api_token>`` instead.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .store.db import as_utc
from .store.models import Account, LoginSession

MAX_FAILURES = 10
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verifying against this when the account does not exist costs as much as a real check: no timing oracle
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(ValueError):
    """A bad account name or password; the message says which."""


def add_account(session: Session, name: str, password: str, now: dt.datetime) -> Account:
    name = name.strip()
    if not name or len(name) > 100 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AuthError(f"account name {name!r}: 1 to 100 letters, digits or . _ - @")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"password: at least {MIN_PASSWORD} characters")
    if session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise AuthError(f"account {name!r} exists already")
    account = Account(name=name, password_hash=_hasher.hash(password), created_at=now)
    session.add(account)
    return account


def check_password(session: Session, name: str, password: str) -> Account | None:
    account = session.scalar(select(Account).where(Account.name == name))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return account


class Throttle:
    """Wrong passwords counted per account and per address in a sliding window (in memory, per process)."""

    def __init__(self, window: dt.timedelta, limit: int = MAX_FAILURES,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self.window, self.limit, self.clock = window, limit, clock
        self._fails: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[dt.datetime]:
        q = self._fails[key]
        cutoff = self.clock() - self.window
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def locked(self, account: str, address: str) -> bool:
        with self._lock:
            return any(len(self._recent(k)) >= self.limit for k in (f"a:{account}", f"ip:{address}"))

    def failed(self, account: str, address: str) -> None:
        with self._lock:
            now = self.clock()
            for k in (f"a:{account}", f"ip:{address}"):
                self._recent(k).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._fails.pop(f"a:{account}", None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Who:
    """Who is writing: an account (with its session's CSRF token), or a script with the API token."""

    name: str
    csrf: str | None  # None: authenticated by bearer token, where CSRF does not apply


class Sessions:
    """Signed session cookies backed by rows in ``login_session``."""

    COOKIE = "pm_session"
    PRE = "pm_login"  # the login form's CSRF cookie, before there is a session

    def __init__(self, secret: str, hours: float):
        self.signer = URLSafeTimedSerializer(secret, salt="policy-monitor-session")
        self.pre_signer = URLSafeTimedSerializer(secret, salt="policy-monitor-login-form")
        self.lifetime = dt.timedelta(hours=hours)

    def start(self, session: Session, account: Account, now: dt.datetime) -> tuple[str, str]:
        """A new session for ``account``: (signed cookie value, CSRF token). The caller commits."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(LoginSession(id=_token_hash(token), account_id=account.id, csrf=csrf, created_at=now,
                                 expires_at=now + self.lifetime))
        session.execute(delete(LoginSession).where(LoginSession.expires_at < now))  # tidy expired ones
        return self.signer.dumps(token), csrf

    def lookup(self, session: Session, cookie: str | None, now: dt.datetime) -> Who | None:
        if not cookie:
            return None
        try:
            token = self.signer.loads(cookie, max_age=int(self.lifetime.total_seconds()))
        except BadSignature:
            return None
        if not isinstance(token, str):
            return None
        row = session.execute(select(LoginSession, Account.name).join(Account, Account.id == LoginSession.account_id)
                              .where(LoginSession.id == _token_hash(token))).first()
        if row is None or as_utc(row[0].expires_at) <= now:
            return None
        return Who(row[1], row[0].csrf)

    def end(self, session: Session, cookie: str | None) -> None:
        try:
            token = self.signer.loads(cookie or "")
        except BadSignature:
            return
        if isinstance(token, str):
            session.execute(delete(LoginSession).where(LoginSession.id == _token_hash(token)))

    def login_form_token(self) -> tuple[str, str]:
        """(cookie value, CSRF token) for the login form: a signed random value, not a session."""
        csrf = secrets.token_urlsafe(32)
        return self.pre_signer.dumps(csrf), csrf

    def login_form_ok(self, cookie: str | None, submitted: str) -> bool:
        try:
            expected = self.pre_signer.loads(cookie or "", max_age=3600)
        except BadSignature:
            return False
        return isinstance(expected, str) and bool(submitted) and hmac.compare_digest(expected, submitted)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (None and empty never match)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def load_secret(configured: str, path: Path) -> str:
    """The cookie-signing key: ``auth.secret_key`` if set, else one made once and kept in ``path`` (mode 600)."""
    if configured:
        return configured
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:  # O_EXCL: two processes starting at once agree on one key
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    return key
