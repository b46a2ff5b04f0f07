"""Remote source adapters: Tweede Kamer OData and SyncFeed, KOOP SRU. See shared/sources.md.

Each adapter turns service pages into :class:`RemoteDoc` items (a file URL
plus the service's metadata, which wins over what the text suggests) and a
cursor to resume from. :func:`poll_source` drives one poll:

* the cursor is saved only after a whole page was handled, so a failure
  (time-out, 5xx after retries, malformed JSON or XML) never loses it: the
  next poll resumes from the last complete page;
* a file seen before at the same URL and version is not fetched again, so a
  re-emitted old document (the SyncFeed hazard) costs nothing and, being the
  same letter, creates no new changes; ingestion is idempotent anyway;
* a broken file (truncated PDF, …) is logged and skipped, never retried forever.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from sqlalchemy import select

from ..config import SourceSpec
from ..ingest import ingest_one
from ..metadata import normalise_reference
from ..model import LetterMeta
from ..store import letters as repo
from ..store.db import utcnow
from ..store.models import Source, SourceCursor
from .base import Candidate
from .http import Fetcher, FetchError

log = logging.getLogger("monitor.sources")


class PageError(ValueError):
    """A service page that cannot be read (malformed JSON/XML, an error document)."""


@dataclass(frozen=True)
class RemoteDoc:
    url: str  # the file to download
    version: str  # changes when the document changes (GewijzigdOp, updated, modified)
    name: str  # a file name whose extension says the format
    external_id: str
    meta: LetterMeta

    @property
    def locator(self) -> str:
        return f"{self.url}#{self.version}" if self.version else self.url


def _ext(content_type: str | None, default: str = ".pdf") -> str:
    ct = (content_type or "").lower()
    return ".pdf" if "pdf" in ct else ".xml" if "xml" in ct else ".html" if "html" in ct else \
        ".txt" if "text/plain" in ct else default


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _xml(body: bytes, url: str) -> Element:
    try:
        return safe_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        raise PageError(f"{url}: malformed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise PageError(f"{url}: unsafe XML refused ({type(exc).__name__})") from None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(el: Element, name: str) -> Element | None:
    return next((x for x in el.iter() if _local(x.tag) == name), None)


def _text(el: Element, name: str) -> str:
    hit = _find(el, name)
    return " ".join("".join(hit.itertext()).split()) if hit is not None else ""


# ------------------------------------------------------------------ Tweede Kamer OData

class TkOData:
    kind = "tk-odata"

    def __init__(self, spec: SourceSpec):
        self.spec = spec
        self.base = spec.url if spec.url.endswith("/") else spec.url + "/"

    def first_url(self, cursor: dict[str, Any]) -> str:
        flt = f"({self.spec.query}) and Verwijderd eq false" if self.spec.query else "Verwijderd eq false"
        if cursor.get("since"):
            flt += f" and GewijzigdOp gt {cursor['since']}"
        params = {"$filter": flt, "$orderby": "GewijzigdOp asc", "$expand": "Kamerstukdossier",
                  "$top": str(self.spec.page_size)}
        return f"{self.base}Document?{urlencode(params, quote_via=quote)}"

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        url: str | None = cursor.get("next") or self.first_url(cursor)
        since = cursor.get("since")
        while url:
            page = fetcher.get(url, accept="application/json")
            try:
                data = json.loads(page.body)
                items = data["value"]
                if not isinstance(items, list):
                    raise TypeError("value is not a list")
            except (ValueError, KeyError, TypeError) as exc:
                raise PageError(f"{url}: not an OData JSON page: {exc}") from None
            docs = []
            for d in items:
                if not isinstance(d, dict) or not d.get("Id") or d.get("Verwijderd"):
                    continue
                dossiers = d.get("Kamerstukdossier") or []
                nummer = dossiers[0].get("Nummer") if dossiers and isinstance(dossiers[0], dict) else None
                volg = d.get("Volgnummer")
                reference = f"kst-{nummer}-{volg}" if nummer and volg else (d.get("DocumentNummer") or "")
                meta = LetterMeta(title=d.get("Onderwerp") or d.get("Titel") or "", date=_date(d.get("Datum")),
                                  kind=(d.get("Soort") or "").lower().replace(" ", "-"), reference=reference,
                                  dossier=str(nummer or ""), url=f"{self.base}Document({d['Id']})/resource")
                docs.append(RemoteDoc(url=f"{self.base}Document({d['Id']})/resource",
                                      version=str(d.get("GewijzigdOp") or ""),
                                      name=f"{d['Id']}{_ext(d.get('ContentType'))}", external_id=str(d["Id"]),
                                      meta=meta))
                since = max(since or "", str(d.get("GewijzigdOp") or "")) or since
            url = data.get("@odata.nextLink")
            yield docs, ({"since": since, "next": url} if url else {"since": since})


# ------------------------------------------------------------------ Tweede Kamer SyncFeed

class TkSyncFeed:
    kind = "tk-syncfeed"

    def __init__(self, spec: SourceSpec):
        self.spec = spec

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        params = dict(parse_qs(self.spec.query or "category=Document"))
        query = {k: v[0] for k, v in params.items()}
        if cursor.get("skiptoken"):
            query["skiptoken"] = str(cursor["skiptoken"])
        url: str | None = f"{self.spec.url}?{urlencode(query)}"
        while url:
            page = fetcher.get(url, accept="application/atom+xml")
            root = _xml(page.body, url)
            if _local(root.tag) != "feed":
                raise PageError(f"{url}: not an Atom feed (root <{_local(root.tag)}>)")
            docs = []
            for entry in (e for e in root if _local(e.tag) == "entry"):
                enclosure = next((l.get("href") for l in entry if _local(l.tag) == "link"
                                  and l.get("rel") == "enclosure" and l.get("href")), None)
                if not enclosure:
                    continue
                content = _find(entry, "content")
                deleted = content is not None and _text(content, "verwijderd").lower() == "true"
                if deleted:
                    continue
                meta = LetterMeta()
                if content is not None:
                    meta = LetterMeta(title=_text(content, "onderwerp") or _text(content, "titel"),
                                      date=_date(_text(content, "datum")),
                                      reference=_text(content, "documentNummer") or _text(content, "documentnummer"))
                entity = _text(entry, "title")
                docs.append(RemoteDoc(url=enclosure, version=_text(entry, "updated"),
                                      name=f"{entity or 'document'}{_ext(None)}", external_id=entity, meta=meta))
            nxt = next((l.get("href") for l in root if _local(l.tag) == "link" and l.get("rel") == "next"), None)
            token = parse_qs(urlsplit(nxt).query).get("skiptoken", [None])[0] if nxt else cursor.get("skiptoken")
            yield docs, {"skiptoken": token}
            if nxt and token != cursor.get("skiptoken"):
                cursor = {"skiptoken": token}
                url = nxt
            else:
                url = None


# ------------------------------------------------------------------ KOOP SRU

class KoopSru:
    kind = "sru"
    PREFER = ("xml", "html", "pdf")

    def __init__(self, spec: SourceSpec):
        self.spec = spec

    def url(self, start: int, since: str | None) -> str:
        cql = self.spec.query or "c.product-area==officielepublicaties"
        if since:
            cql = f"({cql}) AND dt.modified>={since}"
        params = {"operation": "searchRetrieve", "version": "2.0", "query": cql, "recordSchema": "gzd",
                  "maximumRecords": str(min(self.spec.page_size, 1000)), "startRecord": str(start)}
        return f"{self.spec.url}?{urlencode(params)}"

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        start = int(cursor.get("start") or 1)
        since = cursor.get("since")
        newest = cursor.get("newest") or since
        while True:
            url = self.url(start, since)
            root = _xml(fetcher.get(url, accept="application/xml").body, url)
            if _local(root.tag) != "searchRetrieveResponse":
                raise PageError(f"{url}: not an SRU searchRetrieveResponse (root <{_local(root.tag)}>)")
            diag = _find(root, "diagnostics")
            if diag is not None:
                raise PageError(f"{url}: SRU error: {_text(diag, 'message') or _text(diag, 'details') or 'diagnostic'}")
            docs = []
            for rec in (r for r in root.iter() if _local(r.tag) == "record"):
                items = {(i.get("manifestation") or ""): (i.text or "").strip()
                         for i in rec.iter() if _local(i.tag) == "itemUrl"}
                file_url = next((items[m] for m in self.PREFER if items.get(m)), "")
                if not file_url:
                    continue
                ident = _text(rec, "identifier")
                dossier, number = _text(rec, "dossiernummer"), _text(rec, "ondernummer")
                modified = _text(rec, "modified")
                meta = LetterMeta(title=_text(rec, "title"),
                                  date=_date(_text(rec, "issued") or _text(rec, "date") or _text(rec, "available")),
                                  kind=(_text(rec, "type") or "").lower(),
                                  reference=normalise_reference(ident) if ident.startswith("kst-") else
                                  (f"kst-{dossier}-{number}" if dossier and number else ident),
                                  dossier=dossier, url=_text(rec, "preferredUrl") or file_url)
                manifestation = next(m for m in self.PREFER if items.get(m) == file_url)
                docs.append(RemoteDoc(url=file_url, version=modified, name=f"{ident or 'document'}.{manifestation}",
                                      external_id=ident, meta=meta))
                newest = max(newest or "", modified[:10]) or newest
            nxt = _text(root, "nextRecordPosition")
            if nxt.isdigit() and int(nxt) > start:
                start = int(nxt)
                yield docs, {"start": start, "since": since, "newest": newest}
            else:  # done: later polls ask only for what was modified since the newest record seen
                yield docs, {"start": 1, "since": newest, "newest": newest}
                return


ADAPTERS = {"tk-odata": TkOData, "tk-syncfeed": TkSyncFeed, "sru": KoopSru}


class NotModified(Exception):
    """The service says its first page is unchanged since the last poll: nothing new."""


class _ConditionalFirstPage:
    """Wraps a Fetcher: the poll's first page request carries the validators saved last time.

    A 304 ends the poll with nothing new; the first page's ETag/Last-Modified
    are kept (per URL) for the next poll. Files are fetched unconditionally.
    """

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


def adapter_first_url(adapter: Any, cursor: dict[str, Any]) -> str:
    """The URL the next poll will start with (validators are only valid for that exact URL)."""
    clean = {k: v for k, v in cursor.items() if not k.startswith("_")}
    if isinstance(adapter, TkOData):
        return clean.get("next") or adapter.first_url(clean)
    if isinstance(adapter, KoopSru):
        return adapter.url(int(clean.get("start") or 1), clean.get("since"))
    query = {k: v[0] for k, v in parse_qs(adapter.spec.query or "category=Document").items()}
    if clean.get("skiptoken"):
        query["skiptoken"] = str(clean["skiptoken"])
    return f"{adapter.spec.url}?{urlencode(query)}"


def _known(session: Any, kind: str, locator: str) -> bool:
    return session.scalar(select(Source.id).where(Source.kind == kind, Source.locator == locator).limit(1)) is not None


def poll_source(monitor: Any, spec: SourceSpec, fetcher: Fetcher | None = None) -> int:
    """Poll one remote source once; returns how many letters were stored or updated."""
    adapter = ADAPTERS[spec.kind](spec)
    own = fetcher is None
    fetcher = fetcher or Fetcher(timeout=spec.timeout_seconds, rate=spec.rate_per_second, max_bytes=spec.max_bytes)
    sessions = monitor.sessions
    with sessions.begin() as session:
        row = session.get(SourceCursor, spec.name)
        if row is None or row.kind != spec.kind:
            row = row or SourceCursor(name=spec.name)
            row.kind, row.cursor = spec.kind, {}
            session.add(row)
        cursor = dict(row.cursor or {})
        validators = (row.cursor.get("_first_url", ""), row.etag, row.last_modified)
    changed: list[int] = []
    error = ""
    pages_fetcher = _ConditionalFirstPage(fetcher, *validators)
    try:
        for docs, next_cursor in adapter.pages(pages_fetcher, cursor):  # type: ignore[arg-type]
            for doc in docs:
                if monitor.stopping.is_set():
                    return len(changed)
                with sessions() as session:
                    if _known(session, adapter.kind, doc.locator):
                        continue
                try:
                    file = fetcher.get(doc.url)
                except FetchError as exc:
                    if exc.transient:
                        raise  # stop here: the cursor stays at the start of this page
                    with sessions.begin() as session:
                        repo.log(session, kind=adapter.kind, locator=doc.locator, outcome=repo.ERROR,
                                 message=str(exc), now=monitor.now())
                    log.error("%s", exc)
                    continue
                cand = Candidate(adapter.kind, doc.locator, doc.name, data=file.body, override=doc.meta,
                                 external_id=doc.external_id)
                result = ingest_one(sessions, cand, monitor.now(), spec.max_bytes)
                if result.changed and result.letter_id is not None:
                    changed.append(result.letter_id)
                    log.info("ingested %s: %s", doc.url, result.message)
            with sessions.begin() as session:  # the whole page is handled: move the cursor on
                row = session.get(SourceCursor, spec.name)
                row.cursor = next_cursor
                row.polled_at = utcnow()
                cursor = next_cursor
        with sessions.begin() as session:  # validators of this poll's first page, for the next poll
            row = session.get(SourceCursor, spec.name)
            if pages_fetcher.first is not None:
                first_url = adapter_first_url(adapter, row.cursor or {})
                row.cursor = {**(row.cursor or {}), "_first_url": first_url}
                same = first_url == pages_fetcher.first[0]
                row.etag = pages_fetcher.first[1] if same else ""
                row.last_modified = pages_fetcher.first[2] if same else ""
        with sessions.begin() as session:
            row = session.get(SourceCursor, spec.name)
            row.backfilled = True
            row.last_error = ""
    except NotModified:
        log.info("source %s: not modified since the last poll", spec.name)
        with sessions.begin() as session:
            row = session.get(SourceCursor, spec.name)
            row.polled_at = utcnow()
            row.last_error = ""
    except (FetchError, PageError) as exc:
        error = str(exc)
        log.error("source %s: %s (cursor kept; retried next poll)", spec.name, error)
        with sessions.begin() as session:
            row = session.get(SourceCursor, spec.name)
            row.last_error = error
            repo.log(session, kind=adapter.kind, locator=getattr(exc, "url", spec.url) or spec.url,
                     outcome=repo.ERROR, message=error, now=monitor.now())
    finally:
        if own:
            fetcher.close()
        monitor.analyse(changed)
    return len(changed)
