"""Atom 1.0 feeds of change sets (one entry per letter × topic). Pure; feedgen lives here only.

What holds:

* the same change sets render byte-identical documents: every ``updated`` comes
  from the data (the letter's date, or the time its changes were revised),
  entries are ordered newest first;
* an entry id is a ``tag:`` URI built from the letter and the topic only (and, for a
  followed subject other than the first, that subject): a
  recomputed change set keeps its id, its ``updated`` moves to the revision
  and its content says it was revised, so a reader updates the entry it has
  instead of showing a second one;
* history is split per RFC 5005 into fixed archive pages of ``page_size``
  entries counted from the first published (``ChangeSet.first_seen``, then
  letter date, key and topic), so a late letter lands in the subscription
  document and never moves an entry between archive pages; ``prev-archive``
  (and ``next``) lead from each document to the one before it.
"""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from feedgen.feed import FeedGenerator
from lxml import etree

from .model import ChangeKind

FH_NS = "http://purl.org/syndication/history/1.0"
MONTHS_NL = ("januari februari maart april mei juni juli augustus september oktober november december").split()
# Keyed by the members, looked up by plain strings too (a stored row's kind): a StrEnum member hashes as its value.
KIND_NL: dict[str, str] = {ChangeKind.MODIFIED: "gewijzigd", ChangeKind.ADDED: "nieuw", ChangeKind.INITIAL: "eerste standpunt",
                           ChangeKind.NOT_RESTATED: "niet herhaald", ChangeKind.REAFFIRMED: "herhaald"}
ASPECT_NL = {"numbers": "getallen", "modality": "toezegging"}
MODALITY_NL = {"doing": "doen", "continuing": "voortzetten", "committing": "toezeggen", "intending": "voornemen",
               "exploring": "onderzoeken", "possible": "mogelijk", "required": "vereist", "stopping": "beëindigen",
               "done": "gerealiseerd", "neutral": "geen toezegging"}
ALL_TOPICS = "alle"  # the topic of an overall-feed entry, which merges a letter's topics


def modality_nl(label: object) -> str:
    """"not doing/intending" (a :class:`monitor.diff.Modality` label) → "niet doen / voornemen": Dutch words,
    and the negation kept (dropping it would turn "not doing" into "doing")."""
    raw = str(label or "").strip()
    negated = raw.startswith("not ")
    words = " / ".join(MODALITY_NL.get(x, x) for x in raw.removeprefix("not ").split("/") if x)
    return f"niet {words}" if negated else words


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
    published: bool = True
    significance: float = 0.0
    topics: tuple[str, ...] = ()  # in a merged (overall) entry: every topic the statement is on
    verdict: str = ""  # an analyst's verdict: "confirmed" (rejected and merged items are left out before)
    notes: tuple[str, ...] = ()  # analysts' notes, plain text


