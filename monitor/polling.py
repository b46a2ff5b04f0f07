"""Polling: the inbox folders (:func:`poll_folders`), and one remote source (:func:`poll_source`): pages →
documents → letters, attachments, withdrawals.

Both return a :class:`PollResult` whose ``changed`` lists the letters stored or changed, and analyse nothing:
the caller (the daemon, ``policy-monitor poll``) decides what to analyse.

The remote driver knows a source only as a :class:`~monitor.sources.base.Source` built from the registry
(:mod:`monitor.sources.registry`); it stores what the source lists and returns, in :attr:`PollResult.changed`,
the letters it stored or changed. It analyses nothing: the caller (the daemon, ``policy-monitor poll``) decides.

What holds:

* the cursor is saved only after a whole page was handled; a page error
  (time-out, 5xx after retries, malformed JSON/XML, a page loop) never loses
  it, and a looping ``nextLink`` is never saved;
* a document that fails transiently holds its page back (fetched again next
  poll) until it has failed ``retries_per_document`` polls; then it is parked
  (ingest log outcome ``parked``) and the cursor moves on;
* a file seen before at the same URL and version is not fetched again;
  a deletion marks the letter withdrawn and fetches nothing;
* a broken file (truncated PDF, unknown format, …) is logged and skipped;
* a poll ends after ``max_pages`` pages or ``poll_seconds`` seconds with the cursor of its last whole
  page (an endless paged feed cannot hold it, and the writer, forever); the next poll goes on from there;
* a cursor whose next URL the fetcher would refuse (another host, not http(s)) is never saved: the source
  fails with that error and the next poll starts again from the last good cursor;
* nothing escapes as a traceback: an unexpected error is logged with the
  source and recorded as the source's error; :class:`PollResult` says whether
  the source failed, so ``poll`` can exit non-zero.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .clean import clean
from .ingest import inbox_candidates, ingest_one
from .limits import Limits
from .parse import InputError, extract
from .sources.base import Candidate
from .sources.base import Source as RemoteSource
from .sources.base import SourceSpec
from .sources.common import PageError, RemoteDoc
from .sources.content import UnsupportedContent, file_name
from .sources.folder import Settle
from .sources.http import Fetcher, FetchError, Stopped, host_of
from .sources.registry import source_for
from .store import attachments as att_repo
from .store import letters as repo
from .store import withdrawals
from .store.db import utcnow
from .store.models import Letter, Source, SourceCursor

log = logging.getLogger("monitor.sources")

PARKED, WITHDRAWN, ATTACHMENT = "parked", "withdrawn", "attachment"


@dataclass
class PollResult:
    """What one poll did; ``failed`` when the source or any of its documents failed.

    ``changed``: ids of the letters stored or changed (new, a new version, new metadata), in the order they
    were stored; the caller analyses them.
    """

    source: str
    changed: list[int] = field(default_factory=list)
    stored: int = 0
    attachments: int = 0
    withdrawn: int = 0
    parked: int = 0
    doc_errors: int = 0
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.doc_errors > 0 or self.parked > 0


class NotModified(Exception):
    """The service says its first page is unchanged since the last poll: nothing new."""


class _ConditionalFirstPage:
    """Wraps a Fetcher: the poll's first page request carries the validators saved last time."""

    def __init__(self, fetcher: Fetcher, url: str, etag: str, last_modified: str):
        self.fetcher, self.saved_url, self.etag, self.last_modified = fetcher, url, etag, last_modified
        self.first: tuple[str, str, str] | None = None

    def get(self, url: str, **kw: Any) -> Any:
        if self.first is not None:
            return self.fetcher.get(url, **kw)
        same = url == self.saved_url
        page = self.fetcher.get(url, etag=self.etag if same else None,
                                last_modified=self.last_modified if same else None, **kw)
        self.first = (url, page.headers.get("etag", ""), page.headers.get("last-modified", ""))
        if page.not_modified:
            raise NotModified(url)
        return page


@dataclass(frozen=True)
class _Context:
    """What a poll needs from its caller: the store, the clock, and the event that asks it to stop."""

    sessions: sessionmaker[Session]
    now: Callable[[], dt.datetime]
    stopping: threading.Event
    limits: Limits = field(default_factory=Limits)


