"""Topic assignment with evidence a reader can check. Pure: statements in, assignments out.

For each statement, per topic, in this order:

1. **idiom** — a phrase listed as one of the topic's ``idioms`` means that
   topic whatever its words name ("in veiligheid gebracht" is evacuation,
   migratie, not veiligheid); its words count for no other topic.
2. **terms** — the statement's own words (forms and simplemma lemmas, compound
   parts) match the topic's term patterns, after names (office titles such as
   ``de minister van Justitie en Veiligheid``, ministries, committees) and the
   topic's ``exclude`` phrases are taken out: those are names, not evidence.
3. **sense** — a matched term listed as ``ambiguous`` counts only in the
   topic's own sense. The cues of ``sense_for``/``sense_against`` decide, in
   the sentence, else its paragraph, else the whole letter; in the other sense
   the term counts for ``sense_against_topic`` (troops "returning" are
   veiligheid, not terugkeer).
4. A statement without topics of its own inherits, in order of preference:
   **anaphora** (``deze toezegging``, ``Daarmee``: the previous statement of
   its section), **answer** (the questions an answer replies to), **heading**
   (its section heading's topics), **letter** (the letter's own subject: its
   title or its dossier's title names one of the topic's ``letter_subjects``,
   as in a "Landenbeleid" letter, where a sentence on revising the policy for
   risk groups names no topic but is about migratie).

Procedural statements (salutations, signatures, …) carry no topic; a dossier
head line ("27 925 Bestrijding internationaal terrorisme") is context for the
letter, never evidence for itself. :meth:`TopicScheme.explain` prints the chain.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass

from . import lexicon
from .lang import Language, dutch
from .patterns import Patterns, phrase
from .patterns import forms as _forms
from .model import HEADING, PROCEDURAL, QUESTION, Statement

ANALYSIS_VERSION = "topics-4"  # 2: functions and scope stored with the topics; 3: quantified/realised; 4: idioms, letter subject

SCORES = {"terms": 1.0, "sense": 1.0, "idiom": 1.0, "anaphora": 0.8, "answer": 0.7, "heading": 0.6, "letter": 0.5}
# Anaphors, office titles and the Kamerstuk's dossier head are in monitor/lang/<code>/names.toml.


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the scheme; see config.toml for what each list means.

    Patterns: ``terugkeer*`` (prefix), ``*migratie*`` (part of a compound),
    ``gedwongen terugkeer`` (a phrase); matched on word forms and lemmas.
    ``idioms`` are phrases that mean this topic whatever their words name ("in veiligheid gebracht" is
    evacuation); ``letter_subjects`` are patterns that make this topic the subject of a whole letter when its
    title or dossier names them ("landgebonden asielbeleid").
    """

    name: str
    label: str
    description: str = ""
    terms: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    sense_for: tuple[str, ...] = ()
    sense_against: tuple[str, ...] = ()
    sense_against_topic: str = ""
    idioms: tuple[str, ...] = ()
    letter_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterContext:
    """What the whole letter is about, as far as topics go: its title (Betreft) and kind."""

    title: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Evidence:
    rule: str  # terms, sense, idiom, anaphora, answer, heading, letter
    terms: tuple[str, ...] = ()
    source: str = ""  # the heading, or "#<position>" of the statement inherited from
    source_positions: tuple[int, ...] = ()


_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


@dataclass(frozen=True)
class TopicAssignment:
    topic: str
    score: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def evidence_json(self) -> list[dict[str, object]]:
        # Evidence holds strings and tuples of strings or ints: its fields as they are, as asdict would copy them
        return [{name: getattr(e, name) for name in _EVIDENCE_FIELDS} for e in self.evidence]


@dataclass(frozen=True)
class _Topic:
    spec: TopicSpec
    terms: Patterns
    headings: Patterns
    ambiguous: Patterns
    sense_for: Patterns
    sense_against: Patterns
    exclude: tuple[re.Pattern[str], ...]
    idioms: re.Pattern[str] | None  # all of the topic's idioms as one alternation
    letter_subjects: Patterns


class TopicScheme:
    """The compiled topic configuration. Build once; ``assign`` is pure and fast."""

    def __init__(self, specs: Sequence[TopicSpec], extra: object = None, lang: Language | None = None):
        """``extra``: other configuration the stored analysis depends on (the subject); part of the fingerprint.

        ``lang``: the language of the letters (default Dutch); the files it reads are part of the fingerprint.
        """
        self.specs = tuple(specs)
        self.extra = extra
        self.lang = lang or dutch()
        self._names = self.lang.names
        self._code = self.lang.lemmas  # the language of the lemmas a term is matched on
        self._topics = [
            _Topic(spec=s, terms=Patterns(s.terms, self._code), headings=Patterns(s.headings, self._code),
                   ambiguous=Patterns(s.ambiguous, self._code), sense_for=Patterns(s.sense_for, self._code),
                   sense_against=Patterns(s.sense_against, self._code),
                   exclude=tuple(phrase(x) for x in s.exclude),
                   idioms=re.compile("|".join(phrase(x).pattern for x in s.idioms)) if s.idioms else None,
                   letter_subjects=Patterns(s.letter_subjects, self._code))
            for s in specs]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def fingerprint(self) -> str:
        """Identifies the analysis: code version plus the exact topic configuration."""
        parts: list[object] = [ANALYSIS_VERSION] + [asdict(s) for s in self.specs]
        parts.append(f"{self.lang.code}:{self.lang.fingerprint_of('topics')}")
        if self.extra is not None:
            parts.append(asdict(self.extra) if is_dataclass(self.extra) and not isinstance(self.extra, type) else repr(self.extra))
        blob = json.dumps(parts, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ matching

    def _strip_titles(self, text: str) -> str:
        return lexicon.strip_office_titles(text, self.lang)

    def _own(self, topic: _Topic, low: str, forms: list[tuple[str, tuple[str, ...]]]) -> tuple[list[str], list[str]]:
        """(unambiguous hits, ambiguous hits) of one topic in a title-stripped, lower-cased text."""
        if any(rx.search(low) for rx in topic.exclude):
            for rx in topic.exclude:
                low = rx.sub(" ", low)
            forms = _forms(low, self._code)
        hits = topic.terms.match(forms, low)
        if not hits:
            return [], []
        ambiguous = {h for h in hits if topic.ambiguous.covers(h)}
        return [h for h in hits if h not in ambiguous], [h for h in hits if h in ambiguous]

    def _cues(self, topic: _Topic, text: str, ignore: Iterable[str]) -> tuple[int, int]:
        low = " ".join(text.lower().split())
        skip = set(ignore)
        forms = [(s, v) for s, v in _forms(low, self._code) if s not in skip]
        return (len([h for h in topic.sense_for.match(forms, low) if h not in skip]),
                len([h for h in topic.sense_against.match(forms, low) if h not in skip]))

    def heading_topics(self, heading: str) -> list[str]:
        if not heading:
            return []
        forms = _forms(heading.lower(), self._code)
        return [t.spec.name for t in self._topics if t.headings.match(forms, heading.lower())]

    # ------------------------------------------------------------------ assignment

    def letter_topics(self, statements: Sequence[Statement], context: LetterContext) -> dict[str, Evidence]:
        """The topics a whole letter is about: its title or its dossier's title names a topic's letter subject."""
        heads = (self._names.dossier_head.match(st.text) for st in statements[:12])
        sources = [context.title] + [m.group(1) for m in heads if m]
        out: dict[str, Evidence] = {}
        for source in filter(None, sources):
            low = " ".join(self._strip_titles(source).lower().split())  # "staatssecretaris van Veiligheid" is a name
            forms = _forms(low, self._code)
            for topic in self._topics:
                hits = topic.letter_subjects.match(forms, low)
                if hits and topic.spec.name not in out:
                    out[topic.spec.name] = Evidence("letter", tuple(hits), source)
        return out

    def _idioms(self, low: str) -> tuple[str, dict[str, list[str]]]:
        """The text with idioms taken out (their words are no evidence for another topic), and the idioms' topics."""
        found: dict[str, list[str]] = {}
        for topic in self._topics:
            if topic.idioms is None:
                continue
            hits = [m.group(0) for m in topic.idioms.finditer(low)]
            if hits:
                found.setdefault(topic.spec.name, []).extend(hits)
                low = topic.idioms.sub(" ", low)
        return low, found

    def assign(self, statements: Sequence[Statement], context: LetterContext = LetterContext()
               ) -> list[dict[str, TopicAssignment]]:
        """Topics of each statement of one letter (same order as ``statements``)."""
        paragraphs: dict[int, list[str]] = {}
        for st in statements:
            if st.kind != PROCEDURAL:
                paragraphs.setdefault(st.paragraph, []).append(st.text)
        para_text = {k: " ".join(v) for k, v in paragraphs.items()}
        letter_text = " ".join(para_text.values())
        letter = self.letter_topics(statements, context)

        results: list[dict[str, TopicAssignment]] = []
        by_position: dict[int, dict[str, TopicAssignment]] = {}
        cue_cache: dict[tuple[str, str, tuple[str, ...]], tuple[int, int]] = {}
        for index, st in enumerate(statements):
            found: dict[str, list[Evidence]] = {}
            names_only = self._names.dossier_head.match(st.text) is not None  # a dossier title is context, not evidence
            if st.kind != PROCEDURAL and not names_only:
                self._own_evidence(st, para_text, letter_text, found, cue_cache)
            if not found and st.kind not in (PROCEDURAL, HEADING) and not names_only:
                self._inherit(st, statements[:index], statements, by_position, found)
                if not found:
                    for name, ev in letter.items():
                        found.setdefault(name, []).append(ev)
            assigned = {name: TopicAssignment(name, round(sum(SCORES[e.rule] for e in ev), 2), tuple(ev))
                        for name, ev in found.items()}
            results.append(assigned)
            by_position[st.position] = assigned
        return results

    def _own_evidence(self, st: Statement, para_text: dict[int, str], letter_text: str,
                      found: dict[str, list[Evidence]],
                      cue_cache: dict[tuple[str, str, tuple[str, ...]], tuple[int, int]]) -> None:
        """Topics from the statement's own words: idioms first, then terms (and senses) in what remains."""
        low, idioms = self._idioms(" ".join(self._strip_titles(st.text).lower().split()))
        for name, hits in idioms.items():
            found.setdefault(name, []).append(Evidence("idiom", tuple(dict.fromkeys(hits))))
        forms = _forms(low, self._code)
        for topic in self._topics:
            plain, ambiguous = self._own(topic, low, forms)
            if plain:
                found.setdefault(topic.spec.name, []).append(Evidence("terms", tuple(plain + ambiguous)))
            elif ambiguous:
                self._decide_sense(topic, st, ambiguous, para_text, letter_text, found, cue_cache)

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
        m = self._names.anaphor.match(st.text)
        if m and (m.group(1) or "").lower() not in self._names.not_anaphoric:
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
                        ev.append(Evidence("answer", (), self.lang.labels.topics["answer"].format(
                                               numbers=", ".join(st.answers)),
                                           tuple(x.position for x in questions)))
            if found:
                return
        for name in self.heading_topics(st.section):
            found.setdefault(name, []).append(Evidence("heading", (), st.section))

    # ------------------------------------------------------------------ explanation

    def explain(self, statements: Sequence[Statement], index: int, context: LetterContext = LetterContext()
                ) -> list[str]:
        """Why statement ``index`` got (or missed) each topic: the whole evidence chain, in reading order."""
        st = statements[index]
        assigned = self.assign(statements, context)[index]
        lines = [f"#{st.position} {st.kind}: {st.text}"]
        if st.kind == PROCEDURAL:
            return lines + ["  procedural line (salutation, signature, …): carries no topic"]
        if self._names.dossier_head.match(st.text):
            return lines + ["  dossier head: its title is context for the letter, not evidence for this line"]
        stripped = " ".join(self._strip_titles(st.text).lower().split())
        if stripped != " ".join(st.text.lower().split()):
            lines.append(f"  names taken out (office titles, ministries, committees): {stripped}")
        low, idioms = self._idioms(stripped)
        for name, hits in idioms.items():
            lines.append(f"  idiom → {name}: {', '.join(hits)} (its words count for no other topic)")
        forms = _forms(low, self._code)
        for topic in self._topics:
            excluded = [rx.pattern for rx in topic.exclude if rx.search(low)]
            plain, ambiguous = self._own(topic, low, forms)
            parts = []
            if plain:
                parts.append(f"own terms {', '.join(plain)}")
            if ambiguous:
                parts.append(f"ambiguous terms {', '.join(ambiguous)} (decided by sense cues)")
            if excluded:
                parts.append(f"{len(excluded)} excluded phrase(s) taken out")
            lines.append(f"  {topic.spec.name}: {'; '.join(parts) if parts else 'no own terms'}")
        own = any(e.rule in ("terms", "sense", "idiom") for a in assigned.values() for e in a.evidence)
        if st.section:
            heads = self.heading_topics(st.section)
            lines.append(f"  heading: {st.section!r} → {', '.join(heads) or 'no topic'}"
                         + (" (not used: the statement's own words decide)" if own and heads else ""))
        if st.section_kind == "answer" and st.answers:
            lines.append("  answer to " + self.lang.labels.topics["answer"].format(numbers=", ".join(st.answers)))
        letter = self.letter_topics(statements, context)
        lines.append("  letter subject: " + (", ".join(f"{n} ({'/'.join(e.terms)} in {e.source!r})"
                                                       for n, e in letter.items()) or "names no topic")
                     + (" (not used: the statement has a topic of its own or from its context)"
                        if letter and not any(e.rule == "letter" for a in assigned.values() for e in a.evidence)
                        else ""))
        if not assigned:
            lines.append("  → no topic")
        for name, ev in sorted(assigned.items()):
            chain = "; ".join(f"{e.rule}" + (f" {'/'.join(e.terms)}" if e.terms else "")
                              + (f" ({e.source})" if e.source else "") for e in ev.evidence)
            lines.append(f"  → {name} {ev.score:g}: {chain}")
        return lines
