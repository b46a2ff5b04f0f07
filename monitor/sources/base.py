"""What every source is and hands on: the :class:`Source` protocol, its configuration, and a candidate letter file.

A source kind is one class that satisfies :class:`Source` (one module) plus one line in
:data:`monitor.sources.registry.SOURCES`. The configuration accepts exactly the kinds registered there; the poll
driver (:mod:`monitor.polling`) knows sources only through this protocol.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..model import LetterMeta

if TYPE_CHECKING:  # only for annotations: the protocol does not tie a source to this HTTP client
    from .common import RemoteDoc
    from .http import Fetcher


@dataclass(frozen=True)
class Candidate:
    """One file to ingest. ``error`` is set when the source could not even get the bytes.

    ``override`` is metadata that wins over what the text suggests (a sidecar,
    or the data service's record); ``extra`` are bytes that count towards the
    source fingerprint (a sidecar's), so editing a sidecar is seen as a change.
    """

    kind: str
    locator: str
    name: str
    data: bytes | None = None
    override: LetterMeta | None = None
    external_id: str = ""
    extra: bytes = b""
    error: str = ""
    aliases: tuple[str, ...] = ()  # other ids of the letter at the services (TK number, GUID, KOOP id)
    stat: str = ""  # a folder file's stat key (:func:`monitor.sources.folder.stat_key`); "" when unknown


@dataclass(frozen=True)
class SourceSpec:
    """One ``[[sources]]`` table: which service to poll and how politely.

    ``kind`` names a class in :data:`monitor.sources.registry.SOURCES`. ``document_types``: the service's own
    type names to take (TK ``Soort`` such as "Brief regering", KOOP ``subrubriek``/``type`` such as "Brief" or
    "Bijlage"), case-insensitive; empty: the kind's :attr:`Source.letter_types`; ``["*"]``: everything.
    ``allowed_hosts``: hosts besides the source URL's own that files and redirects may come from.
    ``deadline_seconds``: the most one response may take in total. ``retries_per_document``: polls a failing
    document may hold its source back before it is parked and skipped. ``start_skiptoken``: where a first
    SyncFeed poll starts (0: the beginning). ``max_pages`` and ``poll_seconds``: the most pages, and the most
    time, one poll takes; then it ends with the cursor of the last whole page and the next poll goes on from
    there (an endless paged feed cannot hold a poll forever). ``max_retry_after_seconds``: the longest
    ``Retry-After`` waited for within a poll; a longer one ends the poll, retried at the next.
    """

    name: str
    kind: str
    url: str
    query: str = ""
    page_size: int = 250
    rate_per_second: float = 1.0
    timeout_seconds: float = 30.0
    deadline_seconds: float = 120.0
    max_bytes: int = 50_000_000
    enabled: bool = True
    document_types: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    retries_per_document: int = 3
    start_skiptoken: int = 0
    max_pages: int = 200
    poll_seconds: float = 1800.0
    max_retry_after_seconds: float = 60.0

    def types(self, defaults: tuple[str, ...]) -> frozenset[str] | None:
        """Lower-cased document types to take (``defaults`` when the table names none); None: take everything."""
        chosen = self.document_types or defaults
        if "*" in chosen:
            return None
        return frozenset(" ".join(t.lower().split()) for t in chosen)


Page = tuple[list["RemoteDoc"], dict[str, Any]]


class Source(Protocol):
    """A remote service that lists letters page by page from a cursor.

    What holds for every implementation:

    * ``pages`` yields ``(documents, cursor)``; the cursor after a page is where the next poll starts once that
      page is handled (the driver saves it only then), and it is JSON (a dict of strings and numbers);
    * ``first_url(cursor)`` is exactly the URL ``pages`` requests first from that cursor (the driver keeps the
      ETag/Last-Modified of that URL, valid for that URL only);
    * ``complete`` fills in what the listing left out (SyncFeed references), fetching with ``fetcher``; it raises
      :class:`~monitor.sources.http.FetchError` or :class:`~monitor.sources.common.PageError` on failure, and
      returns the document unchanged when nothing is missing;
    * service responses are untrusted: a malformed page raises ``PageError``, a malformed record becomes a
      :class:`~monitor.sources.common.RemoteDoc` with ``error`` set.
    """

    kind: ClassVar[str]  # the [[sources]] kind, also the ingest log's and the metrics' source kind
    # What the source takes when its table names no document_types: the cabinet's letters, answers to
    # written questions and their attachments (a first poll of everything would fetch every motion and agenda).
    letter_types: ClassVar[tuple[str, ...]]

    def __init__(self, spec: SourceSpec) -> None: ...

    def first_url(self, cursor: dict[str, Any]) -> str: ...

    def pages(self, fetcher: Fetcher, cursor: dict[str, Any]) -> Iterator[Page]: ...

    def complete(self, doc: RemoteDoc, fetcher: Fetcher) -> RemoteDoc: ...
