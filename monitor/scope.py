"""Which statements of a letter are about the monitored subject. Pure: statements in, verdicts out.

A letter on Afghanistan may also report on Belarus, Lithuania or Ukraine; what
it says there must never count as an Afghanistan position. Per statement, in
this order (the verdict's ``rule`` says which step decided):

1. procedural statements and headings are in scope ("default"): they carry no positions;
2. a sentence that names the subject is in ("sentence");
3. a sentence that names only other subjects is out ("sentence"), unless its
   paragraph names the subject ("paragraph": "zoals Pakistan en Turkije" in a
   paragraph on the Afghan peace process) or its section heading does ("section");
4. a sentence that names nothing follows its paragraph ("paragraph": in when it
   names the subject; out when it names only others, unless the heading names
   the subject, "section"), else its section heading ("section": ``Oekraïne`` →
   out), else the last paragraph of the same section that named anything
   ("paragraph": a nameless paragraph after a Belarus paragraph is out), else
5. the letter title ("letter": out when it names only others, in when it names
   the subject), else in ("default").

An answer section (``Antwoord op vraag 3``) also counts the questions it answers
as its heading. Names are countries from :mod:`monitor.gazetteer` (names,
variants, adjectives, demonyms; a country matched by ``subject.terms`` is the
subject, never "other"), plus ``subject.others``. Multilateral names (EU, NAVO,
VN, Europa, lidstaten) and Nederland are no subject. ``het Sloveense
voorzitterschap`` is an EU office, not Slovenia.

What holds: one verdict per statement, in the same order; every out-of-scope
verdict carries evidence (the names, the paragraph, the heading or the title);
no database, HTTP or file I/O. Fast: patterns are compiled once per
:class:`SubjectSpec` (cached), and every distinct word is classified once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import gazetteer, lexicon
from .lang import Language, dutch
from .patterns import Patterns
from .model import HEADING, PROCEDURAL, QUESTION, Statement

IN, OUT = True, False
_MEMO_LIMIT = 200_000


@dataclass(frozen=True)
class SubjectSpec:
    name: str                       # "Afghanistan"
    terms: tuple[str, ...]          # topic-style patterns: "afghan*", "kaboel", "taliban*", ...
    others: tuple[str, ...] = ()    # extra patterns naming OTHER subjects, on top of the gazetteer


@dataclass(frozen=True)
class ScopeVerdict:
    in_scope: bool
    rule: str                       # "sentence", "paragraph", "section", "letter", "default"
    evidence: tuple[str, ...]       # e.g. ("noemt Belarus, Litouwen",), ("alinea over Belarus",)
    subject_terms: tuple[str, ...]  # subject words found in the statement itself
    other_subjects: tuple[str, ...]  # other subjects found in it (canonical country names)


@dataclass(frozen=True)
class _Names:
    """What one text names: subject words as written, other subjects as canonical → as written."""

    subject: tuple[str, ...] = ()
    others: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.subject or self.others)

    @property
    def other_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.others)


_EMPTY = _Names()


def _key(token: str) -> str:
    # Gazetteer forms are case-sensitive; all-caps headings ("OEKRAÏNE") are read title-cased,
    # abbreviations ("VS", "VK", "DRC") as written.
    return gazetteer.fold(token.title() if len(token) > 3 and token.isupper() else token)


class _Compiled:
    """One subject, compiled: which countries are the subject, and a per-word memo."""

    def __init__(self, spec: SubjectSpec, lang: Language):
        self.gazetteer = gazetteer.for_language(lang)
        # "het Sloveense Voorzitterschap" chairs the EU Council: a name that points at no country (names.toml)
        self.presidency = lang.names.presidency
        self.terms = Patterns(spec.terms, lang.lemmas)
        self.others = Patterns(spec.others, lang.lemmas)
        # A gazetteer country is the subject when its name is the spec's name or any of its forms
        # matches a subject term: then "Afghaanse" counts for Afghanistan even if only "afghan*" is given.
        self.own = frozenset(name for name, forms in self.gazetteer.countries.items()
                             if name.casefold() == spec.name.casefold() or any(map(self.terms.covers, forms)))
        self._memo: dict[str, tuple[str, bool, tuple[str, ...]]] = {}

    def _word(self, token: str) -> tuple[str, bool, tuple[str, ...]]:
        """(lookup key, names the subject?, other countries named) of one word, memoised."""
        hit = self._memo.get(token)
        if hit is not None:
            return hit
        key = _key(token)
        country = self.gazetteer.forms.get(key)  # "" for a neutral region
        subject, others = False, []
        if country is None and "-" in token:  # "EU-Turkije", "Noord-Iraakse", "Belarus-grens"
            for part in token.split("-"):
                part_country = self.gazetteer.forms.get(_key(part))
                if part_country:
                    subject |= part_country in self.own
                    if part_country not in self.own:
                        others.append(part_country)
        elif country:
            subject = country in self.own
            if not subject:
                others.append(country)
        subject = subject or self.terms.word(token)
        if not subject and not others and self.others.word(token):
            others.append(token)
        hit = (key, subject, tuple(dict.fromkeys(others)))
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[token] = hit
        return hit

    def scan(self, text: str) -> _Names:
        """The subject words and other subjects one text names."""
        if not text:
            return _EMPTY
        tokens = lexicon.WORD_RE.findall(text)
        words = [self._word(t) for t in tokens]
        subject: list[str] = []
        others: dict[str, str] = {}
        i, n = 0, len(tokens)
        while i < n:
            key, is_subject, named = words[i]
            for keys, name in self.gazetteer.multi.get(key, ()):  # "Verenigde Staten", "Sri Lanka", ...
                if tuple(w[0] for w in words[i:i + len(keys)]) == keys:
                    surface = " ".join(tokens[i:i + len(keys)])
                    if name in self.own:
                        subject.append(surface)
                    elif name:
                        others.setdefault(name, surface)
                    i += len(keys)
                    break
            else:
                if is_subject:
                    subject.append(tokens[i])
                if named and not (i + 1 < n and tokens[i + 1].lower() in self.presidency):
                    for name in named:
                        others.setdefault(name, name if name == tokens[i] else f"{tokens[i]} ({name})")
                i += 1
        if self.terms.phrases is not None or self.others.phrases is not None:
            low = text.lower()
            same = len(low) == len(text)  # then spans of the lower-cased text are spans of the text
            for rx, is_subject in ((self.terms.phrases, True), (self.others.phrases, False)):
                for m in rx.finditer(low) if rx is not None else ():
                    surface = text[m.start():m.end()] if same else m.group(0)
                    if is_subject:
                        subject.append(surface)
                    else:
                        others.setdefault(surface, surface)
        return _Names(tuple(dict.fromkeys(subject)), tuple(others.items()))


def _compiled(spec: SubjectSpec, lang: Language | None = None) -> _Compiled:
    """The compiled subject, once per subject and language."""
    return _compiled_for(spec, lang or dutch())


@lru_cache(maxsize=64)
def _compiled_for(spec: SubjectSpec, lang: Language) -> _Compiled:
    return _Compiled(spec, lang)


def _merge(parts: Iterable[_Names]) -> _Names:
    subject: dict[str, None] = {}
    others: dict[str, str] = {}
    for names in parts:
        subject.update(dict.fromkeys(names.subject))
        for name, surface in names.others:
            others.setdefault(name, surface)
    return _Names(tuple(subject), tuple(others.items()))


@dataclass(frozen=True)
class _Heading:
    names: _Names
    label: str  # "kop 'Oekraïne'", or "vraag 3" when the answered question supplied the names
    from_questions: bool = False  # the answered questions supplied the names


def _about(names: _Names) -> str:
    return ", ".join(names.other_names)


def _words(names: _Names) -> str:
    return ", ".join(names.subject)


def assess_scope(statements: Sequence[Statement], subject: SubjectSpec, title: str = "",
                 lang: Language | None = None) -> list[ScopeVerdict]:
    """One verdict per statement, same order. See the module docstring for the rules.

    ``lang``: the language of the letter (default Dutch): its countries, and the words of the evidence.
    """
    lang = lang or dutch()
    compiled = _compiled(subject, lang)
    say = lang.labels.scope
    own = [compiled.scan(st.text) for st in statements]

    # What each paragraph names (procedural lines and headings are no running text).
    by_paragraph: dict[int, list[_Names]] = {}
    for st, names in zip(statements, own):
        if st.kind not in (PROCEDURAL, HEADING):
            by_paragraph.setdefault(st.paragraph, []).append(names)
    paragraphs = {p: _merge(parts) for p, parts in by_paragraph.items()}

    # Questions by number: an answer section reads the questions it answers as part of its heading.
    questions: dict[str, list[_Names]] = {}
    for st, names in zip(statements, own):
        if st.kind == QUESTION:
            for number in st.answers:
                questions.setdefault(number, []).append(names)
    headings: dict[tuple[str, str, tuple[str, ...]], _Heading] = {}

    def heading_of(st: Statement) -> _Heading:
        key = (st.section, st.section_kind, st.answers)
        if key not in headings:
            names = compiled.scan(st.section)
            label, from_questions = say["heading"].format(heading=st.section), False
            if not names and st.section_kind == "answer" and st.answers:
                names = _merge(q for number in st.answers for q in questions.get(number, ()))
                label, from_questions = say["question"].format(numbers=", ".join(st.answers)), True
            headings[key] = _Heading(names, label, from_questions)
        return headings[key]

    title_names = compiled.scan(title)
    carry: tuple[bool, str] | None = None  # (in?, evidence) of the last paragraph in this section naming anything
    section: tuple[int, str] = (0, "")
    last_paragraph: int | None = None
    verdicts: list[ScopeVerdict] = []
    for st, names in zip(statements, own):
        found = (names.subject, names.other_names)
        # A new section (a heading, or a different section name) starts without carry-over.
        here = (section[0] + (st.kind == HEADING), st.section)
        if here != section:
            section, carry, last_paragraph = here, None, None
        if st.kind in (PROCEDURAL, HEADING):
            verdicts.append(ScopeVerdict(True, "default", (), *found))
            continue
        heading = heading_of(st)
        paragraph = paragraphs.get(st.paragraph, _EMPTY)
        in_scope, rule, evidence = _decide(names, paragraph, heading, carry, title_names, say)
        verdicts.append(ScopeVerdict(in_scope, rule, evidence, *found))
        if st.paragraph != last_paragraph:
            last_paragraph = st.paragraph
            # A paragraph that names something sets the context for the nameless paragraphs after it.
            if paragraph.subject:
                carry = (IN, say["previous_names"].format(names=_words(paragraph)))
            elif paragraph.others:
                carry = (bool(heading.names.subject), say["previous_about"].format(names=_about(paragraph)))
    return verdicts


def _decide(names: _Names, paragraph: _Names, heading: _Heading, carry: tuple[bool, str] | None,
            title: _Names, say: dict[str, str]) -> tuple[bool, str, tuple[str, ...]]:
    """(in scope?, rule, evidence) of one running-text statement: rules 2 to 5 (evidence worded by ``say``)."""
    if names.subject:
        return IN, "sentence", (say["names"].format(names=_words(names)),)
    if names.others:
        said = say["names"].format(names=", ".join(surface for _, surface in names.others))
        if paragraph.subject:  # "landen in de regio, zoals Pakistan en Turkije" in an Afghanistan paragraph
            return IN, "paragraph", (said, say["paragraph_names"].format(names=_words(paragraph)))
        if heading.names.subject:
            return IN, "section", (said, say["heading_names"].format(heading=heading.label,
                                                                    names=_words(heading.names)))
        return OUT, "sentence", (said,)
    if paragraph.subject:
        return IN, "paragraph", (say["paragraph_names"].format(names=_words(paragraph)),)
    if paragraph.others:
        if heading.names.subject:  # the same exception as for a sentence naming only others
            return IN, "section", (say["paragraph_about"].format(names=_about(paragraph)),
                                   say["heading_names"].format(heading=heading.label, names=_words(heading.names)))
        return OUT, "paragraph", (say["paragraph_about"].format(names=_about(paragraph)),)
    if heading.names.subject:
        return IN, "section", (say["heading_names"].format(heading=heading.label, names=_words(heading.names)),)
    if heading.names.others:
        return OUT, "section", (heading.label if not heading.from_questions
                                else say["heading_about"].format(heading=heading.label, names=_about(heading.names)),)
    if carry is not None:
        return carry[0], "paragraph", (carry[1],)
    if title.subject:
        return IN, "letter", (say["title_names"].format(names=_words(title)),)
    if title.others:
        return OUT, "letter", (say["title_about"].format(names=_about(title)),)
    return IN, "default", ()
