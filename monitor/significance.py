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

import math
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


# ---------------------------------------------------------------- the learned model
# Every change is described by the same named features (:func:`features`); a language with fitted weights
# (``weights.toml``, ``make fit``) scores them with a logistic model, so what matters is learned from judged
# examples of many dossiers instead of set by hand. The names below are the model's vocabulary: the fit,
# the weights file and ``changes --explain`` all use them.
KINDS = ("initial", "added", "modified", "not_restated")
FLAG_FIELDS = ("government", "elaboration", "hedged", "lead", "quantified", "realised", "example", "recalls")


def features(kind: str, t: Traits, text: str, *, lang: Language | None = None, old: Traits | None = None,
             similarity: float = 0.0, nearest: float = 0.0, numbers: bool = False, stance_moved: bool = False,
             position: int = 0, same_series: bool = False, repeated: bool = False) -> dict[str, float]:
    """The features of one change (only the non-zero ones, in a fixed order): what the model weighs.

    ``t`` and ``text`` are the new statement's (the old one's for ``not_restated``); ``position`` its place in
    the letter. ``other_topics`` (how many other topics of the letter the statement is a candidate in) needs
    the whole letter: the position tracker adds it.
    """
    lang = lang or dutch()
    f: dict[str, float] = {f"kind_{kind}": 1.0, f"function_{t.function}": 1.0}
    for name in FLAG_FIELDS:
        if getattr(t, name):
            f[f"trait_{name}"] = 1.0
    if not t.own_terms:
        f["topic_from_context"] = 1.0
    f["topic_terms"] = min(max(t.topic_terms - 1, 0), 3) / 3
    if t.government and t.function in STANCES:
        f["government_stance"] = 1.0
    f["position"] = min(position, 60) / 60
    words = len(text.split())
    if words < 8:
        f["short"] = 1.0
    if words > 40:
        f["long"] = 1.0
    for name in sorted(lang.signals.found(text)):
        f[f"signal_{name}"] = 1.0
    if kind == "modified":
        f["similarity"] = min(similarity, 1.0)
        if numbers:
            f["numbers_moved"] = 1.0
        if stance_moved:
            f["stance_moved"] = 1.0
        if old is not None and old.government:
            f["old_government"] = 1.0
    elif kind in ("added", "initial") and nearest:
        f["nearest"] = min(nearest, 1.0)
    if kind == "not_restated":
        if same_series:
            f["same_series"] = 1.0
        if repeated:
            f["repeated"] = 1.0
        if same_series and repeated and t.function in BINDING:
            f["binding_dropped"] = 1.0
    return {k: round(v, 4) for k, v in f.items() if v}


def contributions(feats: dict[str, float], lang: Language | None = None) -> list[tuple[str, float]]:
    """Each feature's share of the score (weight × value), largest first by size; the bias as ``bias``."""
    w = (lang or dutch()).weights
    parts = [("bias", w.bias)] + [(k, w.weights.get(k, 0.0) * v) for k, v in feats.items()]
    return sorted(((k, round(c, 3)) for k, c in parts if c), key=lambda kc: (-abs(kc[1]), kc[0]))


def learned(feats: dict[str, float], lang: Language | None = None) -> tuple[float, list[str]]:
    """The fitted model's significance and the reasons a reader sees: the labels of the features that weigh
    most, "−" before those that count against (the bias is not a reason).

    The model's probability is put on the scale of the hand-set rules (its threshold at :data:`FLOOR`), so the
    kinds it scores and the kinds the rules score are published by one floor and ranked together."""
    lang = lang or dutch()
    z = lang.weights.bias + sum(lang.weights.weights.get(k, 0.0) * v for k, v in feats.items())
    score = FLOOR + 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))) - lang.weights.threshold
    why = [("− " if c < 0 else "") + _label(k, lang) for k, c in contributions(feats, lang)
           if k != "bias" and abs(c) >= 0.25][:4]
    return score, why


def _label(feature: str, lang: Language) -> str:
    if feature in lang.weights.labels:
        return lang.weights.labels[feature]
    if feature.startswith("signal_"):
        return lang.signals.label(feature[len("signal_"):])
    return feature


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
