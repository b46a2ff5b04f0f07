"""Sentences and sections (``sentences.toml``) and letter metadata (``metadata.toml``) of a language."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .read import NEVER, Table


@dataclass(frozen=True)
class SentenceRules:
    abbreviations: frozenset[str] = frozenset()
    closing_abbreviations: frozenset[str] = frozenset()
    cross_reference: re.Pattern[str] = NEVER
    question_head: re.Pattern[str] = NEVER  # group 1: first number, group 2: the rest of the list
    answer_head: re.Pattern[str] = NEVER
    answered_by: re.Pattern[str] = NEVER  # a line that only says who answered and when: procedural
    range: str = ""  # between two numbers: every number from the first to the second


def read_sentences(top: Table) -> SentenceRules:
    ab, pt, words = top.table("abbreviations"), top.table("patterns"), top.table("words")
    out = SentenceRules(frozenset(ab.words("words")), frozenset(ab.words("closing")), pt.pattern("cross_reference"),
                        pt.pattern("question_head"), pt.pattern("answer_head"), pt.pattern("answered_by"),
                        words.string("range", ""))
    for key in ("question_head", "answer_head"):
        rx = getattr(out, key)
        if rx is not NEVER and rx.groups < 2:
            raise pt.error(key, "needs two groups: the first number and the rest of the list")
    for t in (ab, pt, words):
        t.done()
    return out


@dataclass(frozen=True)
class LetterKind:
    kind: str
    words: tuple[str, ...]  # all of them occur in the lower-cased subject


@dataclass(frozen=True, eq=False)
class MetadataRules:
    months: tuple[str, ...] = ()  # January first
    date: re.Pattern[str] = NEVER  # groups: day, month name, year
    signature: re.Pattern[str] = NEVER
    signature_split: re.Pattern[str] = NEVER
    kinds: tuple[LetterKind, ...] = ()
    default_kind: str = "brief"
    letter_header: str = ""


def read_metadata(top: Table) -> MetadataRules:
    months = top.words("months")
    if months and len(months) != 12:
        raise top.error("months", f"expected 12 month names, got {len(months)}")
    pt, words = top.table("patterns"), top.table("words")
    date = pt.pattern("date")
    if date is not NEVER and date.groups < 3:
        raise pt.error("date", "needs three groups: day, month, year")
    kinds = []
    for t in top.tables("kinds"):
        kinds.append(LetterKind(t.string("kind"), t.words("words")))
        t.done()
    out = MetadataRules(months, date, pt.pattern("signature"), pt.pattern("signature_split"), tuple(kinds),
                        words.string("default_kind", "brief"), words.string("letter_header", ""))
    pt.done()
    words.done()
    return out
