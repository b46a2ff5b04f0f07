"""Tweede Kamer Gegevensmagazijn, OData v4: ``Document`` with its dossier, zaak and source document.

Field names as in openkamer/tkapi (``tkapi/document.py``, ``tkapi/dossier.py``)
and the OpenDataPortaal issues (#75 shows a real ``Document``, with
``Volgnummer: -1`` for an answer to written questions). What holds:

* the reference is ``kst-<Nummer>[-<Toevoeging>]-<Volgnummer>`` from the
  expanded ``Kamerstukdossier``; an answer to written questions without one is
  referenced by its ``Zaak`` number; ``DocumentNummer`` and ``Id`` are aliases;
* a ``Bijlage`` (or a document with a ``BronDocument``) is an attachment of that
  source document's letter;
* ``Verwijderd: true`` is a deletion (deleted rows are asked for, so they are seen);
* paging follows ``@odata.nextLink``; a server that drops the link while
  honouring ``$top`` is paged with ``$skip``; a link seen before is a page
  loop: an error, never saved in the cursor.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from .. import references
from ..model import LetterMeta
from .base import SourceSpec
from .common import PageError, RemoteDoc, date, objects, s, type_ok
from .http import Fetcher

EXPAND = "Kamerstukdossier,Zaak,BronDocument($expand=Kamerstukdossier)"


def _kst(doc: dict[str, Any]) -> str:
    for dossier in objects(doc.get("Kamerstukdossier")):
        ref = references.kamerstuk(dossier.get("Nummer"), dossier.get("Toevoeging"), doc.get("Volgnummer"))
        if ref:
            return ref
    return ""


def reference_of(doc: dict[str, Any]) -> str:
    """The scheme reference of an OData Document, or ""."""
    ref = _kst(doc)
    if ref:
        return ref
    if s(doc, "Soort").lower() in references.ANSWER_KINDS:
        zaken = [z for z in (s(z, "Nummer") for z in objects(doc.get("Zaak"))) if references.ZAAK.match(z)]
        if zaken:
            return zaken[0].upper()
    return ""


def aliases_of(doc: dict[str, Any]) -> tuple[str, ...]:
    return tuple(a for a in (s(doc, "DocumentNummer"), s(doc, "Id")) if a)


class TkOData:
    """A :class:`~monitor.sources.base.Source`: ``Document`` rows changed since the cursor's ``since``."""

    kind: ClassVar[str] = "tk-odata"
    letter_types: ClassVar[tuple[str, ...]] = (
        "Brief regering", "Antwoord schriftelijke vragen", "Antwoord schriftelijke vragen (nader)", "Bijlage")

    def __init__(self, spec: SourceSpec):
        self.spec = spec
        self.base = spec.url if spec.url.endswith("/") else spec.url + "/"
        self.types = spec.types(self.letter_types)

    def first_url(self, cursor: dict[str, Any]) -> str:
        """The page the next poll asks first: the saved ``next`` link, else the query from ``since``."""
        return cursor.get("next") or self.query_url(cursor)

    def complete(self, doc: RemoteDoc, fetcher: Fetcher) -> RemoteDoc:
        """Nothing to add: the expanded ``Document`` row already carries its dossier and source document."""
        return doc

    def query_url(self, cursor: dict[str, Any], skip: int = 0) -> str:
        parts = [f"({self.spec.query})"] if self.spec.query else []
        if self.types is not None:
            parts.append("(" + " or ".join(f"Soort eq '{t}'" for t in self._type_names()) + ")")
        if cursor.get("since"):
            parts.append(f"GewijzigdOp gt {cursor['since']}")
        params = {"$orderby": "GewijzigdOp asc", "$expand": EXPAND, "$top": str(self.spec.page_size)}
        if parts:
            params["$filter"] = " and ".join(parts)
        if skip:
            params["$skip"] = str(skip)
        return f"{self.base}Document?{urlencode(params, quote_via=quote)}"

    def _type_names(self) -> list[str]:
        return [t.replace("'", "''") for t in (self.spec.document_types or self.letter_types)]

    def record(self, d: dict[str, Any]) -> RemoteDoc:
        ident = s(d, "Id")
        url = f"{self.base}Document({ident})/resource"
        soort = s(d, "Soort")
        if d.get("Verwijderd") is True:
            return RemoteDoc(url=url, version=s(d, "GewijzigdOp"), stem=ident, external_id=ident,
                             aliases=aliases_of(d), deleted=True, doc_type=soort)
        parent = ""
        sources = objects(d.get("BronDocument"))
        if sources or soort.lower() == "bijlage":
            bron = sources[0] if sources else {}
            parent = reference_of(bron) or s(bron, "DocumentNummer") or s(bron, "Id")
        dossier = next(iter(objects(d.get("Kamerstukdossier"))), {})
        meta = LetterMeta(title=s(d, "Onderwerp") or s(d, "Titel"), date=date(d.get("Datum")),
                          kind=references.kind_slug(soort), reference=reference_of(d),
                          dossier=s(dossier, "Nummer"), url=url)
        return RemoteDoc(url=url, version=s(d, "GewijzigdOp"), stem=ident, external_id=ident, meta=meta,
                         content_type=s(d, "ContentType"), aliases=aliases_of(d), parent=parent, doc_type=soort)

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        url: str | None = self.first_url(cursor)
        since = cursor.get("since")
        skip = int(cursor.get("skip") or 0)
        seen: set[str] = set()
        seen_ids: set[str] = set()
        while url:
            seen.add(url)
            page = fetcher.get(url, accept="application/json")
            try:
                data = json.loads(page.body)
                items = data["value"] if isinstance(data, dict) else None
                if not isinstance(items, list):
                    raise TypeError("value is not a list")
            except (ValueError, KeyError, TypeError) as exc:
                raise PageError(f"{url}: not an OData JSON page: {exc}", url) from None
            ids = {s(d, "Id") for d in items if isinstance(d, dict)}
            if ids and ids <= seen_ids:  # a server that ignores $skip (or a nextLink) serves the same page again
                yield [], {"since": since}  # the looping link is never kept in the cursor
                raise PageError(f"{url}: page loop: the same documents as an earlier page of this poll; "
                                "paging stopped", url)
            seen_ids |= ids
            docs = []
            for d in items:
                if not isinstance(d, dict) or not s(d, "Id"):
                    docs.append(RemoteDoc(url=url, version="", stem="", external_id="",
                                         error=f"{url}: a record without an Id: {str(d)[:120]}"))
                    continue
                doc = self.record(d)
                if doc.deleted or type_ok(doc.doc_type, self.types):
                    docs.append(doc)
                changed = s(d, "GewijzigdOp")
                since = max(since or "", changed) or since
            nxt = data.get("@odata.nextLink")
            nxt = nxt if isinstance(nxt, str) and nxt else None
            if nxt is None and len(items) >= self.spec.page_size > 0:
                # $top given and no nextLink: the server may have cut the result; page on with $skip
                skip += len(items)
                nxt = self.query_url({"since": cursor.get("since")}, skip=skip)
            elif nxt is not None:
                skip = 0
            if nxt is not None and nxt in seen:
                yield docs, {"since": since}
                raise PageError(f"{url}: page loop: @odata.nextLink {nxt} was already fetched in this poll; "
                                "paging stopped", url)
            url = nxt
            yield docs, ({"since": since, "next": url, "skip": skip} if url else {"since": since})
