"""What two letters say on one topic, statement by statement: shared by ``policy-monitor diff`` and the
compare page, so the terminal and the browser never disagree about a pairing; and paired by the feed's own rule
(:func:`monitor.position.judge_pairing`), so neither disagrees with the feed about what is the same point.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .align import SimilarityIndex, align
from .config import Settings
from .diff import Comparison
from .position import PairingRules, can_hold_position, judge_pairing
from .timeline import subject_lemmas
from .store import analysis, queries
from .store.models import Letter, StatementRecord

NEW, SAME, CHANGED, GONE = "new", "same", "changed", "gone"


@dataclass(frozen=True)
class Pair:
    """One row of a comparison: ``kind`` is new (only in B), same, changed, or gone (only in A)."""

    kind: str
    old: StatementRecord | None
    new: StatementRecord | None
    similarity: float | None = None
    comparison: Comparison | None = None


def topic_statements(session: Session, letter: Letter, topic: str) -> list[StatementRecord]:
    """The letter's statements on ``topic`` that can hold a position, in order."""
    records = queries.statements(session, letter)
    topics_of = analysis.topic_rows(session, [r.id for r in records])
    return [r for r in records if can_hold_position(r.kind, r.text)
            and any(t.topic == topic for t in topics_of.get(r.id, []))]


def compare_letters(session: Session, settings: Settings, a: Letter, b: Letter, topic: str
                    ) -> tuple[list[StatementRecord], list[StatementRecord], list[Pair]]:
    """A's and B's statements on ``topic`` and the pairs: B's in order (new, same or changed), then A's
    statements that B does not restate."""
    old, new = topic_statements(session, a, topic), topic_statements(session, b, topic)
    index = SimilarityIndex()
    for r in old:
        index.add(r.uid, r.text)
    cfg = settings.analysis
    rules = PairingRules(cfg.same_point, cfg.restatement, subject_lemmas(settings.subject.name, settings.subject.terms))
    matches = align([r.text for r in new], index, cfg.similarity_threshold, k=cfg.candidates)
    by_uid = {r.uid: r for r in old}
    matched = {m.new: m for m in matches}
    pairs: list[Pair] = []
    used: set[str] = set()
    for i, r in enumerate(new):
        m = matched.get(i)
        o = by_uid[str(m.old)] if m is not None else None
        judged = judge_pairing(o.text, r.text, m.similarity, rules) if o is not None and m is not None else None
        if o is None or m is None or judged is None:  # no counterpart, or not the same point: the feed's "added"
            pairs.append(Pair(NEW, None, r))
            continue
        used.add(o.uid)
        cmp = judged.comparison
        pairs.append(Pair(SAME if cmp.unchanged else CHANGED, o, r, m.similarity, cmp))
    pairs += [Pair(GONE, r, None) for r in old if r.uid not in used]
    return old, new, pairs