def _first_url(source: RemoteSource, cursor: dict[str, Any]) -> str:
    """The URL the next poll will start with (validators are only valid for that exact URL)."""
    return source.first_url({k: v for k, v in cursor.items() if not k.startswith("_")})


def _seen(session: Any, kind: str, locator: str) -> bool:
    return (session.scalar(select(Source.id).where(Source.kind == kind, Source.locator == locator).limit(1))
            is not None or att_repo.known(session, kind, locator))


class _Poll:
    """The per-document work of one poll (kept apart from paging and cursor bookkeeping)."""

    def __init__(self, ctx: _Context, spec: SourceSpec, adapter: RemoteSource, fetcher: Fetcher, result: PollResult):
        self.ctx, self.spec, self.adapter, self.fetcher, self.result = ctx, spec, adapter, fetcher, result
        self.sessions = ctx.sessions

    def log(self, locator: str, outcome: str, message: str, letter: str = "") -> None:
        with self.sessions.begin() as session:
            repo.log(session, kind=self.adapter.kind, locator=locator, outcome=outcome, message=message,
                     letter=letter, now=self.ctx.now())

    def error(self, locator: str, message: str) -> None:
        log.error("source %s: %s", self.spec.name, message, extra={"source": self.spec.name})
        self.result.doc_errors += 1
        self.log(locator, repo.ERROR, message)

    def handle(self, doc: RemoteDoc) -> bool:
        """Handle one document; False when it failed transiently and its page must be fetched again."""
        if doc.error:
            self.error(doc.url, doc.error)
            return True
        with self.sessions() as session:
            if _seen(session, self.adapter.kind, doc.locator) or withdrawals.parked(session, self.spec.name,
                                                                                     doc.locator):
                return True
        if doc.deleted:
            return self.withdraw(doc)
        try:
            doc = self.adapter.complete(doc, self.fetcher)
            file = self.fetcher.get(doc.url)
            name = file_name(doc.stem, file.body, file.headers.get("content-type", ""), doc.content_type)
        except (FetchError, PageError) as exc:
            if getattr(exc, "transient", True):
                return self.failed_transiently(doc, str(exc))
            self.error(doc.locator, str(exc))
            return True
        except UnsupportedContent as exc:
            self.error(doc.locator, f"{doc.url}: {exc}")
            return True
        with self.sessions.begin() as session:
            withdrawals.clear(session, self.spec.name, doc.locator)
        if doc.parent:
            self.store_attachment(doc, name, file.body)
        else:
            self.store_letter(doc, name, file.body)
        return True

    def failed_transiently(self, doc: RemoteDoc, message: str) -> bool:
        budget = self.spec.retries_per_document
        with self.sessions.begin() as session:
            attempts = withdrawals.record_failure(session, self.spec.name, doc.locator, message, self.ctx.now())
            if attempts >= budget:
                withdrawals.park(session, self.spec.name, doc.locator, self.ctx.now())
        if attempts >= budget:
            self.result.parked += 1
            text = f"{message} (failed {attempts} polls: parked, skipped from now on)"
            log.error("source %s: %s", self.spec.name, text, extra={"source": self.spec.name})
            self.log(doc.locator, PARKED, text)
            return True
        text = f"{message} (attempt {attempts} of {budget}; the page is fetched again next poll)"
        log.warning("source %s: %s", self.spec.name, text, extra={"source": self.spec.name})
        self.log(doc.locator, repo.ERROR, text)
        return False

    def withdraw(self, doc: RemoteDoc) -> bool:
        note = f"deleted at {self.spec.name} ({self.adapter.kind}) as {doc.external_id}, {doc.version}"
        with self.sessions.begin() as session:
            key = withdrawals.withdraw(session, doc.aliases + (doc.external_id,), note, self.ctx.now())
            if key:
                repo.log(session, kind=self.adapter.kind, locator=doc.locator, outcome=WITHDRAWN, message=note,
                         letter=key, now=self.ctx.now())
        if key:
            self.result.withdrawn += 1
            log.info("source %s: %s withdrawn (%s)", self.spec.name, key, note,
                     extra={"source": self.spec.name, "letter": key})
        return True

    def store_letter(self, doc: RemoteDoc, name: str, body: bytes) -> None:
        cand = Candidate(self.adapter.kind, doc.locator, name, data=body, override=doc.meta,
                         external_id=doc.external_id, aliases=doc.aliases)
        result = ingest_one(self.sessions, cand, self.ctx.now(), self.spec.max_bytes, self.ctx.limits)
        if result.failed:
            self.result.doc_errors += 1
            return
        if result.letter_id is not None:
            with self.sessions.begin() as session:
                letter = session.get(Letter, result.letter_id)
                if letter is not None:
                    att_repo.link(session, letter)
        if result.changed and result.letter_id is not None:
            self.result.changed.append(result.letter_id)
            self.result.stored += 1
            log.info("ingested %s: %s", doc.url, result.message,
                     extra={"source": self.spec.name, "letter": result.letter_key, "locator": doc.url})

    def store_attachment(self, doc: RemoteDoc, name: str, body: bytes) -> None:
        try:
            extracted = extract(body, name, max_bytes=self.spec.max_bytes)
            try:
                text = clean(extracted).text or extracted.text
            except Exception:  # noqa: BLE001 - cleaning is best effort for attachments (tables, forms)
                text = extracted.text
        except InputError as exc:
            self.error(doc.locator, f"{doc.url}: attachment: {exc}")
            return
        item = att_repo.AttachmentIn(parent=doc.parent, title=doc.meta.title, date=doc.meta.date, url=doc.meta.url,
                                     aliases=doc.aliases, media_type=extracted.media_type, filename=name, raw=body,
                                     text=text, kind=self.adapter.kind, locator=doc.locator,
                                     external_id=doc.external_id)
        with self.sessions.begin() as session:
            stored, is_new = att_repo.store(session, item, self.ctx.now())
            message = (f"{'new attachment' if is_new else 'another source of attachment'} {stored.key} "
                       f"of {doc.parent}")
            repo.log(session, kind=self.adapter.kind, locator=doc.locator, outcome=ATTACHMENT, message=message,
                     letter=doc.parent, now=self.ctx.now())
        if is_new:
            self.result.attachments += 1


