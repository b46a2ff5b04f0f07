"""One HTTP client for every remote source (httpx), polite and defensive.

What holds for :meth:`Fetcher.get`:

* connect/read timeouts from config; at most ``retries`` retries, with
  exponential backoff, on connection errors, timeouts, 429 and 5xx;
  ``Retry-After`` (seconds or a date) is respected, capped at ``max_wait``; one longer than
  ``max_retry_after`` is not waited for at all: the request fails at once (transient, so the next poll
  tries again) instead of holding the poll for a day;
* a descriptive User-Agent; ``If-None-Match``/``If-Modified-Since`` when the
  caller passes validators, so an unchanged page costs a 304;
* at most ``rate`` requests per second per host;
* a response larger than ``max_bytes`` (by Content-Length, or counted while
  streaming) is refused before it fills memory; at most 5 redirects;
* a whole response must arrive within ``deadline`` seconds: a server that drips
  one byte every few seconds never trips a read timeout, but trips this, and is not asked again in the
  same poll (four tries of a dripping server took 491 s); ``until`` (a ``time.monotonic()`` instant, set
  by the poll's own deadline) ends every request and wait by then;
* redirects are followed by hand, and only to hosts in ``allowed_hosts`` (the
  source's own host plus its configured allow-list); every URL handed to
  :meth:`Fetcher.get` is checked the same way, so a service that lies (an
  enclosure or ``nextLink`` pointing elsewhere) cannot make us read another
  host (read-SSRF);
* ``stop`` (an Event) aborts between chunks and between retries, so a daemon
  asked to stop does not wait for a slow server or a long ``Retry-After``;
* every failure is a :class:`FetchError` naming the URL.
"""
from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__

USER_AGENT = (f"policy-monitor/{__version__} (+https://github.com/policy-monitor; watches letters to parliament; "
              "polite polling)")


class FetchError(RuntimeError):
    """A request that failed for good; ``transient`` says whether a later poll may succeed."""

    def __init__(self, url: str, message: str, transient: bool = True):
        super().__init__(f"{url}: {message}")
        self.url = url
        self.transient = transient


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _RateLimiter:
    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], object]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self.lock:
            now = self.clock()
            at = max(now, self.next_at.get(host, now))
            self.next_at[host] = at + self.interval
        if at > now:
            self.sleep(at - now)


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait per ``Retry-After`` (delta-seconds or an HTTP date); None when unreadable.

    Only ASCII digits count: ``str.isdigit`` accepts ``²``, which ``float`` then refuses.
    """
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,9}", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


class Stopped(Exception):
    """The caller asked to stop (daemon shutdown) while a request was under way."""


def host_of(url: str) -> str:
    """The lower-case host (with port) of an http(s) URL, or "" for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return parts.netloc.lower().rsplit("@", 1)[-1]


class Fetcher:
    MAX_REDIRECTS = 5

    def __init__(self, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0, max_wait: float = 120.0,
                 rate: float = 1.0, max_bytes: int = 50_000_000, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] = time.time,
                 deadline: float | None = None, allowed_hosts: tuple[str, ...] | None = None,
                 stop: threading.Event | None = None, max_retry_after: float | None = None):
        self.retries, self.backoff, self.max_wait, self.max_bytes = retries, backoff, max_wait, max_bytes
        self.max_retry_after = max_retry_after
        self.until: float | None = None  # a time.monotonic() instant no request or wait goes past (a poll's end)
        self.stop = stop or threading.Event()
        # sleeping on the stop event makes every wait (rate limit, backoff, Retry-After) interruptible
        self.sleep = sleep or (lambda seconds: self.stop.wait(seconds) and None)
        self.clock = clock
        self.deadline = deadline if deadline is not None else max(4 * timeout, 60.0)
        # None: any host (used by tests of the client itself); a tuple: only these hosts
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts if h)
        self.limiter = _RateLimiter(rate, time.monotonic, self.sleep)
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=False,
                                   headers={"User-Agent": USER_AGENT}, transport=transport)

    def check_url(self, url: str, via: str = "") -> None:
        """Refuse a URL whose host is not allowed (or that is not http/https at all)."""
        host = host_of(url)
        if not host:
            raise FetchError(via or url, f"refused: {url!r} is not an http(s) URL", transient=False)
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            what = f"redirect to {url}" if via else url
            raise FetchError(via or url, f"refused: {what} is on host {host}, not one of this source's hosts "
                                         f"({', '.join(sorted(self.allowed_hosts))}; see sources.allowed_hosts)",
                             transient=False)

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str | None = None) -> Fetched:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        self.check_url(url)
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Stopped(url)
            self.limiter.wait(host)
            try:
                return self._follow(url, headers)
            except FetchError as exc:
                wait = getattr(exc, "retry_after", None)
                if not exc.transient or attempt >= self.retries or getattr(exc, "again_later", False):
                    raise
                if wait is not None and self.max_retry_after is not None and wait > self.max_retry_after:
                    raise FetchError(url, f"{exc.args[0].removeprefix(url + ': ')} asks to wait {wait:g} s "
                                          f"(Retry-After), more than sources.max_retry_after_seconds "
                                          f"({self.max_retry_after:g} s): tried again at the next poll",
                                     transient=True) from None
                delay = min(wait if wait is not None else self.backoff * (2 ** attempt), self.max_wait)
                if self.until is not None and time.monotonic() + delay > self.until:
                    raise FetchError(url, f"{exc.args[0].removeprefix(url + ': ')}; no time left in this poll "
                                          "(sources.poll_seconds) to try again", transient=True) from None
                self.sleep(delay)
                attempt += 1

    def _follow(self, url: str, headers: dict[str, str]) -> Fetched:
        """One request, following redirects by hand so each hop's host can be checked."""
        current = url
        for _ in range(self.MAX_REDIRECTS + 1):
            fetched = self._once(current, headers, origin=url)
            if fetched.status not in (301, 302, 303, 307, 308):
                return fetched
            location = fetched.headers.get("location", "")
            if not location:
                raise FetchError(url, f"HTTP {fetched.status} without a Location header", transient=False)
            current = urljoin(current, location)
            self.check_url(current, via=url)
        raise FetchError(url, "too many redirects (a redirect loop?)", transient=False)

    def _once(self, url: str, headers: dict[str, str], origin: str = "") -> Fetched:
        started = time.monotonic()
        name = origin or url  # errors name the URL the caller asked for
        deadline = self.deadline if self.until is None else max(0.0, min(self.deadline, self.until - started))
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in (301, 302, 303, 307, 308):
                    return Fetched(str(r.url), r.status_code, b"", dict(r.headers))
                if r.status_code == 304:
                    return Fetched(str(r.url), 304, b"", dict(r.headers))
                if r.status_code == 429 or r.status_code >= 500:
                    err = FetchError(name, f"HTTP {r.status_code}", transient=True)
                    err.retry_after = retry_after_seconds(r.headers.get("retry-after"), self.clock())  # type: ignore[attr-defined]
                    raise err
                if r.status_code >= 400:
                    raise FetchError(name, f"HTTP {r.status_code}", transient=False)
                length = r.headers.get("content-length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise FetchError(name, f"response too large: Content-Length {int(length):,} bytes exceeds "
                                          f"the limit of {self.max_bytes:,}", transient=False)
                chunks: list[bytes] = []
                total = 0
                for chunk in r.iter_bytes():
                    total += len(chunk)
                    if total > self.max_bytes:
                        raise FetchError(name, f"response too large: more than {self.max_bytes:,} bytes",
                                         transient=False)
                    if self.stop.is_set():
                        raise Stopped(name)
                    if time.monotonic() - started > deadline:
                        err = FetchError(name, f"response not complete within the deadline of {deadline:g} s "
                                               f"({total:,} bytes so far): a server that drips bytes; "
                                               "tried again at the next poll", transient=True)
                        err.again_later = True  # type: ignore[attr-defined] # not asked again in this poll
                        raise err
                    chunks.append(chunk)
                return Fetched(str(r.url), r.status_code, b"".join(chunks), dict(r.headers))
        except httpx.TimeoutException:
            raise FetchError(name, "timed out", transient=True) from None
        except (httpx.TransportError, httpx.RemoteProtocolError, httpx.DecodingError) as exc:
            raise FetchError(name, f"connection failed: {exc.__class__.__name__}: {exc}", transient=True) from None
        except httpx.InvalidURL as exc:
            raise FetchError(name, f"invalid URL: {exc}", transient=False) from None
