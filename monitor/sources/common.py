"""What the remote adapters share: the document record, XML helpers, typed field access.

Service responses are untrusted input: every field is read through a getter
that checks its type (a number where a string belongs, a list where an object
belongs) and a malformed record becomes a logged error for that record, never
a crash of the poll.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from ..model import LetterMeta


class PageError(ValueError):
    """A service page that cannot be read (malformed JSON/XML, an error document, a page loop)."""

    def __init__(self, message: str, url: str = ""):
        super().__init__(message)
        self.url = url


@dataclass(frozen=True)
class RemoteDoc:
    """One document a service lists: where its file is, and what the service says about it.

    ``aliases`` are other ids of the same document (TK number and GUID, KOOP
    id); ``parent`` is set for an attachment (the reference or alias of its
    letter); ``deleted`` for a deletion; ``refs`` are SyncFeed references still
    to resolve (dossier, zaak, source document); ``error`` marks a record that
    could not be read.
    """

    url: str
    version: str
    stem: str  # file name without extension; the extension is chosen from the bytes and content type
    external_id: str
    meta: LetterMeta = field(default_factory=LetterMeta)
    content_type: str = ""
    aliases: tuple[str, ...] = ()
    parent: str = ""
    deleted: bool = False
    doc_type: str = ""
    refs: tuple[tuple[str, str], ...] = ()
    error: str = ""

    @property
    def locator(self) -> str:
        return f"{self.url}#{self.version}" if self.version else self.url


def xml(body: bytes, url: str) -> Element:
    try:
        return safe_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        raise PageError(f"{url}: malformed XML: {exc}", url) from None
    except DefusedXmlException as exc:
        raise PageError(f"{url}: unsafe XML refused ({type(exc).__name__})", url) from None


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def find(el: Element, name: str) -> Element | None:
    return next((x for x in el.iter() if local(x.tag) == name), None)


def text(el: Element | None, name: str) -> str:
    hit = find(el, name) if el is not None else None
    return " ".join("".join(hit.itertext()).split()) if hit is not None else ""


def attr(el: Element, name: str) -> str:
    """An attribute by local name, namespaced or not (``tk:verwijderd`` and ``verwijderd``)."""
    for key, value in el.attrib.items():
        if local(key) == name:
            return value
    return ""


def s(record: dict[str, Any], key: str) -> str:
    """A string field; numbers are accepted as their text, anything else counts as missing."""
    value = record.get(key)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return " ".join(value.split()) if isinstance(value, str) else ""


def date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def objects(value: Any) -> list[dict[str, Any]]:
    """An OData navigation property as a list of objects (single-valued or a collection)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def type_ok(doc_type: str, types: frozenset[str] | None) -> bool:
    return types is None or " ".join(doc_type.lower().split()) in types