def _fetcher_for(ctx: _Context, spec: SourceSpec, fetcher: Fetcher | None) -> Fetcher:
    hosts = (host_of(spec.url),) + tuple(h.lower() for h in spec.allowed_hosts)
    if fetcher is None:
        return Fetcher(timeout=spec.timeout_seconds, rate=spec.rate_per_second, max_bytes=spec.max_bytes,
                       deadline=spec.deadline_seconds, allowed_hosts=hosts, stop=ctx.stopping,
                       max_retry_after=spec.max_retry_after_seconds)
    # a fetcher handed in (tests, tools) gets this source's allow-list unless it has its own, and our stop
    if fetcher.allowed_hosts is None:
        fetcher.allowed_hosts = frozenset(hosts)
    fetcher.stop = ctx.stopping
    if fetcher.max_retry_after is None:
        fetcher.max_retry_after = spec.max_retry_after_seconds
    return fetcher


def _fail(ctx: _Context, spec: SourceSpec, kind: str, result: PollResult, message: str, locator: str) -> None:
    result.error = message
    with ctx.sessions.begin() as session:
        row = session.get_one(SourceCursor, spec.name)  # made at the poll's start
        row.last_error = message
        row.failing_since = row.failing_since or ctx.now()  # kept until a good poll: /healthz reads it
        row.failures = (row.failures or 0) + 1
        repo.log(session, kind=kind, locator=locator, outcome=repo.ERROR, message=message, now=ctx.now())


