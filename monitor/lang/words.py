"""Stop words (``stopwords.toml``) and modality (``modality.toml``) of a language."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .read import NEVER, Table

# The commitment scale of monitor.diff; a language gives the words of each step.
CATEGORIES = ("doing", "continuing", "committing", "intending", "exploring", "possible", "required", "stopping")


@dataclass(frozen=True)
class StopWords:
    """Three named unions of one layered list (see ``nl/stopwords.toml`` for why there are three)."""

    wrapped_line_end: frozenset[str] = frozenset()
    similarity: frozenset[str] = frozenset()
    noun_phrase_end: frozenset[str] = frozenset()
    clause_break: re.Pattern[str] = NEVER  # where alignment splits a long statement into clauses


def read_stopwords(top: Table) -> StopWords:
    core, shared = frozenset(top.words("core")), frozenset(top.words("shared"))
    return StopWords(core, core | shared | frozenset(top.words("similarity")),
                     core | shared | frozenset(top.words("noun_phrase_end")), top.pattern("clause_break"))


@dataclass(frozen=True, eq=False)
class ModalityWords:
    lemmas: dict[str, str] = field(default_factory=dict)  # lemma → category (the first listing wins)
    negations: frozenset[str] = frozenset()
    negation_phrases: re.Pattern[str] = NEVER
    done: re.Pattern[str] = NEVER  # what was announced has happened


def read_modality(top: Table) -> ModalityWords:
    categories = top.table("categories")
    lemmas: dict[str, str] = {}
    for category in list(categories.data):
        if category not in CATEGORIES:
            raise categories.error(category, f"not a category (known: {', '.join(CATEGORIES)})")
        for word in categories.words(category):
            lemmas.setdefault(word, category)
    negation = top.table("negation")
    out = ModalityWords(lemmas, frozenset(negation.words("words")), negation.pattern("phrases"),
                        top.pattern("done"))
    categories.done()
    negation.done()
    return out
