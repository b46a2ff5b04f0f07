"""Standing positions and position changes, per topic, letter by letter. Pure.

Feed letters to :class:`PositionTracker` in letter-date order. For topic T the
**standing position** is every statement on T from earlier letters that no
later statement has superseded. Each new letter that speaks about T is
aligned against it (one-to-one, similarity ≥ threshold):

* ``modified`` — aligned, but the words changed (with a word diff, and the
  ``numbers`` and ``modality`` aspects where those changed); the new statement
  supersedes the old one;
* ``reaffirmed`` — aligned and essentially the same (stored, not published);
* ``added`` — no counterpart in the standing position;
* ``not_restated`` — a statement of the previous letter on T that this letter
  does not repeat although it speaks about T. It stays standing: silence is
  not a withdrawal.

Only statements that can carry a position count (running text and list items
of four words or more: no headings, questions or formalities).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .align import SimilarityIndex, align
from .diff import Comparison, DiffOp, compare, numbers

POSITION_KINDS = frozenset({"paragraph", "list_item"})
MIN_WORDS = 4
MODIFIED, ADDED, NOT_RESTATED, REAFFIRMED = "modified", "added", "not_restated", "reaffirmed"
PUBLISHED_KINDS = (MODIFIED, ADDED, NOT_RESTATED)


def can_hold_position(kind: str, text: str) -> bool:
    return kind in POSITION_KINDS and len(text.split()) >= MIN_WORDS


@dataclass(frozen=True)
class PositionStatement:
    uid: str
    letter: str
    date: dt.date
    text: str
    ref: int = 0  # the caller's id for it (a database row id)


@dataclass(frozen=True)
class Change:
    uid: str
    topic: str
    kind: str
    letter: str
    date: dt.date
    new: PositionStatement | None
    old: PositionStatement | None
    similarity: float | None = None
    ops: tuple[DiffOp, ...] = ()
    details: dict[str, object] = field(default_factory=dict)
    significance: float = 0.0

    @property
    def aspects(self) -> tuple[str, ...]:
        return tuple(a for a in ("numbers", "modality") if a in self.details)


def change_uid(topic: str, kind: str, letter: str, new: str | None, old: str | None) -> str:
    """Same topic, kind, letter and statements → same id, in any database."""
    raw = "\x1f".join([topic, kind, letter, new or "", old or ""])
    return "c-" + hashlib.sha1(raw.encode()).hexdigest()[:16]


def _details(cmp: Comparison) -> dict[str, object]:
    details: dict[str, object] = {"diff_ratio": round(cmp.ratio, 3)}
    if cmp.numbers_changed:
        details["numbers"] = {"old": list(cmp.old_numbers), "new": list(cmp.new_numbers)}
    if cmp.modality_changed:
        details["modality"] = {"old": cmp.old_modality.label(), "new": cmp.new_modality.label(),
                               "old_markers": list(cmp.old_modality.markers),
                               "new_markers": list(cmp.new_modality.markers)}
    return details


def significance(kind: str, similarity: float | None, details: Mapping[str, object], text: str = "") -> float:
    """Orders changes: a changed commitment or amount first, silence last."""
    if kind == MODIFIED:
        score = 0.5 + 0.25 * (1 - (similarity or 0.0))
        score += 0.3 if "modality" in details else 0.0
        score += 0.2 if "numbers" in details else 0.0
    elif kind == ADDED:
        score = 0.6 + (0.1 if numbers(text) else 0.0)
    elif kind == NOT_RESTATED:
        score = 0.2
    else:
        score = 0.0
    return round(min(score, 1.0), 3)


class PositionTracker:
    """The standing position per topic, updated letter by letter (in letter-date order)."""

    def __init__(self, threshold: float = 0.3, reaffirm_threshold: float = 0.9, candidates: int = 20):
        self.threshold = threshold
        self.reaffirm_threshold = reaffirm_threshold
        self.candidates = candidates
        self.standing: dict[str, dict[str, PositionStatement]] = {}
        self.index: dict[str, SimilarityIndex] = {}
        self.last_letter: dict[str, str] = {}
        # topic → letter → its still-standing statements: "not restated" looks only at one letter,
        # so its cost does not grow with the history
        self._by_letter: dict[str, dict[str, dict[str, PositionStatement]]] = {}

    def _add(self, topic: str, st: PositionStatement) -> None:
        self.standing.setdefault(topic, {})[st.uid] = st
        self._by_letter.setdefault(topic, {}).setdefault(st.letter, {})[st.uid] = st
        self.index.setdefault(topic, SimilarityIndex()).add(st.uid, st.text)

    def _remove(self, topic: str, uid: str) -> None:
        st = self.standing.get(topic, {}).pop(uid, None)
        if st is not None:
            letter_items = self._by_letter.get(topic, {}).get(st.letter, {})
            letter_items.pop(uid, None)
            if not letter_items:
                self._by_letter[topic].pop(st.letter, None)
        if topic in self.index:
            self.index[topic].remove(uid)

    def load(self, topic: str, items: Iterable[PositionStatement], last_letter: str | None = None) -> None:
        """Restore a standing position (e.g. from the database) without producing changes."""
        for st in items:
            self._add(topic, st)
        if last_letter:
            self.last_letter[topic] = last_letter

    def position(self, topic: str) -> list[PositionStatement]:
        return sorted(self.standing.get(topic, {}).values(), key=lambda s: (s.date, s.letter, s.uid))

    def process(self, letter: str, date: dt.date, by_topic: Mapping[str, Sequence[PositionStatement]]
                ) -> list[Change]:
        """The changes one letter makes, per topic it speaks about; updates the standing position."""
        changes: list[Change] = []
        for topic in sorted(by_topic):
            new = list({s.uid: s for s in by_topic[topic]}.values())
            if not new:
                continue
            changes.extend(self._process_topic(topic, letter, date, new))
        return changes

    def _process_topic(self, topic: str, letter: str, date: dt.date, new: list[PositionStatement]) -> list[Change]:
        standing = self.standing.get(topic, {})
        index = self.index.get(topic)
        matches = align([s.text for s in new], index, self.threshold, k=self.candidates) if index else []
        matched_new = {m.new: m for m in matches}
        out: list[Change] = []
        previous_letter = self.last_letter.get(topic)
        for i, st in enumerate(new):
            m = matched_new.get(i)
            if m is None:
                out.append(Change(change_uid(topic, ADDED, letter, st.uid, None), topic, ADDED, letter, date,
                                  st, None, significance=significance(ADDED, None, {}, st.text)))
                continue
            old = standing[str(m.old)]
            cmp = compare(old.text, st.text)
            details = _details(cmp)
            same = cmp.unchanged or (m.similarity >= self.reaffirm_threshold
                                     and not cmp.numbers_changed and not cmp.modality_changed)
            kind = REAFFIRMED if same else MODIFIED
            out.append(Change(change_uid(topic, kind, letter, st.uid, old.uid), topic, kind, letter, date, st, old,
                              m.similarity, cmp.ops, details, significance(kind, m.similarity, details)))
        if previous_letter:
            restated = {str(m.old) for m in matches}
            previous = self._by_letter.get(topic, {}).get(previous_letter, {})
            for old in sorted(previous.values(), key=lambda s: s.uid):
                if old.uid not in restated:
                    out.append(Change(change_uid(topic, NOT_RESTATED, letter, None, old.uid), topic, NOT_RESTATED,
                                      letter, date, None, old, significance=significance(NOT_RESTATED, None, {})))
        for c in out:  # update the standing position: new statements supersede what they were aligned with
            if c.kind in (MODIFIED, REAFFIRMED) and c.old is not None:
                self._remove(topic, c.old.uid)
        for st in new:
            self._add(topic, st)
        self.last_letter[topic] = letter
        return out