def poll_source(sessions: sessionmaker[Session], spec: SourceSpec, *, now: Callable[[], dt.datetime] = utcnow,
                stop: threading.Event | None = None, fetcher: Fetcher | None = None,
                limits: Limits | None = None) -> PollResult:
    """Poll one remote source once; the result lists the letters stored or changed (not yet analysed).

    ``stop`` set: the poll ends after the current document, keeping the cursor of the last whole page.
    ``fetcher``: a client to use instead of one made from the table (tests, tools); it gets this source's
    allowed hosts unless it has its own, and ``stop``.
    """
    ctx = _Context(sessions, now, stop if stop is not None else threading.Event(), limits or Limits())
    started = time.perf_counter()
    adapter = source_for(spec)
    own = fetcher is None
    fetcher = _fetcher_for(ctx, spec, fetcher)
    with sessions.begin() as session:
        row = session.get(SourceCursor, spec.name)
        if row is None or row.kind != spec.kind:
            row = row or SourceCursor(name=spec.name)
            row.kind, row.cursor = spec.kind, {}
            session.add(row)
        cursor = dict(row.cursor or {})
        validators = ((row.cursor or {}).get("_first_url", ""), row.etag or "", row.last_modified or "")
    result = PollResult(spec.name)
    work = _Poll(ctx, spec, adapter, fetcher, result)
    pages_fetcher = _ConditionalFirstPage(fetcher, *validators)
    fetcher.until = time.monotonic() + spec.poll_seconds
    pages = 0
    try:
        for docs, next_cursor in adapter.pages(pages_fetcher, cursor):  # type: ignore[arg-type] # a Fetcher in all but name
            pages += 1
            complete = True
            for doc in docs:
                if ctx.stopping.is_set():
                    return result
                complete = work.handle(doc) and complete
            if not complete:  # a document failed within its budget: this page is fetched again next poll
                _fail(ctx, spec, adapter.kind, result,
                      "a document failed; the cursor stays on its page until it succeeds or is parked", spec.url)
                return result
            refused = _refused_cursor(adapter, fetcher, next_cursor)
            if refused:
                _fail(ctx, spec, adapter.kind, result, refused, spec.url)
                return result
            with sessions.begin() as session:  # the whole page is handled: move the cursor on
                row = session.get_one(SourceCursor, spec.name)  # made at the poll's start
                row.cursor = next_cursor
                row.polled_at = utcnow()
                cursor = next_cursor
            cut = _cut_short(spec, pages, fetcher.until)
            if cut:
                log.warning("source %s: %s; the next poll goes on from here", spec.name, cut,
                            extra={"source": spec.name})
                _good_poll(ctx, spec)
                return result
        with sessions.begin() as session:  # validators of this poll's first page, for the next poll
            row = session.get_one(SourceCursor, spec.name)  # made at the poll's start
            if pages_fetcher.first is not None:
                first_url = _first_url(adapter, row.cursor or {})
                row.cursor = {**(row.cursor or {}), "_first_url": first_url}
                same = first_url == pages_fetcher.first[0]
                row.etag = pages_fetcher.first[1] if same else ""
                row.last_modified = pages_fetcher.first[2] if same else ""
            row.backfilled = True
            row.last_error = ""
            row.failing_since = None
    except NotModified:
        log.info("source %s: not modified since the last poll", spec.name, extra={"source": spec.name})
        with sessions.begin() as session:
            row = session.get_one(SourceCursor, spec.name)  # made at the poll's start
            row.polled_at = utcnow()
            row.last_error = ""
            row.failing_since = None
    except Stopped:
        log.info("source %s: stopped during a request; the cursor is kept", spec.name,
                 extra={"source": spec.name})
    except (FetchError, PageError) as exc:
        log.error("source %s: %s (cursor kept; retried next poll)", spec.name, exc,
                  extra={"source": spec.name})
        _fail(ctx, spec, adapter.kind, result, str(exc), getattr(exc, "url", "") or spec.url)
    except Exception as exc:  # a bug or a response nobody foresaw: logged, never a traceback out of poll
        log.exception("source %s: unexpected error", spec.name, extra={"source": spec.name})
        _fail(ctx, spec, adapter.kind, result, f"{spec.url}: unexpected {type(exc).__name__}: {exc}", spec.url)
    finally:
        if own:
            fetcher.close()
        _record_duration(ctx, spec, time.perf_counter() - started)
    return result


def _refused_cursor(adapter: RemoteSource, fetcher: Fetcher, cursor: dict[str, Any]) -> str:
    """Why the next poll could not start from ``cursor`` (its first URL is refused), or ""."""
    try:
        url = _first_url(adapter, cursor)
        fetcher.check_url(url)
    except FetchError as exc:
        return f"{exc}; the cursor is not saved: the next poll starts again from the last good page"
    except Exception as exc:  # noqa: BLE001 - a cursor the source itself cannot read back
        return f"unusable next-page cursor ({type(exc).__name__}: {exc}); not saved"
    return ""


