"""Standing positions and position changes, per topic, letter by letter. Pure.

Feed letters to :class:`PositionTracker` in letter-date order, with only the
statements that can carry a position (see :mod:`monitor.function`) and that
are about the monitor's subject. For topic T the **standing position** is
every statement on T from earlier letters that no later statement has
superseded. Each new letter that speaks about T is aligned against it
(one-to-one, similarity ≥ threshold), and each new statement becomes:

* ``modified`` — it makes the same point as a standing statement and
  something *moved*: a quantity of the same thing, or the commitment
  (modality, negation); it supersedes the old statement;
* ``reaffirmed`` — the same point, nothing moved (a restatement or
  rewording); it supersedes the old one; stored, never published;
* ``added`` — no counterpart, or only a weak one with nothing moved (a weak
  pairing without a change is not the same point);
* ``initial`` — the first letter that speaks about T: it sets the standing
  position, it does not "add" to one;
* ``not_restated`` — a statement of the previous letter on T that this letter
  does not repeat. It stays standing (silence is not a withdrawal), and is
  published only where the silence means something: the same series of
  letters (same dossier) drops a commitment, decision or intention that its
  letters had been repeating (the dropped statement itself restated an earlier
  one). Letters never repeat everything; breaking a repetition is news.

Every change gets a significance (:mod:`monitor.significance`) and
``published``: per letter × topic only the few that matter are published,
the rest are kept and folded.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from . import significance as sig
from .align import SimilarityIndex, align, shared_phrases
from .diff import Comparison, DiffOp, compare, modality
from .model import ChangeKind
from .lang import Language, dutch
from .quantities import counted_units
from .traits import Traits

POSITION_KINDS = frozenset({"paragraph", "list_item"})
MIN_WORDS = 4
# Short names for the members of :class:`monitor.model.ChangeKind` (the same objects, not a second definition).
MODIFIED, ADDED, NOT_RESTATED, REAFFIRMED, INITIAL = (ChangeKind.MODIFIED, ChangeKind.ADDED, ChangeKind.NOT_RESTATED,
                                                      ChangeKind.REAFFIRMED, ChangeKind.INITIAL)
PUBLISHED_KINDS = ChangeKind.published()
# A pairing at least this similar is the same point even when nothing moved (a restatement);
# below it, a pairing counts only when something moved.
SAME_POINT = 0.3
# A pairing at least this similar is a restatement even when the new one adds a stance to a description.
CLOSE = 0.45
# Functions whose silence can mean something when a series of letters drops them: sig.BINDING.
BINDING = sig.BINDING


def can_hold_position(kind: str, text: str) -> bool:
    return kind in POSITION_KINDS and len(text.split()) >= MIN_WORDS


@dataclass(frozen=True)
class PositionStatement:
    uid: str
    letter: str
    date: dt.date
    text: str
    ref: int = 0  # the caller's id for it (a database row id)
    traits: Traits = Traits()
    position: int = 0  # its place in the letter


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
    published: bool = False

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


def _counts_same_thing(a: str, b: str, lang: Language) -> bool:
    """Both statements count the same (non-time) thing: the anchor of one point across rewordings."""
    return bool(counted_units(a, lang) & counted_units(b, lang))


@dataclass(frozen=True)
class PairingRules:
    """When an aligned pair of statements is the same point: see :func:`judge_pairing`."""

    same_point: float = SAME_POINT
    restatement: float = CLOSE
    generic: frozenset[str] = frozenset()  # lemmas every statement of the dossier shares: no evidence of a shared point
    lang: Language | None = None  # the letters' language (None: Dutch)


@dataclass(frozen=True)
class Pairing:
    """An aligned pair judged the same point: ``kind`` is ``modified`` (something moved) or ``reaffirmed``."""

    kind: ChangeKind
    comparison: Comparison
    details: dict[str, object]  # what the change stores: diff ratio, numbers, modality, shared phrases
    stance_moved: bool


def judge_pairing(old: str, new: str, similarity: float, rules: PairingRules = PairingRules()) -> Pairing | None:
    """Whether ``new``, aligned with ``old`` at ``similarity``, makes the same point, and whether it moved.

    The one pairing rule: the position tracker (and so the feeds) and the compare page both use it, so they
    never disagree about what is the same point. None: too weak a pairing to be the same point (the two are
    then a new statement and one not restated).
    """
    lang = rules.lang or dutch()
    cmp = compare(old, new, lang)
    details = _details(cmp)
    old_stance, new_stance = bool(cmp.old_modality.core), bool(cmp.new_modality.core)
    # Only a move from one stance to another is the point moving ("faciliteert" → "onderzoekt"),
    # or any move around the same counted thing ("ca. 80 militairen" possibly deployed → deployed).
    # A stance appearing out of a plain description, or vanishing into one, is what two different
    # sentences always show; a negation coming or going counts on a close pairing only.
    stance_moved = cmp.modality_changed and (
        (old_stance and new_stance) or _counts_same_thing(old, new, lang)
        or (similarity >= rules.same_point and cmp.old_modality.core == cmp.new_modality.core))
    moved = cmp.numbers_changed or stance_moved
    if similarity < rules.same_point:
        # a weak pairing is the same point only when the two share a phrase (or count the same thing)
        phrases = shared_phrases(old, new, rules.generic, lang)
        if not (phrases or cmp.numbers_changed):
            return None
        details["shared"] = list(phrases)
    if not moved:
        if cmp.unchanged:
            pass
        elif similarity < rules.same_point or (new_stance and not old_stance and similarity < rules.restatement):
            # a new stance on a loosely related description is a new point, not a restatement
            return None
        return Pairing(REAFFIRMED, cmp, details, False)
    return Pairing(MODIFIED, cmp, details, stance_moved)


class PositionTracker:
    """The standing position per topic, updated letter by letter (in letter-date order)."""

    def __init__(self, threshold: float = 0.3, same_point: float = SAME_POINT, restatement: float = CLOSE,
                 candidates: int = 20, generic: frozenset[str] = frozenset(), lang: Language | None = None):
        """``generic``: lemmas every statement of the dossier shares (its subject), never evidence of a shared point.

        ``lang``: the language of the letters (default Dutch): quantities, modality, stop words, labels.
        """
        self.lang = lang or dutch()
        self.generic = generic
        self.threshold = threshold
        self.rules = PairingRules(same_point, restatement, generic, self.lang)  # see SAME_POINT, CLOSE
        self.candidates = candidates
        self.standing: dict[str, dict[str, PositionStatement]] = {}
        self.index: dict[str, SimilarityIndex] = {}
        self.last_letter: dict[str, str] = {}
        self.last_series: dict[str, str] = {}
        # topic → letter → its still-standing statements: "not restated" looks only at one letter,
        # so its cost does not grow with the history
        self._by_letter: dict[str, dict[str, dict[str, PositionStatement]]] = {}
        # topic → uids of standing statements that restate an earlier one (a repeated point)
        self.repeated: dict[str, set[str]] = {}

    def _add(self, topic: str, st: PositionStatement) -> None:
        self.standing.setdefault(topic, {})[st.uid] = st
        self._by_letter.setdefault(topic, {}).setdefault(st.letter, {})[st.uid] = st
        self.index.setdefault(topic, SimilarityIndex(lang=self.lang)).add(st.uid, st.text)

    def _remove(self, topic: str, uid: str) -> None:
        st = self.standing.get(topic, {}).pop(uid, None)
        if st is not None:
            letter_items = self._by_letter.get(topic, {}).get(st.letter, {})
            letter_items.pop(uid, None)
            if not letter_items:
                self._by_letter[topic].pop(st.letter, None)
        if topic in self.index:
            self.index[topic].remove(uid)

    def load(self, topic: str, items: Iterable[PositionStatement], last_letter: str | None = None,
             last_series: str = "", repeated: Iterable[str] = ()) -> None:
        """Restore a standing position (e.g. from the database) without producing changes.

        ``repeated``: uids of those statements that restated (or revised) an earlier one.
        """
        for st in items:
            self._add(topic, st)
        self.repeated.setdefault(topic, set()).update(repeated)
        if last_letter:
            self.last_letter[topic] = last_letter
            self.last_series[topic] = last_series

    def position(self, topic: str) -> list[PositionStatement]:
        return sorted(self.standing.get(topic, {}).values(), key=lambda s: (s.date, s.letter, s.uid))

    def process(self, letter: str, date: dt.date, by_topic: Mapping[str, Sequence[PositionStatement]],
                series: str = "") -> list[Change]:
        """The changes one letter makes, per topic it speaks about; updates the standing position.

        ``series``: the letter's dossier (or another key of a series of letters); silence is
        published only within one series.
        """
        changes: list[Change] = []
        # how many topics each statement of the letter is a candidate in: one said under three topics is
        # most often right under one of them (a feature of its significance)
        topics_of = Counter(uid for topic in by_topic for uid in {s.uid for s in by_topic[topic]})
        for topic in sorted(by_topic):
            new = list({s.uid: s for s in by_topic[topic]}.values())
            if not new:
                continue
            changes.extend(self._process_topic(topic, letter, date, new, series, topics_of))
        return changes

    def _pair(self, topic: str, letter: str, date: dt.date, st: PositionStatement, old: PositionStatement,
              similarity: float) -> Change | None:
        """The change a pairing makes, or None when the pairing is too weak to be the same point."""
        p = judge_pairing(old.text, st.text, similarity, self.rules)
        if p is None:
            return None
        if p.kind == REAFFIRMED:
            return Change(change_uid(topic, REAFFIRMED, letter, st.uid, old.uid), topic, REAFFIRMED, letter,
                          date, st, old, similarity, p.comparison.ops, p.details, 0.0)
        score, why = sig.modified(st.traits, old.traits, similarity, p.comparison.numbers_changed, p.stance_moved, self.lang)
        p.details["why"] = why
        p.details["features"] = sig.features(
            MODIFIED, st.traits, st.text, lang=self.lang, old=old.traits, similarity=similarity,
            numbers=p.comparison.numbers_changed, stance_moved=p.stance_moved, position=st.position)
        return Change(change_uid(topic, MODIFIED, letter, st.uid, old.uid), topic, MODIFIED, letter, date, st, old,
                      similarity, p.comparison.ops, p.details, sig.clamp(score))

    def _learned(self, c: Change, topics_of: Mapping[str, int]) -> Change:
        """The change scored by the language's fitted model (where it has one), with its features complete."""
        feats = c.details.get("features")
        if not isinstance(feats, dict):
            return c  # reaffirmed: never published, nothing to weigh
        st = c.new or c.old
        assert st is not None
        others = max(topics_of.get(st.uid, 1) - 1, 0)
        if others:
            feats = {**feats, "other_topics": round(min(others, 3) / 3, 4)}
        details = {**c.details, "features": feats}
        if not self.lang.weights.fitted or c.kind not in self.lang.weights.kinds:
            return dataclasses.replace(c, details=details)
        score, why = sig.learned(feats, self.lang)
        # the hand-set rules' score stays beside the model's: what a refit compares itself with
        return dataclasses.replace(c, details={**details, "why": why, "rules": c.significance},
                                   significance=sig.clamp(score))

    def _process_topic(self, topic: str, letter: str, date: dt.date, new: list[PositionStatement],
                       series: str, topics_of: Mapping[str, int] | None = None) -> list[Change]:
        standing = self.standing.get(topic, {})
        index = self.index.get(topic)
        first = not standing and topic not in self.last_letter
        matches = align([s.text for s in new], index, self.threshold, k=self.candidates) if index else []
        matched_new = {m.new: m for m in matches}
        out: list[Change] = []
        previous_letter = self.last_letter.get(topic)
        restated: set[str] = set()
        for i, st in enumerate(new):
            m = matched_new.get(i)
            change = self._pair(topic, letter, date, st, standing[str(m.old)], m.similarity) if m else None
            if change is None:
                kind = INITIAL if first else ADDED
                # how much of it the standing position already says (a rejected pairing's similarity),
                # unless it takes a stance its nearest standing statement did not
                nearest = 0.0
                if m is not None:
                    new_core = modality(st.text, self.lang).core
                    if not new_core or new_core == modality(standing[str(m.old)].text, self.lang).core:
                        nearest = m.similarity
                score, why = sig.new_statement(st.traits, nearest, self.lang)
                feats = sig.features(kind, st.traits, st.text, lang=self.lang, nearest=nearest, position=st.position)
                change = Change(change_uid(topic, kind, letter, st.uid, None), topic, kind, letter, date, st, None,
                                details={"why": why, "nearest": round(nearest, 3), "features": feats},
                                significance=sig.clamp(score))
            else:
                restated.add(change.old.uid)  # type: ignore[union-attr]
            out.append(change)
        if previous_letter:
            previous = self._by_letter.get(topic, {}).get(previous_letter, {})
            same_series = bool(series) and series == self.last_series.get(topic)
            for old in sorted(previous.values(), key=lambda s: s.position):
                if old.uid in restated:
                    continue
                binding = old.traits.function in BINDING
                repeated = old.uid in self.repeated.get(topic, ())
                score = 0.62 if same_series and binding and repeated else 0.2
                label = self.lang.labels.significance
                why = [label["same_series"] if same_series else label["other_letter"], old.traits.function]
                if repeated:
                    why.append(label["repeated"])
                feats = sig.features(NOT_RESTATED, old.traits, old.text, lang=self.lang, position=old.position,
                                     same_series=same_series, repeated=repeated)
                out.append(Change(change_uid(topic, NOT_RESTATED, letter, None, old.uid), topic, NOT_RESTATED,
                                  letter, date, None, old, details={"why": why, "features": feats}, significance=score))
        out = [self._learned(c, topics_of or {}) for c in out]
        published = sig.select([sig.Candidate(i, c.significance, (c.new or c.old).position,  # type: ignore[union-attr]
                                              c.kind != REAFFIRMED) for i, c in enumerate(out)], initial=first)
        out = [dataclasses.replace(c, published=i in published) for i, c in enumerate(out)]
        for c in out:  # update the standing position: new statements supersede what they were aligned with
            if c.kind in (MODIFIED, REAFFIRMED) and c.old is not None and c.new is not None:
                self._remove(topic, c.old.uid)
                self.repeated.setdefault(topic, set()).discard(c.old.uid)
                self.repeated[topic].add(c.new.uid)
        for st in new:
            self._add(topic, st)
        self.last_letter[topic] = letter
        self.last_series[topic] = series
        return out
