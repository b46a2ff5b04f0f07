"""Tweede Kamer SyncFeed (Atom): every Document change, in order, resumable by ``skiptoken``.

Entry shape as recorded by other public projects (WetSuiteLeiden data-collection
``api_tweede_kamer_part1…ipynb``; berthubert/tkconv; OpenDataPortaal issue #193):
``<content><document id=… tk:bijgewerkt=… tk:verwijderd="false"
tk:contentType="application/pdf">`` with ``soort``, ``documentNummer``,
``onderwerp``, ``datum``, ``volgnummer`` and references
``<kamerstukdossier ref=…/>``, ``<zaak ref=…/>``, ``<bronDocument ref=…/>``.
A deletion is a tombstone: ``<document id=… tk:verwijderd="true"/>``.

What holds:

* a deletion is recorded as one (the letter is marked withdrawn) and its
  resource, which then answers 500, is never fetched;
* the reference is resolved through the dossier: ``SyncFeed/2.0/Entiteiten/<ref>``
  gives the Kamerstukdossier's ``nummer`` and ``toevoeging``, so a SyncFeed
  letter gets the same ``kst-…`` reference as from OData and SRU; answers to
  written questions through their ``zaak`` (the Z number); a ``bronDocument``
  makes the entry an attachment of that document's letter;
* only the configured document types are fetched (a motion is not a letter);
* a skiptoken seen before in this poll is a page loop: paging stops with an error.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree.ElementTree import Element

from .. import references
from ..model import LetterMeta
from .base import SourceSpec
from .common import PageError, RemoteDoc, attr, date, local, text, type_ok, xml
from .http import Fetcher


def _entity(entry: Element) -> Element | None:
    content = next((c for c in entry if local(c.tag) == "content"), None)
    return next(iter(content), None) if content is not None else None


def _ref(entity: Element, name: str) -> str:
    hit = next((c for c in entity if local(c.tag) == name), None)
    return (hit.get("ref") or "") if hit is not None else ""


def _deleted(entity: Element | None) -> bool:
    if entity is None:
        return False
    flag = attr(entity, "verwijderd") or text(entity, "verwijderd")  # the attribute; an element in old recordings
    return flag.strip().lower() == "true"


def _token(url: str | None) -> str | None:
    if not url:
        return None
    return parse_qs(urlsplit(url).query).get("skiptoken", [None])[0]


class TkSyncFeed:
    """A :class:`~monitor.sources.base.Source`: the SyncFeed's Atom pages from the cursor's ``skiptoken``."""

    kind: ClassVar[str] = "tk-syncfeed"
    letter_types: ClassVar[tuple[str, ...]] = (
        "Brief regering", "Antwoord schriftelijke vragen", "Antwoord schriftelijke vragen (nader)", "Bijlage")

    def __init__(self, spec: SourceSpec):
        self.spec = spec
        self.types = spec.types(self.letter_types)
        self.cache: dict[str, Element | None] = {}

    def first_url(self, cursor: dict[str, Any]) -> str:
        query = {k: v[0] for k, v in parse_qs(self.spec.query or "category=Document").items()}
        token = cursor.get("skiptoken") or (self.spec.start_skiptoken or None)
        if token:
            query["skiptoken"] = str(token)
        return f"{self.spec.url}?{urlencode(query)}"

    def entity_url(self, ident: str) -> str:
        base = self.spec.url.rsplit("/", 1)[0]
        return f"{base}/Entiteiten/{ident}"

    def record(self, entry: Element) -> RemoteDoc | None:
        ident = text(entry, "title")
        entity = _entity(entry)
        updated = text(entry, "updated")
        enclosure = next((l.get("href") for l in entry if local(l.tag) == "link" and l.get("rel") == "enclosure"
                          and l.get("href")), "")
        if _deleted(entity):
            gid = (entity.get("id") if entity is not None else "") or ident
            return RemoteDoc(url=enclosure or self.entity_url(gid), version=updated, stem=gid, external_id=gid,
                             aliases=(gid,), deleted=True)
        if entity is None or not enclosure:
            return None
        soort = text(entity, "soort")
        if not type_ok(soort, self.types):
            return None
        number = text(entity, "documentNummer")
        meta = LetterMeta(title=text(entity, "onderwerp") or text(entity, "titel"), date=date(text(entity, "datum")),
                          kind=references.kind_slug(soort), url=enclosure)
        refs = tuple((name, _ref(entity, name)) for name in ("kamerstukdossier", "zaak", "bronDocument")
                     if _ref(entity, name))
        gid = entity.get("id") or ident
        return RemoteDoc(url=enclosure, version=updated, stem=gid, external_id=gid, meta=meta,
                         content_type=attr(entity, "contentType"), aliases=tuple(a for a in (number, gid) if a),
                         doc_type=soort, refs=refs + (("volgnummer", text(entity, "volgnummer")),))

    # -------------------------------------------------------------- resolving references

    def _get_entity(self, fetcher: Fetcher, ident: str) -> Element | None:
        if ident not in self.cache:
            url = self.entity_url(ident)
            root = xml(fetcher.get(url, accept="application/xml").body, url)
            # Entiteiten/<id> answers with the entity itself, or wrapped in an Atom entry
            found = root if local(root.tag) not in ("entry", "feed") else _entity(root) if local(root.tag) == "entry" \
                else None
            self.cache[ident] = None if _deleted(found) else found
        return self.cache[ident]

    def _reference(self, fetcher: Fetcher, refs: dict[str, str], soort: str) -> str:
        if refs.get("kamerstukdossier"):
            dossier = self._get_entity(fetcher, refs["kamerstukdossier"])
            if dossier is not None:
                ref = references.kamerstuk(text(dossier, "nummer"), text(dossier, "toevoeging"),
                                           refs.get("volgnummer", ""))
                if ref:
                    return ref
        if soort.lower() in references.ANSWER_KINDS and refs.get("zaak"):
            zaak = self._get_entity(fetcher, refs["zaak"])
            number = text(zaak, "nummer") if zaak is not None else ""
            if references.ZAAK.match(number):
                return number.upper()
        return ""

    def complete(self, doc: RemoteDoc, fetcher: Fetcher) -> RemoteDoc:
        """Resolve the entry's dossier, zaak and source document (FetchError/PageError on failure)."""
        if doc.deleted or not doc.refs:
            return doc
        refs = dict(doc.refs)
        reference = self._reference(fetcher, refs, doc.doc_type)
        parent = ""
        if refs.get("bronDocument"):
            bron = self._get_entity(fetcher, refs["bronDocument"])
            if bron is not None:
                bron_refs = {name: _ref(bron, name) for name in ("kamerstukdossier", "zaak")}
                bron_refs["volgnummer"] = text(bron, "volgnummer")
                parent = (self._reference(fetcher, bron_refs, text(bron, "soort"))
                          or text(bron, "documentNummer") or refs["bronDocument"])
            else:
                parent = refs["bronDocument"]
        meta = LetterMeta(**{**doc.meta.__dict__, "reference": reference})
        return RemoteDoc(url=doc.url, version=doc.version, stem=doc.stem, external_id=doc.external_id, meta=meta,
                         content_type=doc.content_type, aliases=doc.aliases, parent=parent, doc_type=doc.doc_type)

    # -------------------------------------------------------------- paging

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[tuple[list[RemoteDoc], dict[str, Any]]]:
        url: str | None = self.first_url(cursor)
        token = cursor.get("skiptoken")
        seen: set[str] = {str(token)} if token else set()
        while url:
            root = xml(fetcher.get(url, accept="application/atom+xml").body, url)
            if local(root.tag) != "feed":
                raise PageError(f"{url}: not an Atom feed (root <{local(root.tag)}>)", url)
            docs: list[RemoteDoc] = []
            entries = [e for e in root if local(e.tag) == "entry"]
            for entry in entries:
                doc = self.record(entry)
                if doc is not None:
                    docs.append(doc)
            feed_next = next((l.get("href") for l in root if local(l.tag) == "link" and l.get("rel") == "next"), None)
            entry_next = next((l.get("href") for e in reversed(entries) for l in e
                               if local(l.tag) == "link" and l.get("rel") == "next"), None)
            nxt = feed_next or entry_next
            new_token = _token(nxt)
            if nxt and new_token is None:
                raise PageError(f"{url}: next link without a skiptoken: {nxt}", url)
            if new_token is not None and new_token in seen:
                if new_token == str(token):  # the end of the feed points at itself: nothing more for now
                    yield docs, {"skiptoken": token}
                    return
                yield docs, {"skiptoken": token}
                raise PageError(f"{url}: page loop: skiptoken {new_token} was already read in this poll", url)
            if new_token is None:
                yield docs, {"skiptoken": token}
                return
            seen.add(new_token)
            token = new_token
            yield docs, {"skiptoken": token}
            url = nxt
