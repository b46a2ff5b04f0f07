"""Atom 1.0 feeds of change sets (one entry per letter × topic). Pure; feedgen lives here only.

What holds:

* the same change sets render byte-identical documents: every ``updated`` comes
  from the data (the letter's date), entries are ordered newest first;
* an entry id is a ``tag:`` URI built from the letter, the topic and a hash of
  the change ids in it: it never changes for the same change set and is
  never reused for another;
* history is split per RFC 5005 into fixed archive pages of ``page_size``
  entries counted from the oldest (so an archive page never changes once full)
  plus the subscription document with the newest entries; ``prev-archive``
  (and ``next``) lead from each document to the one before it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from feedgen.feed import FeedGenerator
from lxml import etree

FH_NS = "http://purl.org/syndication/history/1.0"
MONTHS_NL = ("januari februari maart april mei juni juli augustus september oktober november december").split()
KIND_NL = {"modified": "gewijzigd", "added": "nieuw", "not_restated": "niet herhaald", "reaffirmed": "herhaald"}
ASPECT_NL = {"numbers": "getallen", "modality": "modaliteit"}


def dutch_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class LetterRef:
    key: str
    title: str
    date: dt.date
    url: str  # our page for the letter
    sources: tuple[str, ...] = ()  # where it came from (paths or URLs)


@dataclass(frozen=True)
class EntryChange:
    uid: str
    kind: str
    aspects: tuple[str, ...]
    old_text: str | None
    new_text: str | None
    diff: tuple[tuple[str, str], ...] = ()
    old_letter: LetterRef | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSet:
    """The changes one letter makes to one topic's standing position."""

    topic: str
    letter: LetterRef
    changes: tuple[EntryChange, ...]
    url: str  # our page for this change set

    def entry_id(self, authority: str) -> str:
        digest = hashlib.sha1("\n".join(sorted(c.uid for c in self.changes)).encode()).hexdigest()[:12]
        return f"tag:{authority}:changeset/{self.letter.key}/{self.topic}/{digest}"

    @property
    def updated(self) -> dt.datetime:
        return dt.datetime.combine(self.letter.date, dt.time(0, 0), tzinfo=dt.timezone.utc)

    @property
    def headline(self) -> str:
        kinds = {c.kind for c in self.changes}
        what = ("gewijzigd standpunt" if "modified" in kinds else "nieuw standpunt" if "added" in kinds
                else "niet herhaalde standpunten")
        return f'{self.topic}: {what} in "{self.letter.title}" ({dutch_date(self.letter.date)})'


@dataclass(frozen=True)
class FeedMeta:
    id: str
    title: str
    self_url: str  # the subscription document's URL
    html_url: str
    author: str
    archive_url: str  # with "{n}" for the archive page number


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def diff_html(diff: Sequence[tuple[str, str]]) -> str:
    out = []
    for op, text in diff:
        if op == "=":
            out.append(_esc(text))
        elif op == "-":
            out.append(f"<del>{_esc(text)}</del>")
        else:
            out.append(f"<ins>{_esc(text)}</ins>")
    return "".join(out)


def _letter_link(ref: LetterRef) -> str:
    links = [f'<a href="{_esc(ref.url)}">{_esc(ref.title)}</a> ({dutch_date(ref.date)})']
    for src in ref.sources:
        if src.startswith(("http://", "https://")):
            links.append(f'<a href="{_esc(src)}">bron</a>')
        else:
            links.append(f"bron: <code>{_esc(src)}</code>")
    return " — ".join(links)


