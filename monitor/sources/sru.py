"""KOOP SRU 2.0 (officielebekendmakingen): ``gzd`` records, paged with ``startRecord``.

Record shape as in KOOP's own test recording
(MinBZK/woo-besluit-broncode-PLOOI, ``verwerken/plooi-dcn/dcn-integratie-testen/
src/test/resources/test-data/oep/repository.overheid.nl/sru.xml``) and
WetSuiteLeiden/wetsuite-core ``datacollect/koop_sru.py``. What holds:

* the reference is the ``dcterms:identifier`` when it is a proper
  ``kst-<dossier>[-<toevoeging>]-<nr>``; a KOOP id such as ``kst-1027283`` is
  an alias and the reference is built from ``dossiernummer`` (which may carry
  the Toevoeging, ``21501-02``) and ``ondernummer``; an answer to written
  questions (``ah-tk-…``) is referenced by its ``vraagnummer`` (Z number);
* a ``Bijlage`` record (``blg-…``) carries its main document's numbers: it is
  stored as an attachment of ``hoofddocument``, never as that letter;
* the title is ``documenttitel`` (``dcterms:title`` is "dossier; subrubriek;
  documenttitel"), the kind the ``subrubriek`` (Brief, Motie, Antwoord);
* only the configured document types are taken (subrubriek, else type).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from .. import references
from ..model import LetterMeta
from .base import SourceSpec
from .common import PageError, RemoteDoc, date, find, local, text, type_ok, xml
from .http import Fetcher


def _reference(rec: Element, ident: str) -> str:
    if references.parse_kamerstuk(ident):
        return references.normalise(ident)
    number, toevoeging = references.split_dossier(text(rec, "dossiernummer"))
    ref = references.kamerstuk(number, toevoeging, text(rec, "ondernummer"))
    if ref:
        return ref
    z = text(rec, "vraagnummer")
    return z.upper() if references.ZAAK.match(z) else ""


def _title(rec: Element) -> str:
    """``documenttitel``; else the last part of "dossiertitel; subrubriek; documenttitel"."""
    own = text(rec, "documenttitel")
    if own:
        return own
    full = text(rec, "title")
    parts = [p.strip() for p in full.split(";") if p.strip()]
    return parts[-1] if len(parts) >= 3 else full


class KoopSru:
    """A :class:`~monitor.sources.base.Source`: SRU records from the cursor's ``start`` and ``since``."""

    kind: ClassVar[str] = "sru"
    letter_types: ClassVar[tuple[str, ...]] = ("Brief", "Antwoord", "Bijlage")
    PREFER = ("xml", "html", "pdf")

    def __init__(self, spec: SourceSpec):
        self.spec = spec
        self.types = spec.types(self.letter_types)

    def first_url(self, cursor: dict[str, Any]) -> str:
        """The page the next poll asks first."""
        return self.url(int(cursor.get("start") or 1), cursor.get("since"))

    def complete(self, doc: RemoteDoc, fetcher: Fetcher) -> RemoteDoc:
        """Nothing to add: an SRU record carries its metadata."""
        return doc

    def url(self, start: int, since: str | None) -> str:
        cql = self.spec.query or "c.product-area==officielepublicaties"
        if since:
            cql = f"({cql}) AND dt.modified>={since}"
        params = {"operation": "searchRetrieve", "version": "2.0", "query": cql, "recordSchema": "gzd",
                  "maximumRecords": str(min(self.spec.page_size, 1000)), "startRecord": str(start)}
        return f"{self.spec.url}?{urlencode(params)}"

    def record(self, rec: Element) -> RemoteDoc | None:
        items = {(i.get("manifestation") or ""): (i.text or "").strip()
                 for i in rec.iter() if local(i.tag) == "itemUrl"}
        file_url = next((items[m] for m in self.PREFER if items.get(m)), "")
        ident = text(rec, "identifier")
        doc_type = text(rec, "subrubriek") or text(rec, "type")
        is_attachment = text(rec, "type").lower() == "bijlage" or ident.startswith("blg-")
        if not type_ok("bijlage" if is_attachment else doc_type, self.types) or not file_url:
            return None
        modified = text(rec, "modified")
        manifestation = next(m for m in self.PREFER if items.get(m) == file_url)
        parent = references.normalise(text(rec, "hoofddocument")) if is_attachment else ""
        reference = "" if is_attachment else _reference(rec, ident)
        meta = LetterMeta(title=_title(rec), date=date(text(rec, "issued") or text(rec, "date")
                                                      or text(rec, "available")),
                          kind=references.kind_slug("bijlage" if is_attachment else doc_type), reference=reference,
                          dossier=references.split_dossier(text(rec, "dossiernummer"))[0],
                          url=text(rec, "preferredUrl") or file_url)
        aliases = (ident,) if ident and ident != reference else ()
        return RemoteDoc(url=file_url, version=modified, stem=ident or "document", external_id=ident, meta=meta,
                         content_type={"xml": "application/xml", "html": "text/html",
                                       "pdf": "application/pdf"}[manifestation],
                         aliases=aliases, parent=parent, doc_type=doc_type)

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        start = int(cursor.get("start") or 1)
        since = cursor.get("since")
        newest = cursor.get("newest") or since
        while True:
            url = self.url(start, since)
            root = xml(fetcher.get(url, accept="application/xml").body, url)
            if local(root.tag) != "searchRetrieveResponse":
                raise PageError(f"{url}: not an SRU searchRetrieveResponse (root <{local(root.tag)}>)", url)
            diag = find(root, "diagnostics")
            if diag is not None:
                raise PageError(f"{url}: SRU error: {text(diag, 'message') or text(diag, 'details') or 'diagnostic'}",
                                url)
            docs = []
            for rec in (r for r in root.iter() if local(r.tag) == "record"):
                doc = self.record(rec)
                if doc is not None:
                    docs.append(doc)
                modified = text(rec, "modified")
                if date(modified) is not None:
                    newest = max(newest or "", modified[:10]) or newest
            nxt = text(root, "nextRecordPosition")
            if nxt.isascii() and nxt.isdigit() and int(nxt) > start:
                start = int(nxt)
                yield docs, {"start": start, "since": since, "newest": newest}
            else:  # done: later polls ask only for what was modified since the newest record seen
                yield docs, {"start": 1, "since": newest, "newest": newest}
                return