def _cut_short(spec: SourceSpec, pages: int, until: float | None) -> str:
    """Why the poll ends here although the source has more pages, or ""."""
    if pages >= spec.max_pages:
        return f"{pages} pages in this poll (sources.max_pages = {spec.max_pages})"
    if until is not None and time.monotonic() >= until:
        return f"the poll took {spec.poll_seconds:g} s (sources.poll_seconds)"
    return ""


def _good_poll(ctx: _Context, spec: SourceSpec) -> None:
    with ctx.sessions.begin() as session:
        row = session.get_one(SourceCursor, spec.name)  # made at the poll's start
        row.last_error = ""
        row.failing_since = None


class InboxState:
    """The stat keys of the inbox files read before (locator → key): read from the store at the first poll,
    then kept by the polls themselves. The daemon keeps one for its whole life (it is the only writer, so
    nothing else changes what the store knows meanwhile); a file that failed is remembered too, in memory."""

    def __init__(self) -> None:
        self.known: dict[str, str] | None = None

    def load(self, sessions: sessionmaker[Session]) -> dict[str, str]:
        if self.known is None:
            with sessions() as session:
                self.known = repo.folder_stats(session)
        return self.known


# Outcomes after which the file's bytes are accounted for: read again only when its stat key moves.
_SETTLED = frozenset({repo.STORED, repo.NEW_VERSION, repo.REDATED, repo.DUPLICATE, repo.UNCHANGED,
                      repo.FAILED_BEFORE})


def poll_folders(sessions: sessionmaker[Session], folders: tuple[str, ...], extensions: tuple[str, ...],
                 max_bytes: int, *, now: Callable[[], dt.datetime] = utcnow,
                 stop: threading.Event | None = None, state: InboxState | None = None,
                 limits: Limits | None = None, settle: Settle | None = None) -> PollResult:
    """Ingest what is new in the inbox ``folders``.

    A file whose size, modification time and inode (and its sidecar's) are as when it was last read is not
    read, hashed or written at all; a file whose stat moved is read and hashed, and skipped when its bytes are
    known. ``state``: what earlier polls of this process learnt (a fresh one reads it from the store).
    ``settle``: a file still changing since the last poll is left for a later one (main's 2 s rule only keeps
    a just-written file's stat from being trusted; it would still store the half-copied bytes).
    ``stop`` set: the poll ends after the current letter. A file that fails is logged (once: a known failure
    was reported when it happened) and counted in ``doc_errors``; the next files are still tried.
    """
    result = PollResult("inbox")
    known = (state or InboxState()).load(sessions)
    ready = settle.ready if settle is not None else None
    for cand in inbox_candidates(folders, extensions, max_bytes, known, ready):
        if stop is not None and stop.is_set():
            log.info("stopping: inbox poll ends after the current letter")
            break
        outcome = ingest_one(sessions, cand, now(), max_bytes, limits)
        if outcome.outcome in _SETTLED:
            known[cand.locator] = cand.stat
        fields = {"source": "inbox", "letter": outcome.letter_key, "locator": cand.locator, "outcome": outcome.outcome}
        if outcome.changed and outcome.letter_id is not None:
            log.info("ingested %s: %s", cand.locator, outcome.message, extra=fields)
            result.changed.append(outcome.letter_id)
            result.stored += 1
        elif outcome.outcome == repo.ERROR:
            log.error("failed %s: %s", cand.locator, outcome.message, extra=fields)
            result.doc_errors += 1
    if settle is not None:
        settle.finish()
    return result


def _record_duration(ctx: _Context, spec: SourceSpec, seconds: float) -> None:
    """Keep the poll's duration for /metrics; a database that refuses it costs the figure, not the poll."""
    try:
        with ctx.sessions.begin() as session:
            row = session.get(SourceCursor, spec.name)
            if row is not None:
                row.last_poll_seconds = seconds
    except SQLAlchemyError as exc:
        log.warning("source %s: could not record the poll duration: %s", spec.name, exc, extra={"source": spec.name})