def change_html(c: EntryChange) -> str:
    aspects = ", ".join(ASPECT_NL.get(a, a) for a in c.aspects)
    head = f"<p><strong>{_esc(KIND_NL.get(c.kind, c.kind))}</strong>" + (f" ({_esc(aspects)})" if aspects else "") + "</p>"
    parts = [head]
    if c.kind == "modified":
        parts.append(f"<p>{diff_html(c.diff)}</p>")
        parts.append(f"<blockquote><p>Eerder: {_esc(c.old_text)}</p></blockquote>")
        parts.append(f"<blockquote><p>Nu: {_esc(c.new_text)}</p></blockquote>")
        modality = c.details.get("modality")
        if isinstance(modality, dict):
            parts.append(f"<p>Modaliteit: {_esc(str(modality.get('old')))} → {_esc(str(modality.get('new')))}</p>")
        numbers = c.details.get("numbers")
        if isinstance(numbers, dict):
            parts.append(f"<p>Getallen: {_esc(', '.join(map(str, numbers.get('old', []))) or '—')} → "
                         f"{_esc(', '.join(map(str, numbers.get('new', []))) or '—')}</p>")
    elif c.kind == "not_restated":
        parts.append(f"<blockquote><p>{_esc(c.old_text)}</p></blockquote>"
                     "<p><em>Niet herhaald in deze brief; dat is geen intrekking.</em></p>")
    else:
        parts.append(f"<blockquote><p>{_esc(c.new_text)}</p></blockquote>")
    if c.old_letter is not None:
        parts.append(f"<p>Eerdere brief: {_letter_link(c.old_letter)}</p>")
    return "<div>" + "".join(parts) + "</div>"


def changeset_html(cs: ChangeSet) -> str:
    return (f"<p>Brief: {_letter_link(cs.letter)}</p>" + "".join(change_html(c) for c in cs.changes))


def pages(count: int, page_size: int) -> int:
    """How many archive pages ``count`` entries make (the newest 1..page_size stay in the subscription doc)."""
    return max(0, (count - 1) // page_size)


def render(meta: FeedMeta, changesets: Sequence[ChangeSet], page_size: int, archive: int | None = None,
           authority: str = "policy-monitor.local,2026") -> bytes:
    """The subscription document (``archive`` None) or archive page ``archive`` (1 = oldest).

    ``changesets`` in any order; they are sorted oldest first by (date, letter, topic).
    Raises IndexError for an archive page that does not exist.
    """
    ordered = sorted(changesets, key=lambda c: (c.letter.date, c.letter.key, c.topic))
    n_archives = pages(len(ordered), page_size)
    if archive is None:
        chunk = ordered[n_archives * page_size:]
        older = n_archives or None
        self_url = meta.self_url
    else:
        if not 1 <= archive <= n_archives:
            raise IndexError(archive)
        chunk = ordered[(archive - 1) * page_size: archive * page_size]
        older = archive - 1 or None
        self_url = meta.archive_url.format(n=archive)

    fg = FeedGenerator()
    fg.id(meta.id if archive is None else f"{meta.id}/archive/{archive}")
    fg.title(meta.title if archive is None else f"{meta.title} (archief {archive})")
    fg.author({"name": meta.author})
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=meta.html_url, rel="alternate", type="text/html")
    fg.link(href=meta.self_url, rel="current", type="application/atom+xml")
    fg.link(href=meta.self_url, rel="first", type="application/atom+xml")
    if older is not None:
        older_url = meta.archive_url.format(n=older)
        fg.link(href=older_url, rel="prev-archive", type="application/atom+xml")
        fg.link(href=older_url, rel="next", type="application/atom+xml")
    if archive is not None:
        # newer: the next archive page, or the subscription document after the newest archive
        newer_url = meta.archive_url.format(n=archive + 1) if archive < n_archives else meta.self_url
        fg.link(href=newer_url, rel="next-archive" if archive < n_archives else "previous",
                type="application/atom+xml")
        if archive < n_archives:
            fg.link(href=newer_url, rel="previous", type="application/atom+xml")
    fg.language("nl")
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    fg.updated(max((c.updated for c in chunk), default=max((c.updated for c in ordered), default=epoch)))
    # feedgen prepends by default; add oldest first so the document lists the newest first
    for cs in chunk:
        fe = fg.add_entry(order="prepend")
        fe.id(cs.entry_id(authority))
        fe.title(cs.headline)
        fe.updated(cs.updated)
        fe.published(cs.updated)
        fe.link(href=cs.url, rel="alternate", type="text/html")
        fe.category(term=cs.topic, label=cs.topic)
        fe.author({"name": meta.author})
        fe.content(changeset_html(cs), type="html")
        fe.summary(f"{len(cs.changes)} wijziging(en): " + ", ".join(
            sorted({KIND_NL.get(c.kind, c.kind) for c in cs.changes})))
    xml = fg.atom_str(pretty=True)
    if archive is not None:  # RFC 5005 §4: mark archive documents
        root = etree.fromstring(xml)
        etree.SubElement(root, f"{{{FH_NS}}}archive")
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml
