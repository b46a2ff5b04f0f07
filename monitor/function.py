"""What a statement does in its letter: can it carry a position, and of what sort. Pure.

A letter to parliament mixes the cabinet's positions (assessments, decisions,
commitments, intentions, figures, policy rules, facts it reports) with text
that carries none: the letter's furniture (Kamerstuk headers, answer
metadata), talk about the letter itself ("In deze brief …", "Hierbij
ontvangt u …"), promises to inform the Kamer, agenda and meeting
descriptions, the questions of Kamervragen (the answer carries the
position) and quotations of others. Only position statements are tracked.

What holds:

* :func:`classify` gives every statement exactly one :class:`Function` with
  the evidence (the rule and the words that decided it), so a reader can see
  why a sentence was or was not tracked;
* non-position functions are decided first (a promise to inform the Kamer
  that mentions a decision is still a promise to inform); among positions the
  strongest sort wins (decision > commitment > intention > rule > figure >
  assessment > report > fact);
* the flags ``government`` (the Dutch government acts or speaks),
  ``elaboration`` (the sentence details or illustrates the one before: "Zo …",
  "Ook …", "dit fonds"), ``hedged`` (conditional or hypothetical) and
  ``lead`` (first sentence of its paragraph) feed the significance of changes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .diff import modality
from .lang import NON_POSITION, POSITION, Language, Rule, dutch
from .model import HEADING, PROCEDURAL, QUESTION, Statement
from .patterns import Patterns, forms
from .quantities import counted_units
from .traits import Traits

__all__ = ["NON_POSITION", "POSITION", "Function", "classify", "classify_one", "is_government"]


def is_government(text: str, lang: Language | None = None) -> bool:
    """The government speaks or acts in the statement (not another country's minister)."""
    rules = (lang or dutch()).function
    return any(not rules.foreign.search(text[:m.start()]) for m in rules.government.finditer(text))


@dataclass(frozen=True)
class Function:
    """The function of one statement, with the evidence for it."""

    name: str  # one of NON_POSITION or POSITION
    rule: str  # which rule decided ("default" when none did)
    evidence: tuple[str, ...] = ()  # the words that decided it
    government: bool = False
    elaboration: bool = False
    hedged: bool = False
    lead: bool = False
    quantified: bool = False  # it counts something (an amount, a number of people), not a date or a span of time
    realised: bool = False  # it reports something as having happened ("is inmiddels beëindigd")
    example: bool = False  # it illustrates a point already made ("Zo steeg het aantal ...")
    recalls: bool = False  # it says it repeats what was said before ("Zoals eerder gemeld, ...")

    @property
    def position(self) -> bool:
        return self.name in POSITION

    @property
    def traits(self) -> Traits:
        """What the statement's significance depends on, as far as the statement itself decides it."""
        return Traits(function=self.name, government=self.government, elaboration=self.elaboration,
                      hedged=self.hedged, lead=self.lead, quantified=self.quantified, realised=self.realised,
                      example=self.example, recalls=self.recalls)

    def as_json(self) -> dict[str, object]:
        """What ``statement.function_evidence`` holds: the rule and its words, and :meth:`Traits.stored`."""
        return {"rule": self.rule, "evidence": list(self.evidence), **self.traits.stored()}


MIN_WORDS = 4  # shorter running text ("Ja", "Nee.") answers a question but states nothing on its own


@lru_cache(maxsize=256)
def _terms(terms: tuple[str, ...], code: str) -> Patterns:
    return Patterns(terms, code)


def _first(rules: tuple[Rule, ...], text: str, code: str) -> tuple[str, str, str] | None:
    """(function, rule name, the words that matched) of the first rule that matches ``text``."""
    low: str | None = None
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer ("İ"): positions would shift
        lowered = ""
    for rule in rules:
        if rule.terms:  # word patterns, the topics' pattern language and matcher
            low = " ".join(text.lower().split()) if low is None else low
            hits = _terms(rule.terms, code).match(forms(low, code), low)
            if hits:
                return rule.function, rule.name, hits[0]
            continue
        if rule.lowered is not None and lowered:
            m = rule.lowered.search(lowered)
            if m:  # the words as written, from the same place
                return rule.function, rule.name, text[m.start():m.end()].strip()
            continue
        m = rule.pattern.search(text)
        if m:
            return rule.function, rule.name, m.group(0).strip()
    return None


def classify_one(st: Statement, lead: bool = False, lang: Language | None = None) -> Function:
    """The function of one statement on its own (``lead``: first sentence of its paragraph)."""
    lang = lang or dutch()
    rules = lang.function
    text = st.text
    if st.kind == PROCEDURAL:
        return Function("procedural", st.role or "procedural")
    if st.kind == HEADING:
        return Function("heading", "heading")
    if st.kind == QUESTION or st.section_kind == "question" or text.rstrip().endswith("?"):
        return Function("question", "question", (st.section,) if st.section else ())
    if len(text.split()) < MIN_WORDS:
        return Function("meta", "too short to state a position")
    hit = _first(rules.non_position, text, lang.lemmas)
    flags = dict(government=is_government(text, lang), elaboration=bool(rules.elaboration.search(text)),
                 hedged=bool(rules.hedged.search(text)), lead=lead,
                 quantified=bool(counted_units(text, lang)),
                 realised="done" in modality(text, lang).categories, example=bool(rules.example.search(text)),
                 recalls=bool(rules.recalls.search(text)))
    stake = rules.stakes.search(text) if hit is not None and hit[0] == "agenda" else None
    if stake is not None:
        # "the ministers will discuss the consequences for Europe's internal security": the agenda names a stake
        flags["hedged"] = True
        hit = ("assessment", "stake on the agenda", stake.group(0))
    if hit is not None:
        return Function(hit[0], hit[1], (hit[2],), **flags)
    hit = _first(rules.position, text, lang.lemmas)
    figure = rules.figure.search(text)
    if hit is not None and hit[0] == "report" and flags["government"]:
        hit = None  # what Nederland said at a meeting is the government's own position
    if hit is not None and (figure is None or POSITION.index(hit[0]) < POSITION.index("figure")):
        return Function(hit[0], hit[1], (hit[2],), **flags)
    if figure is not None:
        return Function("figure", "figure", (figure.group(0),), **flags)
    return Function("fact", "default", (), **flags)


def classify(statements: Sequence[Statement], lang: Language | None = None) -> list[Function]:
    """The function of each statement of one letter, in order (rules of ``lang``, default Dutch)."""
    seen_paragraphs: set[int] = set()
    out: list[Function] = []
    for st in statements:
        lead = st.kind not in (PROCEDURAL, HEADING, QUESTION) and st.paragraph not in seen_paragraphs
        if lead:
            seen_paragraphs.add(st.paragraph)
        out.append(classify_one(st, lead, lang))
    return out
