"""What the pages show, built from the store: plain objects the templates read, all labels in Dutch.

No markup is made here: templates escape every text (autoescape), so a letter's
text can never become markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..compare import CHANGED, GONE, NEW, SAME, Pair
from ..feed import ASPECT_NL, KIND_NL, modality_nl
from ..store import browse
from ..store import review as review_store
from ..store.changes import ChangeView
from ..store.models import Letter, StatementRecord
from ..store.search import words

COMPARE_NL = {NEW: "nieuw", SAME: "herhaald", CHANGED: "gewijzigd", GONE: "niet herhaald"}
SOURCE_NL = {"folder": "map (eigen bestanden)", "tk-odata": "Tweede Kamer (OData)", "tk-syncfeed": "Tweede Kamer (SyncFeed)",
             "sru": "officielebekendmakingen.nl (SRU)"}
SIGNIFICANCE_NL = {"": "alle wijzigingen", "published": "alleen gemelde wijzigingen",
                   "high": "alleen belangrijke (betekenis ≥ 0,6)", "kept": "alleen kleinere wijzigingen"}
HIGH = 0.6
VERDICT_NL = {"confirmed": "bevestigd", "rejected": "afgewezen", "merged": "samengevoegd"}


@dataclass
class Side:
    """One statement as shown beside a change: its text, its letter, a deep link, and its paragraph."""

    statement: StatementRecord
    letter: Letter
    context: list[tuple[str, bool]] = field(default_factory=list)  # (text, is this statement)

    @property
    def href(self) -> str:
        return f"/letters/{_q(self.letter.key)}#{self.statement.uid}"


@dataclass
class Item:
    """One change or compared pair, ready for the inline and the side-by-side view."""

    kind: str  # a Dutch label
    code: str  # the kind as stored (for CSS and tests)
    aspects: str
    diff: list[tuple[str, str]]
    old: Side | None
    new: Side | None
    published: bool = True
    significance: float | None = None
    modality: tuple[str, str] | None = None
    numbers: tuple[str, str] | None = None
    uid: str = ""  # the change's stable id (review forms post to it)
    verdict: str = ""  # an analyst's verdict in Dutch ("bevestigd"), empty when not reviewed
    notes: list[tuple[str, str]] = field(default_factory=list)  # (who, text) of analysts' notes

    @property
    def left(self) -> list[tuple[str, str]]:
        """The old side of the diff: kept and removed words."""
        return [(op, t) for op, t in self.diff if op in "=-"]

    @property
    def right(self) -> list[tuple[str, str]]:
        return [(op, t) for op, t in self.diff if op in "=+"]

    @property
    def diff_readable(self) -> bool:
        """An inline diff that strikes out nearly everything says nothing: then only Eerder/Nu."""
        kept = sum(len(t) for op, t in self.diff if op == "=")
        return bool(self.diff) and kept >= 0.2 * sum(len(t) for _, t in self.diff)


def _q(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


def _details(details: dict[str, Any]) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    modality = details.get("modality")
    numbers = details.get("numbers")
    m = (modality_nl(modality.get("old")), modality_nl(modality.get("new"))) if isinstance(modality, dict) else None
    n = ((", ".join(map(str, numbers.get("old", []))) or "—", ", ".join(map(str, numbers.get("new", []))) or "—")
         if isinstance(numbers, dict) else None)
    return m, n


def _context(session: Session, sides: list[Side]) -> None:
    wanted = {(s.statement.version_id, s.statement.paragraph) for s in sides}
    paras = browse.paragraphs(session, wanted)
    for s in sides:
        s.context = [(p.text, p.id == s.statement.id)
                     for p in paras.get((s.statement.version_id, s.statement.paragraph), [])]


def change_items(session: Session, views: list[ChangeView]) -> list[Item]:
    """A change set's changes: published first, most significant first, each with both paragraphs."""
    views = sorted(views, key=lambda v: (not v.record.published, -v.record.significance, v.record.uid))
    verdicts = review_store.statuses(session, {v.record.uid for v in views})
    items = []
    for v in views:
        r = v.record
        modality, numbers = _details(r.details or {})
        items.append(Item(
            kind=KIND_NL.get(r.kind, r.kind), code=r.kind,
            aspects=", ".join(ASPECT_NL.get(a, a) for a in r.aspects.split(",") if a),
            diff=[(op, text) for op, text in (r.details or {}).get("diff", [])],
            old=Side(v.old, v.previous_letter) if v.old is not None and v.previous_letter is not None else None,
            new=Side(v.new, v.letter) if v.new is not None else None,
            published=bool(r.published), significance=r.significance, modality=modality, numbers=numbers,
            uid=r.uid, verdict=VERDICT_NL.get((st := verdicts.get(r.uid)) and st.verdict or "", ""),
            notes=[(n.by, n.text) for n in st.notes] if st else []))
    _context(session, [s for i in items for s in (i.old, i.new) if s is not None])
    return items


def pair_items(session: Session, a: Letter, b: Letter, pairs: list[Pair]) -> list[Item]:
    items = []
    for p in pairs:
        cmp = p.comparison
        modality = (modality_nl(cmp.old_modality.label()), modality_nl(cmp.new_modality.label())) \
            if cmp is not None and cmp.modality_changed else None
        numbers = (", ".join(cmp.old_numbers) or "—", ", ".join(cmp.new_numbers) or "—") \
            if cmp is not None and cmp.numbers_changed else None
        items.append(Item(
            kind=COMPARE_NL[p.kind], code=p.kind, aspects="",
            diff=[(o.op, o.text) for o in cmp.ops] if cmp is not None and p.kind == CHANGED else [],
            old=Side(p.old, a) if p.old is not None else None, new=Side(p.new, b) if p.new is not None else None,
            modality=modality, numbers=numbers))
    _context(session, [s for i in items for s in (i.old, i.new) if s is not None and i.code != SAME])
    return items


def highlight(text: str, query: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is a hit) where a word starts with a query word: the template marks hits."""
    ws = words(query)
    if not ws:
        return [(text, False)]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ws) + r")\w*", re.IGNORECASE)
    out, at = [], 0
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append((text[at:m.start()], False))
        out.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out