@dataclass(frozen=True)
class ChangeSet:
    """The changes one letter makes to one topic's standing position, most significant first.

    ``changes`` holds the published items first, then the kept ones (``published`` false),
    which an entry folds into "en N kleinere wijzigingen".
    """

    topic: str
    letter: LetterRef
    changes: tuple[EntryChange, ...]
    url: str  # our page for this change set
    first_seen: dt.datetime | None = None  # when it was first published (None: not known, the letter date)
    revised: dt.datetime | None = None  # when its changes were last recomputed differently, if ever
    reviewed: dt.datetime | None = None  # when an analyst last confirmed, rejected, merged or annotated an item
    subject: str = ""  # the URL slug of a followed subject other than the first ("": the first, as ever)
    # what analysts did to its items, one word per verdict given (REVIEW_NL's keys; hidden items included)
    verdicts: tuple[str, ...] = ()

    @property
    def published(self) -> tuple[EntryChange, ...]:
        return tuple(c for c in self.changes if c.published)

    @property
    def folded(self) -> tuple[EntryChange, ...]:
        return tuple(c for c in self.changes if not c.published)

    def entry_id(self, authority: str) -> str:
        # the first subject's entries keep the ids they had before several subjects could be followed
        if self.subject:
            return f"tag:{authority}:changeset/{self.subject}/{self.letter.key}/{self.topic}"
        return f"tag:{authority}:changeset/{self.letter.key}/{self.topic}"

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.combine(self.letter.date, dt.time(0, 0), tzinfo=dt.timezone.utc)

    @property
    def updated(self) -> dt.datetime:
        return max(t for t in (self.published_at, self.revised, self.reviewed) if t is not None)

    @property
    def archive_key(self) -> tuple[dt.datetime, dt.date, str, str]:
        """Where the entry sits in the paged history: first publication, then the letter."""
        return (self.first_seen or self.published_at, self.letter.date, self.letter.key, self.topic)

    @property
    def headline(self) -> str:
        """What moved, where; once an analyst reviewed it, also when and how, so the title changes and a reader
        that keeps read entries read shows the entry again."""
        kinds = {c.kind for c in self.published}
        what = ("gewijzigd standpunt" if ChangeKind.MODIFIED in kinds else "eerste standpunt" if ChangeKind.INITIAL in kinds
                else "nieuw standpunt" if ChangeKind.ADDED in kinds else "niet herhaalde standpunten")
        head = f'{self.topic}: {what} in "{self.letter.title}" ({dutch_date(self.letter.date)})'
        return f"{head} — {self.review_note}" if self.reviewed else head

    @property
    def review_note(self) -> str:
        """"beoordeeld op 1 oktober 2021: 1 afgewezen, 1 bevestigd" (empty when no analyst reviewed an item)."""
        if not self.reviewed:
            return ""
        words = review_words(self.verdicts)
        return f"beoordeeld op {dutch_date(self.reviewed.date())}" + (f": {words}" if words else "")

    @property
    def summary(self) -> str:
        """One line that says what moved: the most significant item, in a few words; first what an analyst did."""
        if not self.published:
            return ""
        top = self.published[0]
        rest = len(self.published) - 1
        more = f" (en {rest} andere)" if rest else ""
        label = "" if self.topic == ALL_TOPICS else f"{self.topic}: "
        reviewed = f"Door een analist {self.review_note}. " if self.reviewed else ""
        return f"{reviewed}{label}{what_moved(top)}{more}"


# An analyst's verdicts in the words an entry uses, in the order it names them.
REVIEW_NL = {"rejected": ("afgewezen", "afgewezen"), "merged": ("samengevoegd", "samengevoegd"),
             "confirmed": ("bevestigd", "bevestigd"), "noted": ("notitie", "notities")}


def review_words(verdicts: Sequence[str]) -> str:
    """("confirmed", "rejected", "noted") → "1 afgewezen, 1 bevestigd, 1 notitie"."""
    return ", ".join(f"{n} {one if n == 1 else many}" for v, (one, many) in REVIEW_NL.items()
                     if (n := sum(1 for x in verdicts if x == v)))


def _short(text: str | None, words: int = 14) -> str:
    parts = (text or "").split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def what_moved(c: EntryChange) -> str:
    """"van vrijwillige terugkeer faciliteren naar gedwongen terugkeer onderzoeken", in the words of the diff."""
    if c.kind == ChangeKind.MODIFIED:
        removed = " ".join(t.strip() for op, t in c.diff if op == "-" and t.strip())
        added = " ".join(t.strip() for op, t in c.diff if op == "+" and t.strip())
        modality = c.details.get("modality")
        shift = ""
        if isinstance(modality, dict):
            old_m, new_m = (modality_nl(modality.get(k, "")) for k in ("old", "new"))
            shift = f"{old_m} → {new_m}" if old_m != new_m else ""
        numbers = c.details.get("numbers")
        if isinstance(numbers, dict):
            shift = f"{', '.join(map(str, numbers.get('old', [])))} → {', '.join(map(str, numbers.get('new', [])))}"
        core = f"van “{_short(removed, 8)}” naar “{_short(added, 8)}”" if removed and added else _short(c.new_text)
        return f"{core} ({shift})" if shift else core
    if c.kind == ChangeKind.NOT_RESTATED:
        return f"niet herhaald: “{_short(c.old_text)}”"
    return f"{KIND_NL.get(c.kind, c.kind)}: “{_short(c.new_text)}”"


