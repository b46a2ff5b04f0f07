"""From stored changes to feed documents (the edge between the store and :mod:`monitor.feed`).

Rendering is cached per (feed, page) and keyed by a fingerprint of the change
table, so readers polling an unchanged feed cost one small query.
"""
from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .config import Settings
from .feed import ChangeSet, EntryChange, FeedMeta, LetterRef, merge_by_letter, render
from .store import changes as change_store
from .store.models import ChangeRecord, Letter, Source


def letter_url(base: str, key: str) -> str:
    return f"{base}/letters/{quote(key, safe='')}"


def changeset_url(base: str, key: str, topic: str) -> str:
    return f"{base}/changes/{quote(key, safe='')}/{quote(topic, safe='')}"


def data_fingerprint(session: Session) -> str:
    """Changes whenever a change is added or superseded."""
    row = session.execute(select(func.count(ChangeRecord.id), func.max(ChangeRecord.id),
                                 func.count(ChangeRecord.superseded_at))).one()
    return ":".join(str(x) for x in row)


def _sources(session: Session, letter_ids: set[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = defaultdict(list)
    if letter_ids:
        for s in session.scalars(select(Source).where(Source.letter_id.in_(letter_ids)).order_by(Source.id)):
            if s.locator not in out[s.letter_id]:
                out[s.letter_id].append(s.locator)
    return {k: tuple(v) for k, v in out.items()}


def changesets(session: Session, base_url: str, topic: str | None = None, dossier: str | None = None,
               letter_key: str | None = None) -> list[ChangeSet]:
    """Change sets (letter × topic) with at least one published change, optionally for one topic, dossier or
    letter; each holds its published changes first (most significant first), then the kept ones."""
    f = change_store.Filters(topic=topic)
    views = change_store.changes(session, f, newest_first=False)
    if dossier is not None:
        views = [v for v in views if v.letter.dossier == dossier]
    if letter_key is not None:
        views = [v for v in views if v.letter.key == letter_key]
    letters = {v.letter.id for v in views} | {v.previous_letter.id for v in views if v.previous_letter}
    sources = _sources(session, letters)

    def ref(l: Letter) -> LetterRef:
        return LetterRef(l.key, l.title or l.key, l.date or l.created_at.date(), letter_url(base_url, l.key),
                         sources.get(l.id, ()))

    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for v in views:
        grouped[(v.letter.key, v.record.topic)].append(v)
    out = []
    for (key, t), vs in grouped.items():
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
            published=bool(v.record.published), significance=v.record.significance)
            for v in vs)
        out.append(ChangeSet(t, ref(vs[0].letter), changes, changeset_url(base_url, key, t)))
    return out


@dataclass(frozen=True)
class FeedDoc:
    body: bytes
    etag: str
    updated: str  # the feed's <updated>, for Last-Modified


class FeedPublisher:
    """Renders (and caches) the overall, per-topic and per-dossier feeds."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._cache: dict[tuple[str, str | None, int | None], tuple[str, FeedDoc]] = {}
        self._lock = threading.Lock()

    def meta(self, scope: str, value: str | None) -> FeedMeta:
        f = self.settings.feed
        base = f.base_url.rstrip("/")
        if scope == "topic":
            path, title = f"/topics/{quote(value or '', safe='')}", f"{f.title} — {value}"
        elif scope == "dossier":
            path, title = f"/dossiers/{quote(value or '', safe='')}", f"{f.title} — dossier {value}"
        else:
            path, title = "/feed", f.title
        return FeedMeta(id=f"tag:{f.tag_authority}:feed{path}", title=title, self_url=f"{base}{path}.atom",
                        html_url=f"{base}/", author=f.author, archive_url=f"{base}{path}/archive/{{n}}.atom")

    def document(self, session: Session, scope: str = "all", value: str | None = None,
                 archive: int | None = None) -> FeedDoc:
        """Raises IndexError for an archive page that does not exist."""
        key = (scope, value, archive)
        fp = data_fingerprint(session)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == fp:
                return hit[1]
        base = self.settings.feed.base_url.rstrip("/")
        sets = changesets(session, base, topic=value if scope == "topic" else None,
                          dossier=value if scope == "dossier" else None)
        if scope != "topic":  # one item per statement, whatever topics it is on
            sets = merge_by_letter(sets, {cs.letter.key: cs.letter.url for cs in sets})
        body = render(self.meta(scope, value), sets, self.settings.feed.page_size, archive,
                      authority=self.settings.feed.tag_authority)
        updated = max((c.updated for c in sets), default=None)
        doc = FeedDoc(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                      updated.strftime("%a, %d %b %Y %H:%M:%S GMT") if updated else "")
        with self._lock:
            if len(self._cache) > 512:
                self._cache.clear()
            self._cache[key] = (fp, doc)
        return doc
