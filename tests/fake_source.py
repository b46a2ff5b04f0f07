"""A source kind made the way a new one is: this module, plus one line in ``monitor.sources.registry.SOURCES``.

The service lists documents as a JSON array, oldest first, after the id given as ``?after=``; each item is
``{"id", "type", "title", "date", "file"}``. Deletions and attachments are left out: a new kind needs neither.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode

from monitor.model import LetterMeta
from monitor.sources.base import Page, SourceSpec
from monitor.sources.common import PageError, RemoteDoc, date, s, type_ok
from monitor.sources.http import Fetcher


class JsonList:
    kind: ClassVar[str] = "fake-json"
    letter_types: ClassVar[tuple[str, ...]] = ("brief",)

    def __init__(self, spec: SourceSpec):
        self.spec = spec
        self.types = spec.types(self.letter_types)

    def first_url(self, cursor: dict[str, Any]) -> str:
        return f"{self.spec.url}?{urlencode({'after': cursor.get('after', '')})}"

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[Page]:
        url = self.first_url(cursor)
        try:
            items = json.loads(fetcher.get(url, accept="application/json").body)
        except ValueError as exc:
            raise PageError(f"{url}: not JSON: {exc}", url) from None
        docs = [RemoteDoc(url=s(d, "file"), version="1", stem=s(d, "id"), external_id=s(d, "id"),
                          meta=LetterMeta(title=s(d, "title"), date=date(d.get("date"))), doc_type=s(d, "type"))
                for d in items if type_ok(s(d, "type"), self.types)]
        yield docs, {"after": s(items[-1], "id")} if items else dict(cursor)

    def complete(self, doc: RemoteDoc, fetcher: Fetcher) -> RemoteDoc:
        return doc