@dataclass(frozen=True)
class FeedMeta:
    id: str
    title: str
    self_url: str  # the subscription document's URL
    html_url: str
    author: str
    archive_url: str  # with "{n}" for the archive page number
    archive_id: str = ""  # with "{n}": an archive page's atom:id (empty: the feed's id + "/archive/{n}")


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def diff_html(diff: Sequence[tuple[str, str]]) -> str:
    """Inline word diff; wdiff's ``[-…-]``/``{+…+}`` marks inside ``del``/``ins`` keep removed and inserted
    words apart in a text-only reader (newsboat shows no strike-through)."""
    out = []
    for op, text in diff:
        if op == "=":
            out.append(_esc(text))
        elif op == "-":
            out.append(f"<del>[-{_esc(text)}-]</del>")
        else:
            out.append(f"<ins>{{+{_esc(text)}+}}</ins>")
    return "".join(out)


def diff_text(diff: Sequence[tuple[str, str]]) -> str:
    """The word diff as plain text, with the marks :func:`diff_html` puts inside its ``del``/``ins``."""
    return "".join(t if op == "=" else f"[-{t}-]" if op == "-" else f"{{+{t}+}}" for op, t in diff)


def numbers_line(details: dict[str, object]) -> str:
    """"Getallen: 100 → 120" (empty when no number moved): the same words in a feed, on a page and in a mail."""
    numbers = details.get("numbers")
    if not isinstance(numbers, dict):
        return ""
    return (f"Getallen: {', '.join(map(str, numbers.get('old', []))) or '—'} → "
            f"{', '.join(map(str, numbers.get('new', []))) or '—'}")


def modality_line(details: dict[str, object]) -> str:
    """"Toezegging: doen → onderzoeken" (empty when the commitment did not move)."""
    modality = details.get("modality")
    if not isinstance(modality, dict):
        return ""
    return f"Toezegging: {modality_nl(modality.get('old', ''))} → {modality_nl(modality.get('new', ''))}"


def diff_readable(diff: Sequence[tuple[str, str]]) -> bool:
    """Whether a word diff says something: at least a fifth of its text is kept."""
    kept = sum(len(t) for op, t in diff if op == "=")
    return bool(diff) and kept >= 0.2 * sum(len(t) for _, t in diff)


def _letter_link(ref: LetterRef) -> str:
    links = [f'<a href="{_esc(ref.url)}">{_esc(ref.title)}</a> ({dutch_date(ref.date)})']
    for src in ref.sources:
        if src.startswith(("http://", "https://")):
            links.append(f'<a href="{_esc(src)}">bron</a>')
        else:
            links.append(f"bron: <code>{_esc(src)}</code>")
    return " — ".join(links)


def change_html(c: EntryChange, rank: int | None = None) -> str:
    aspects = ", ".join(ASPECT_NL.get(a, a) for a in c.aspects)
    topics = f" — {_esc(', '.join(c.topics))}" if c.topics else ""
    number = f"{rank}. " if rank is not None else ""
    head = (f"<p><strong>{number}{_esc(KIND_NL.get(c.kind, c.kind))}</strong>" + (f" ({_esc(aspects)})" if aspects else "")
            + topics + "</p>")
    parts = [head]
    if c.kind == ChangeKind.MODIFIED:
        # The sentence once: as the word diff, which holds both versions; or, when the diff would strike out
        # nearly everything (it then says nothing), as the earlier and the new text.
        if diff_readable(c.diff):
            parts.append(f"<blockquote><p>{diff_html(c.diff)}</p></blockquote>")
        else:
            parts.append(f"<blockquote><p>Eerder: {_esc(c.old_text)}</p></blockquote>")
            parts.append(f"<blockquote><p>Nu: {_esc(c.new_text)}</p></blockquote>")
        parts += [f"<p>{_esc(line)}</p>" for line in (modality_line(c.details), numbers_line(c.details)) if line]
    elif c.kind == ChangeKind.NOT_RESTATED:
        parts.append(f"<blockquote><p>{_esc(c.old_text)}</p></blockquote>"
                     "<p><em>Niet herhaald in deze brief; dat is geen intrekking.</em></p>")
    else:
        parts.append(f"<blockquote><p>{_esc(c.new_text)}</p></blockquote>")
    if c.old_letter is not None:
        parts.append(f"<p>Eerdere brief: {_letter_link(c.old_letter)}</p>")
    if c.verdict == "confirmed":
        parts.append("<p><strong>Bevestigd door een analist.</strong></p>")
    parts += [f"<p>Notitie van een analist: {_esc(n)}</p>" for n in c.notes]
    return "<div>" + "".join(parts) + "</div>"


# A feed entry leads with this many items; the rest of what it publishes is one link away.
LEAD = 5


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def changeset_html(cs: ChangeSet, fold: bool = True) -> str:
    """The digest (``fold``): the :data:`LEAD` most significant published items, numbered, then one linked
    line for the other published items and the kept ones. The change-set page (not ``fold``) lists every
    published item, then the kept ones under "Kleinere wijzigingen"."""
    body = [f"<p>Brief: {_letter_link(cs.letter)}</p>"]
    if cs.revised:
        body.append(f"<p><em>Herzien op {dutch_date(cs.revised.date())}: opnieuw berekend nadat een eerder "
                    "gedateerde brief of een nieuwe versie binnenkwam.</em></p>")
    if cs.reviewed:
        words = review_words(cs.verdicts)
        body.append(f"<p><em>Herzien op {dutch_date(cs.reviewed.date())}: door een analist beoordeeld"
                    + (f" ({_esc(words)})" if words else "") + ".</em></p>")
    shown = cs.published[:LEAD] if fold else cs.published
    body += [change_html(c, i) for i, c in enumerate(shown, 1)]
    rest, kept = len(cs.published) - len(shown), len(cs.folded)
    if fold and (rest or kept):
        parts = ([_plural(rest, "andere wijziging", "andere wijzigingen")] if rest else []) + \
                ([_plural(kept, "kleinere wijziging", "kleinere wijzigingen")] if kept else [])
        body.append(f'<p><a href="{_esc(cs.url)}">en {" en ".join(parts)}</a></p>')
    elif kept:
        body.append("<h2>Kleinere wijzigingen</h2>" + "".join(change_html(c) for c in cs.folded))
    return "".join(body)


def merge_by_letter(sets: Sequence[ChangeSet], url_for: "dict[str, str] | None" = None) -> list[ChangeSet]:
    """One change set per letter for the overall feed: a statement on several topics is one item there."""
    by_letter: dict[str, list[ChangeSet]] = {}
    for cs in sets:
        by_letter.setdefault(cs.letter.key, []).append(cs)
    out = []
    for key, group in by_letter.items():
        items: dict[tuple[str | None, str | None, str], EntryChange] = {}
        topics: dict[tuple[str | None, str | None, str], list[str]] = {}
        for cs in sorted(group, key=lambda c: c.topic):
            for c in cs.changes:
                k = (c.new_text, c.old_text, c.kind)
                topics.setdefault(k, []).append(cs.topic)
                best = items.get(k)
                if best is None or (c.published, c.significance) > (best.published, best.significance):
                    items[k] = c
        merged = [replace(c, topics=tuple(topics[k])) for k, c in items.items()]
        merged.sort(key=lambda c: (not c.published, -c.significance, c.uid))
        url = (url_for or {}).get(key, group[0].url)
        firsts = [cs.first_seen for cs in group if cs.first_seen]
        revisions = [cs.revised for cs in group if cs.revised]
        reviews = [cs.reviewed for cs in group if cs.reviewed]
        out.append(ChangeSet(ALL_TOPICS, group[0].letter, tuple(merged), url, min(firsts, default=None),
                             max(revisions, default=None), max(reviews, default=None), group[0].subject,
                             tuple(v for cs in group for v in cs.verdicts)))
    return out


