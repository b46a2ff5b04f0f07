"""How much a change matters to a reader, and which changes a feed entry publishes. Pure.

What holds:

* :func:`score` gives every change a significance in [0, 1] with the reasons
  for it; it rises with what the change *does* (a changed quantity of the same
  thing, a shift in commitment, a decision, a commitment or intention of the
  government) and falls for what merely details, illustrates or hedges. For a
  paired change it never rises as the pairing gets weaker;
* :func:`select` decides, per letter × topic, which changes are published: at
  least :data:`FLOOR` significant and among the :data:`CAP` most significant
  (:data:`CAP_INITIAL` for a first statement of position); the rest are kept
  (``published`` false) and folded into "en N kleinere wijzigingen";
* ties are broken by the statement's place in its letter, never by an id.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .lang import Language, dutch

from .traits import Traits as Traits  # defined there, with how it is stored; imported from here too

# What a position statement of each sort is worth when it is new.
WEIGHT = {"decision": 0.72, "commitment": 0.68, "intention": 0.68, "rule": 0.64, "figure": 0.58,
          "assessment": 0.56, "fact": 0.5, "report": 0.46}
# Functions in which the speaker takes a stance (decides, commits, intends, rules, judges).
STANCES = frozenset({"decision", "commitment", "intention", "rule", "assessment"})
# What the government binds itself to: a decision, commitment or intention.
BINDING = frozenset({"decision", "commitment", "intention"})
FLOOR = 0.56  # below this a change is kept, not published
CAP = 30  # at most this many published items per letter × topic
CAP_INITIAL = 3  # a first statement of position: its few main points


# A new statement this similar to a standing one partly says again what was said before.
RESTATES = 0.2


def new_statement(t: Traits, nearest: float = 0.0, lang: Language | None = None) -> tuple[float, list[str]]:
    """The worth of a statement that is new to the standing position.

    ``nearest``: its similarity to the closest standing statement (0 when none is close); the reasons are
    worded in ``lang``'s labels (default Dutch).
    """
    label = (lang or dutch()).labels.significance
    score = WEIGHT.get(t.function, 0.4)
    why = [t.function]
    # the government as the one taking a stance counts; "Nederland" in a plain fact does not
    for flag, delta, key in ((t.government and t.function in STANCES, 0.08, "government"), (t.lead, 0.04, "lead"),
                             (t.elaboration and not t.example, -0.1, "elaboration"),
                             (t.example, -0.22, "example"), (t.hedged, -0.1, "hedged"),
                             (not t.own_terms, -0.06, "context_topic"),
                             (nearest >= RESTATES or t.recalls, -0.08, "restates"),
                             (t.quantified, 0.05, "quantified"),
                             (t.realised and t.function in BINDING, 0.05, "realised")):
        if flag:
            score += delta
            why.append(label[key])
    return score + _centrality(t), why


def _centrality(t: Traits) -> float:
    """A little more for a statement that names its topic several times over (no label: it only orders)."""
    return 0.015 * min(max(t.topic_terms - 1, 0), 3)


def modified(t_new: Traits, t_old: Traits, similarity: float, numbers: bool, modality: bool,
             lang: Language | None = None) -> tuple[float, list[str]]:
    """The worth of a revised statement: what moved, how sure the pairing is, who acts."""
    label = (lang or dutch()).labels.significance
    score = 0.7 + 0.3 * min(similarity, 0.4)  # a weak pairing is less sure to be the same point
    why = [label["same_point"]]
    if numbers:
        score += 0.1
        why.append(label["numbers"])
    if modality:
        score += 0.06
        why.append(label["commitment"])
    if t_new.government or t_old.government:
        score += 0.04
        why.append(label["government"])
    if t_new.elaboration:
        score -= 0.08
        why.append(label["elaboration"])
    return score + _centrality(t_new), why


def clamp(score: float) -> float:
    return round(max(0.0, min(score, 1.0)), 3)


@dataclass(frozen=True)
class Candidate:
    """One change of a letter × topic, as far as publishing is concerned."""

    key: int  # the caller's index
    significance: float
    position: int  # the statement's place in its letter (ties)
    publishable: bool  # reaffirmed and the like never are


def select(items: Sequence[Candidate], initial: bool = False) -> set[int]:
    """The keys of the published changes of one letter × topic."""
    cap = CAP_INITIAL if initial else CAP
    ranked = sorted((c for c in items if c.publishable and c.significance >= FLOOR),
                    key=lambda c: (-c.significance, c.position))
    return {c.key for c in ranked[:cap]}
