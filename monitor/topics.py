"""Topic assignment with evidence a reader can check. Pure: statements in, assignments out.

For each statement, per topic, in this order:

1. **terms** — the statement's own words (forms and simplemma lemmas, compound
   parts) match the topic's term patterns, after office titles (``de minister
   van Justitie en Veiligheid``) and the topic's ``exclude`` phrases are taken
   out: those are names, not evidence.
2. **sense** — a matched term listed as ``ambiguous`` counts only in the
   topic's own sense. The cues of ``sense_for``/``sense_against`` decide, in
   the sentence, else its paragraph, else the whole letter; in the other sense
   the term counts for ``sense_against_topic`` (troops "returning" are
   veiligheid, not terugkeer).
3. A statement without topics of its own inherits, in order of preference:
   **anaphora** (``deze toezegging``, ``Daarmee``: the previous statement of
   its section), **answer** (the questions an answer replies to), **heading**
   (its section heading's topics).

Procedural statements (salutations, signatures, …) carry no topic.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from . import lexicon
from .config import TopicSpec
from .model import HEADING, PROCEDURAL, QUESTION, Statement

ANALYSIS_VERSION = "topics-3"  # 2: statement functions and subject scope are stored with the topics; 3: quantified/realised

ANAPHOR = re.compile(
    r"^(?:(?:\S+\s+){0,6}?(?:deze|dit|dergelijke|zulke|voornoemde|bovengenoemde|genoemde)\s+([^\W\d_]+)"
    r"|(?:Hiermee|Daarmee|Hierbij|Daarbij|Hierdoor|Daardoor|Hiervoor|Daarvoor|Zo|Dit|Deze)\b)", re.I)
# Nouns after a demonstrative that point at the letter or the calendar, not at an earlier position.
NOT_ANAPHORIC = frozenset("brief kamerbrief week maand jaar periode moment kader wijze manier zin verband".split())

SCORES = {"terms": 1.0, "sense": 1.0, "anaphora": 0.8, "answer": 0.7, "heading": 0.6}


@dataclass(frozen=True)
class Evidence:
    rule: str  # terms, sense, anaphora, answer, heading
    terms: tuple[str, ...] = ()
    source: str = ""  # the heading, or "#<position>" of the statement inherited from
    source_positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class TopicAssignment:
    topic: str
    score: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def evidence_json(self) -> list[dict[str, object]]:
        return [asdict(e) for e in self.evidence]


def _pattern_regex(pattern: str) -> str:
    return "".join(r"[\w'’-]*" if ch == "*" else re.escape(ch) for ch in pattern.lower())


class _Patterns:
    """Compiled word and phrase patterns; word verdicts are memoised (letters reuse their words)."""

    def __init__(self, patterns: Iterable[str]):
        patterns = list(patterns)
        words = [p for p in patterns if " " not in p.strip()]
        phrases = [p for p in patterns if " " in p.strip()]
        self.words = re.compile("^(?:" + "|".join(_pattern_regex(p) for p in words) + ")$") if words else None
        self.phrases = (re.compile(r"(?<![\w-])(?:" + "|".join(_pattern_regex(p) for p in phrases) + r")(?![\w-])")
                        if phrases else None)
        self._memo: dict[tuple[str, ...], bool] = {}

    @classmethod
    def build(cls, patterns: Iterable[str]) -> "_Patterns":
        return cls(patterns)

    def _word_hit(self, variants: tuple[str, ...]) -> bool:
        hit = self._memo.get(variants)
        if hit is None:
            hit = self.words is not None and any(self.words.match(v) for v in variants)
            if len(self._memo) < 200_000:
                self._memo[variants] = hit
        return hit

    def match(self, forms: Sequence[tuple[str, tuple[str, ...]]], text: str) -> list[str]:
        """Matched surface words/phrases; ``forms`` are (surface, variants) per token."""
        hits: list[str] = []
        if self.words is not None:
            hits.extend(surface for surface, variants in forms if self._word_hit(variants))
        if self.phrases is not None and text:
            hits.extend(m.group(0) for m in self.phrases.finditer(text))
        return list(dict.fromkeys(hits))

    def covers(self, hit: str) -> bool:
        """Does this matched word or phrase fall under one of these patterns?"""
        if " " in hit:
            return self.phrases is not None and bool(self.phrases.search(hit))
        return self._word_hit(_variants(hit))


@lru_cache(maxsize=100_000)
def _variants(token: str) -> tuple[str, ...]:
    low = token.lower()
    out = {low, lexicon.lemma(token)}
    if "-" in low:
        for part in low.split("-"):
            if part:
                out.add(part)
                out.add(lexicon.lemma(part))
    return tuple(out)


def _forms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(w.lower(), _variants(w)) for w in lexicon.words(text)]


@dataclass(frozen=True)
class _Topic:
    spec: TopicSpec
    terms: _Patterns
    headings: _Patterns
    ambiguous: _Patterns
    sense_for: _Patterns
    sense_against: _Patterns
    exclude: tuple[re.Pattern[str], ...]


class TopicScheme:
    """The compiled topic configuration. Build once; ``assign`` is pure and fast."""

    def __init__(self, specs: Sequence[TopicSpec], extra: object = None):
        """``extra``: other configuration the stored analysis depends on (the subject); part of the fingerprint."""
        self.specs = tuple(specs)
        self.extra = extra
        self._topics = [
            _Topic(spec=s, terms=_Patterns.build(s.terms), headings=_Patterns.build(s.headings),
                   ambiguous=_Patterns.build(s.ambiguous), sense_for=_Patterns.build(s.sense_for),
                   sense_against=_Patterns.build(s.sense_against),
                   exclude=tuple(re.compile(r"(?<![\w-])" + _pattern_regex(x) + r"(?![\w-])") for x in s.exclude))
            for s in specs]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def fingerprint(self) -> str:
        """Identifies the analysis: code version plus the exact topic configuration."""
        parts: list[object] = [ANALYSIS_VERSION] + [asdict(s) for s in self.specs]
        if self.extra is not None:
            parts.append(asdict(self.extra) if hasattr(self.extra, "__dataclass_fields__") else repr(self.extra))
        blob = json.dumps(parts, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ matching

    @staticmethod
    def _strip_titles(text: str) -> str:
        return lexicon.strip_office_titles(text)

    def _own(self, topic: _Topic, low: str, forms: list[tuple[str, tuple[str, ...]]]) -> tuple[list[str], list[str]]:
        """(unambiguous hits, ambiguous hits) of one topic in a title-stripped, lower-cased text."""
        if any(rx.search(low) for rx in topic.exclude):
            for rx in topic.exclude:
                low = rx.sub(" ", low)
            forms = _forms(low)
        hits = topic.terms.match(forms, low)
        if not hits:
            return [], []
        ambiguous = {h for h in hits if topic.ambiguous.covers(h)}
        return [h for h in hits if h not in ambiguous], [h for h in hits if h in ambiguous]

    @staticmethod
    def _cues(topic: _Topic, text: str, ignore: Iterable[str]) -> tuple[int, int]:
        low = " ".join(text.lower().split())
        skip = set(ignore)
        forms = [(s, v) for s, v in _forms(low) if s not in skip]
        return (len([h for h in topic.sense_for.match(forms, low) if h not in skip]),
                len([h for h in topic.sense_against.match(forms, low) if h not in skip]))

    def heading_topics(self, heading: str) -> list[str]:
        if not heading:
            return []
        forms = _forms(heading.lower())
        return [t.spec.name for t in self._topics if t.headings.match(forms, heading.lower())]

    # ------------------------------------------------------------------ assignment

    def assign(self, statements: Sequence[Statement]) -> list[dict[str, TopicAssignment]]:
        """Topics of each statement of one letter (same order as ``statements``)."""
        paragraphs: dict[int, list[str]] = {}
        for st in statements:
            if st.kind != PROCEDURAL:
                paragraphs.setdefault(st.paragraph, []).append(st.text)
        para_text = {k: " ".join(v) for k, v in paragraphs.items()}
        letter_text = " ".join(para_text.values())

        results: list[dict[str, TopicAssignment]] = []
        by_position: dict[int, dict[str, TopicAssignment]] = {}
        cue_cache: dict[tuple[str, str, tuple[str, ...]], tuple[int, int]] = {}
        for index, st in enumerate(statements):
            found: dict[str, list[Evidence]] = {}
            if st.kind != PROCEDURAL:
                low = " ".join(self._strip_titles(st.text).lower().split())
                forms = _forms(low)
                for topic in self._topics:
                    plain, ambiguous = self._own(topic, low, forms)
                    if plain:
                        found.setdefault(topic.spec.name, []).append(Evidence("terms", tuple(plain + ambiguous)))
                    elif ambiguous:
                        self._decide_sense(topic, st, ambiguous, para_text, letter_text, found, cue_cache)
            if not found and st.kind not in (PROCEDURAL, HEADING):
                self._inherit(st, statements[:index], statements, by_position, found)
            assigned = {name: TopicAssignment(name, round(sum(SCORES[e.rule] for e in ev), 2), tuple(ev))
                        for name, ev in found.items()}
            results.append(assigned)
            by_position[st.position] = assigned
        return results

    def _decide_sense(self, topic: _Topic, st: Statement, ambiguous: list[str], para_text: dict[int, str],
                      letter_text: str, found: dict[str, list[Evidence]],
                      cache: dict[tuple[str, str, tuple[str, ...]], tuple[int, int]]) -> None:
        verdict = 0
        for scope, text in (("sentence", st.text), ("paragraph", para_text.get(st.paragraph, "")),
                            ("letter", letter_text)):
            key = (topic.spec.name, text, tuple(ambiguous))
            if key not in cache:  # a paragraph's or letter's cues are counted once, not per statement
                cache[key] = self._cues(topic, text, ambiguous)
            pro, con = cache[key]
            if pro != con:
                verdict = 1 if pro > con else -1
                where = scope
                break
        else:
            where = "default"
        if verdict >= 0:
            found.setdefault(topic.spec.name, []).append(
                Evidence("sense", tuple(ambiguous), f"{topic.spec.name} sense ({where} context)"))
        elif topic.spec.sense_against_topic:
            found.setdefault(topic.spec.sense_against_topic, []).append(
                Evidence("sense", tuple(ambiguous), f"not {topic.spec.name}: {where} context"))

    def _inherit(self, st: Statement, before: Sequence[Statement], statements: Sequence[Statement],
                 by_position: dict[int, dict[str, TopicAssignment]], found: dict[str, list[Evidence]]) -> None:
        m = ANAPHOR.match(st.text)
        if m and (m.group(1) or "").lower() not in NOT_ANAPHORIC:
            prev = next((p for p in reversed(before) if p.kind not in (PROCEDURAL, HEADING)
                         and p.section == st.section), None)
            if prev is not None and by_position.get(prev.position):
                for name in by_position[prev.position]:
                    found.setdefault(name, []).append(
                        Evidence("anaphora", (m.group(0).strip(),), f"#{prev.position}", (prev.position,)))
                return
        if st.section_kind == "answer" and st.answers:
            questions = [q for q in statements if q.kind == QUESTION and set(q.answers) & set(st.answers)]
            for q in questions:
                for name in by_position.get(q.position, {}):
                    ev = found.setdefault(name, [])
                    if not ev:
                        ev.append(Evidence("answer", (), f"vraag {', '.join(st.answers)}",
                                           tuple(x.position for x in questions)))
            if found:
                return
        for name in self.heading_topics(st.section):
            found.setdefault(name, []).append(Evidence("heading", (), st.section))