def pages(count: int, page_size: int) -> int:
    """How many archive pages ``count`` entries make (the newest 1..page_size stay in the subscription doc)."""
    return max(0, (count - 1) // page_size)


def page_slice(count: int, page_size: int, archive: int | None) -> tuple[int, int, int]:
    """(start, stop, archive pages) of page ``archive`` (None: the subscription document) among ``count``
    entries in archive order. Raises IndexError for an archive page that does not exist."""
    n_archives = pages(count, page_size)
    if archive is None:
        return n_archives * page_size, count, n_archives
    if not 1 <= archive <= n_archives:
        raise IndexError(archive)
    return (archive - 1) * page_size, archive * page_size, n_archives


def render(meta: FeedMeta, changesets: Sequence[ChangeSet], page_size: int, archive: int | None = None,
           authority: str = "policy-monitor.local,2026") -> bytes:
    """The subscription document (``archive`` None) or archive page ``archive`` (1 = oldest).

    ``changesets`` in any order; they are paged in the order they were first published
    (:attr:`ChangeSet.archive_key`). Raises IndexError for an archive page that does not exist.
    """
    ordered = sorted(changesets, key=lambda c: c.archive_key)
    start, stop, n_archives = page_slice(len(ordered), page_size, archive)
    return render_page(meta, ordered[start:stop], n_archives, archive, authority)


def render_page(meta: FeedMeta, chunk: Sequence[ChangeSet], n_archives: int, archive: int | None = None,
                authority: str = "policy-monitor.local,2026") -> bytes:
    """One page of a feed: ``chunk``, the change sets on it (any order), of ``n_archives`` archive pages
    (:func:`page_slice`). What :func:`render` gives for the same page, without the rest of the history."""
    chunk = sorted(chunk, key=lambda c: c.archive_key)
    if archive is None:
        older = n_archives or None
        self_url = meta.self_url
    else:
        older = archive - 1 or None
        self_url = meta.archive_url.format(n=archive)

    fg = FeedGenerator()
    fg.id(meta.id if archive is None else (meta.archive_id or meta.id + "/archive/{n}").format(n=archive))
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
    fg.updated(max((c.updated for c in chunk), default=epoch))  # a chunk is empty only in an empty feed
    # feedgen prepends by default; add oldest first so the document lists the newest first
    for cs in chunk:
        fe = fg.add_entry(order="prepend")
        fe.id(cs.entry_id(authority))
        fe.title(cs.headline)
        fe.updated(cs.updated)
        fe.published(cs.published_at)
        fe.link(href=cs.url, rel="alternate", type="text/html")
        fe.category(term=cs.topic, label=cs.topic)
        fe.author({"name": meta.author})
        fe.content(changeset_html(cs), type="html")
        fe.summary(cs.summary)
    xml: bytes = fg.atom_str(pretty=True)
    if archive is not None:  # RFC 5005 §4: mark archive documents, as <fh:archive/> with its namespace declared
        root = etree.fromstring(xml)
        marked = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, "fh": FH_NS})
        marked.text = root.text
        marked.extend(list(root))
        if len(marked):
            marked[-1].tail = "\n  "
        etree.SubElement(marked, f"{{{FH_NS}}}archive").tail = "\n"
        xml = etree.tostring(marked, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml
