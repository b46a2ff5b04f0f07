"""From stored changes to feed documents (the edge between the store and :mod:`monitor.feed`).

Rendering is cached per (feed, page) and keyed by the store's data version
(:mod:`monitor.store.version`), read in the same read transaction as the data,
so readers polling an unchanged feed cost one one-row query. Only a file's
name, never its path on this server, is published as a source.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import Settings, SubjectSettings
from .feed import ALL_TOPICS, ChangeSet, EntryChange, FeedMeta, LetterRef, merge_by_letter, page_slice, render_page
from .store import changes as change_store
from .store import review as review_store
from .store import version as data_version
from .store.db import as_utc
from .store.models import Letter, Source
from .webcache import DocumentCache, VersionedCache


def letter_url(base: str, key: str) -> str:
    return f"{base}/letters/{quote(key, safe='')}"


def changeset_url(base: str, key: str, topic: str, slug: str = "") -> str:
    """Our page of a change set; ``slug``: of a followed subject other than the first."""
    return f"{base}/changes/{quote(key, safe='')}/{quote(topic, safe='')}" + (f"?onderwerp={slug}" if slug else "")


def shown_source(locator: str) -> str:
    """How a source is published: a URL as it is, a local file by its name only."""
    return locator if locator.startswith(("http://", "https://")) else PurePath(locator).name


def _sources(session: Session, letter_ids: set[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = defaultdict(list)
    if letter_ids:
        for s in session.scalars(select(Source).where(Source.letter_id.in_(letter_ids)).order_by(Source.id)):
            shown = shown_source(s.locator)
            if shown not in out[s.letter_id]:
                out[s.letter_id].append(shown)
    return {k: tuple(v) for k, v in out.items()}


def changesets(session: Session, base_url: str, topic: str | None = None, dossier: str | None = None,
               letter_key: str | None = None, recent: int | None = None,
               letter_ids: tuple[int, ...] | None = None, subject: tuple[str, ...] | None = None,
               slug: str = "") -> list[ChangeSet]:
    """Change sets (letter × topic) with at least one published change, optionally for one topic, dossier or
    letter, or of the ``recent`` most recent letters only; each holds its published changes first (most
    significant first), then the kept ones.

    ``subject``: one followed subject's changes (``Settings.subject_keys``; None: every subject's, as when
    one was followed); ``slug``: its URL slug when it is not the first (then in entry ids and links)."""
    if letter_ids is not None:
        pass  # the caller chose the letters (notifications: those with changes since a subscription began)
    elif letter_key is not None:
        letter_ids = tuple(session.scalars(select(Letter.id).where(Letter.key == letter_key)))
    elif recent is not None:
        letter_ids = change_store.recent_letters(session, recent, topic=topic, dossier=dossier, subject=subject)
    elif dossier is not None:
        letter_ids = tuple(session.scalars(select(Letter.id).where(Letter.dossier == dossier)))
    f = change_store.Filters(topic=topic, letter_ids=letter_ids, subject=subject)
    views = change_store.changes(session, f, newest_first=False)
    letters = {v.letter.id for v in views} | {v.previous_letter.id for v in views if v.previous_letter}
    sources = _sources(session, letters)
    history = change_store.history(session, {v.letter.id for v in views}, subject)
    # analysts' verdicts: rejected and merged items leave the feeds; any review dates the entry's revision
    verdicts = review_store.statuses(session, {v.record.uid for v in views})

    def ref(l: Letter) -> LetterRef:
        return LetterRef(l.key, l.title or l.key, l.date or l.created_at.date(), letter_url(base_url, l.key),
                         sources.get(l.id, ()))

    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for v in views:
        grouped[(v.letter.key, v.record.topic)].append(v)
    out = []
    for (key, t), all_vs in grouped.items():
        reviewed = max((s.last_at for v in all_vs if (s := verdicts.get(v.record.uid)) and s.last_at),
                       default=None)
        vs = [v for v in all_vs if not ((s := verdicts.get(v.record.uid)) and s.hidden)]
        if not any(v.record.published for v in vs):
            continue
        vs.sort(key=lambda v: (not v.record.published, -v.record.significance,
                               (v.new or v.old).position if (v.new or v.old) else 0, v.record.uid))
        changes = tuple(EntryChange(
            uid=v.record.uid, kind=v.record.kind, aspects=tuple(a for a in v.record.aspects.split(",") if a),
            old_text=v.old.text if v.old else None, new_text=v.new.text if v.new else None,
            diff=tuple((op, text) for op, text in (v.record.details or {}).get("diff", [])),
            old_letter=ref(v.previous_letter) if v.previous_letter else None,
            details={k: v.record.details[k] for k in ("numbers", "modality") if k in (v.record.details or {})},
            published=bool(v.record.published), significance=v.record.significance,
            verdict=_verdict(verdicts.get(v.record.uid)), notes=_notes(verdicts.get(v.record.uid)))
            for v in vs)
        first, revised = history.get((vs[0].letter.id, t), (None, None))
        out.append(ChangeSet(t, ref(vs[0].letter), changes, changeset_url(base_url, key, t, slug), first, revised,
                             reviewed, slug,
                             _verdicts([verdicts[v.record.uid] for v in all_vs if v.record.uid in verdicts])))
    return out


@dataclass(frozen=True)
class RecentSet:
    """A change set as a list of recent ones shows it: its topic, letter and link, and its published
    changes (their ids: a list shows how many)."""

    topic: str
    letter: LetterRef
    url: str
    published: tuple[str, ...]


def recent_changesets(session: Session, base_url: str, letters: int = 20, limit: int = 20,
                      subject: tuple[str, ...] | None = None, slug: str = "") -> list[RecentSet]:
    """The change sets of the ``letters`` most recent letters with published changes, newest letter first
    (by date, then key; a letter's topics in name order), at most ``limit``: the ones
    ``changesets(recent=letters)`` has (``subject`` and ``slug`` as there), read without their changes' texts
    and details."""
    rows, by_id = change_store.recent_published(session, letters, subject)
    grouped: dict[tuple[int, str], list[str]] = defaultdict(list)
    for lid, topic, uid in rows:
        grouped[(lid, topic)].append(uid)

    def ref(l: Letter) -> LetterRef:
        return LetterRef(l.key, l.title or l.key, l.date or l.created_at.date(), letter_url(base_url, l.key))
    sets = [RecentSet(topic, ref(by_id[lid]), changeset_url(base_url, by_id[lid].key, topic, slug), tuple(uids))
            for (lid, topic), uids in grouped.items()]
    sets.sort(key=lambda s: s.topic)
    sets.sort(key=lambda s: (s.letter.date, s.letter.key), reverse=True)
    return sets[:limit]


def _verdicts(statuses: list[review_store.Status]) -> tuple[str, ...]:
    """One word per verdict given in a change set (feed.REVIEW_NL): its decisive verdict, and "noted" for notes."""
    return tuple(w for s in statuses for w in ((s.verdict,) if s.verdict else ()) + (("noted",) if s.notes else ()))


def _verdict(status: review_store.Status | None) -> str:
    return status.verdict or "" if status is not None else ""


def _notes(status: review_store.Status | None) -> tuple[str, ...]:
    return tuple(n.text for n in status.notes) if status is not None else ()


@dataclass(frozen=True)
class FeedDoc:
    body: bytes
    etag: str
    updated: str  # the feed's <updated>, for Last-Modified


class FeedPublisher:
    """Renders (and caches) the overall, per-topic and per-dossier feeds."""

    def __init__(self, settings: Settings, cache: DocumentCache[FeedDoc] | None = None):
        """``cache``: where rendered pages are kept per data version (this process's memory by default)."""
        self.settings = settings
        self.cache: DocumentCache[FeedDoc] = cache if cache is not None else VersionedCache()

    def meta(self, scope: str, value: str | None, subject: SubjectSettings | None = None) -> FeedMeta:
        f = self.settings.feed
        base = f.base_url.rstrip("/")
        if subject is not None:  # /onderwerpen/<subject>.atom and /onderwerpen/<subject>/<topic>.atom
            path = f"/onderwerpen/{subject.slug}" + (f"/{quote(value or '', safe='')}" if scope == "topic" else "")
            title = f"{f.title} — {subject.name or 'alles'}" + (f" — {value}" if scope == "topic" else "")
        elif scope == "topic":
            path, title = f"/topics/{quote(value or '', safe='')}", f"{f.title} — {value}"
        elif scope == "dossier":
            path, title = f"/dossiers/{quote(value or '', safe='')}", f"{f.title} — dossier {value}"
        else:
            path, title = "/feed", f.title
        feed_id = f"tag:{f.tag_authority}:feed{path}"
        # the overall feed's archive pages: "…:feed/archive/1", as their address, not "…:feed/feed/archive/1"
        archive_id = f"tag:{f.tag_authority}:feed/archive/{{n}}" if path == "/feed" else ""
        return FeedMeta(id=feed_id, title=title, self_url=f"{base}{path}.atom", html_url=f"{base}/",
                        author=f.author, archive_url=f"{base}{path}/archive/{{n}}.atom", archive_id=archive_id)

    def document(self, session: Session, scope: str = "all", value: str | None = None,
                 archive: int | None = None, subject: SubjectSettings | None = None) -> FeedDoc:
        """Raises IndexError for an archive page that does not exist.

        ``subject``: a followed subject's feed (``/onderwerpen/…``); None: the plain feeds, the first subject's.
        ``FeedDoc.updated`` (Last-Modified) is when the store last changed, not a
        letter's date: a late letter or a far-future date cannot make it lie.
        """
        version, changed_at = data_version.current(session)
        return self.cache.get((scope, value, archive, subject.key if subject else None), version,
                              lambda: self._render(session, scope, value, archive, changed_at, subject))

    def _render(self, session: Session, scope: str, value: str | None, archive: int | None,
                changed_at: dt.datetime | None, subject: SubjectSettings | None = None) -> FeedDoc:
        # Page first, then build only the page's change sets: the whole history is tens of thousands of
        # changes, a page a few dozen (bench/serving.py). The same bytes as rendering every change set.
        base = self.settings.feed.base_url.rstrip("/")
        topic = value if scope == "topic" else None
        keys = self.settings.subject_keys(subject)
        slug = "" if subject is None or self.settings.is_first(subject) else subject.slug
        entries = change_store.feed_entries(session, topic=topic, dossier=value if scope == "dossier" else None,
                                            merged_topic=None if scope == "topic" else ALL_TOPICS, subject=keys)
        start, stop, n_archives = page_slice(len(entries), self.settings.feed.page_size, archive)
        on_page = entries[start:stop]
        sets = changesets(session, base, topic=topic, letter_ids=tuple(sorted({e.letter_id for e in on_page})),
                          subject=keys, slug=slug)
        if scope != "topic":  # one item per statement, whatever topics it is on
            sets = merge_by_letter(sets, {cs.letter.key: cs.letter.url for cs in sets})
        body = render_page(self.meta(scope, value, subject), sets, n_archives, archive,
                           authority=self.settings.feed.tag_authority)
        modified = as_utc(changed_at).strftime("%a, %d %b %Y %H:%M:%S GMT") if changed_at else ""
        return FeedDoc(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', modified)
