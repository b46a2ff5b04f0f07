"""One HTTP client for every remote source (httpx), polite and defensive.

What holds for :meth:`Fetcher.get`:

* connect/read timeouts from config; at most ``retries`` retries, with
  exponential backoff, on connection errors, timeouts, 429 and 5xx;
  ``Retry-After`` (seconds or a date) is respected, capped at ``max_wait``;
* a descriptive User-Agent; ``If-None-Match``/``If-Modified-Since`` when the
  caller passes validators, so an unchanged page costs a 304;
* at most ``rate`` requests per second per host;
* a response larger than ``max_bytes`` (by Content-Length, or counted while
  streaming) is refused before it fills memory; at most 5 redirects;
* every failure is a :class:`FetchError` naming the URL.
"""
from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]):
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
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Fetcher:
    def __init__(self, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0, max_wait: float = 120.0,
                 rate: float = 1.0, max_bytes: int = 50_000_000, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self.retries, self.backoff, self.max_wait, self.max_bytes = retries, backoff, max_wait, max_bytes
        self.sleep, self.clock = sleep, clock
        self.limiter = _RateLimiter(rate, time.monotonic, sleep)
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                                   max_redirects=5, headers={"User-Agent": USER_AGENT}, transport=transport)

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
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            self.limiter.wait(host)
            try:
                return self._once(url, headers)
            except FetchError as exc:
                wait = getattr(exc, "retry_after", None)
                if not exc.transient or attempt >= self.retries:
                    raise
                delay = wait if wait is not None else self.backoff * (2 ** attempt)
                self.sleep(min(delay, self.max_wait))
                attempt += 1

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Fetched(str(r.url), 304, b"", dict(r.headers))
                if r.status_code == 429 or r.status_code >= 500:
                    err = FetchError(url, f"HTTP {r.status_code}", transient=True)
                    err.retry_after = retry_after_seconds(r.headers.get("retry-after"), self.clock())  # type: ignore[attr-defined]
                    raise err
                if r.status_code >= 400:
                    raise FetchError(url, f"HTTP {r.status_code}", transient=False)
                length = r.headers.get("content-length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise FetchError(url, f"response too large: Content-Length {int(length):,} bytes exceeds "
                                          f"the limit of {self.max_bytes:,}", transient=False)
                chunks: list[bytes] = []
                total = 0
                for chunk in r.iter_bytes():
                    total += len(chunk)
                    if total > self.max_bytes:
                        raise FetchError(url, f"response too large: more than {self.max_bytes:,} bytes",
                                         transient=False)
                    chunks.append(chunk)
                return Fetched(str(r.url), r.status_code, b"".join(chunks), dict(r.headers))
        except httpx.TooManyRedirects:
            raise FetchError(url, "too many redirects (a redirect loop?)", transient=False) from None
        except httpx.TimeoutException:
            raise FetchError(url, "timed out", transient=True) from None
        except (httpx.TransportError, httpx.RemoteProtocolError) as exc:
            raise FetchError(url, f"connection failed: {exc.__class__.__name__}: {exc}", transient=True) from None
