"""The function rules of a language (``function.toml``): which sentences carry a position, and of what sort."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .read import NEVER, Table, lowered

# Sorts that carry no position, and sorts that do (strongest first). The names are the program's, not a
# language's: every language's rules decide among these.
NON_POSITION = ("procedural", "heading", "question", "furniture", "meta", "inform", "agenda", "quote")
POSITION = ("decision", "commitment", "intention", "rule", "figure", "assessment", "report", "fact")


@dataclass(frozen=True)
class Rule:
    """One rule: where it matches, the sentence has function ``function``; ``name`` is the evidence.

    A rule matches by ``pattern`` (a regular expression, for what needs order, gaps or context) or by
    ``terms`` (word patterns as for topics: ``besloten``, ``opschort*``, ``van start gegaan``; matched on
    word forms and lemmas by :class:`monitor.patterns.Patterns`), never both.
    """

    function: str
    name: str
    pattern: re.Pattern[str] = NEVER
    terms: tuple[str, ...] = ()
    # an ``ignore_case`` pattern as its lower-cased twin, case-sensitive: run on the lower-cased sentence it
    # finds the same at about half the cost (:func:`monitor.lang.read.lowered`)
    lowered: re.Pattern[str] | None = None


@dataclass(frozen=True)
class FunctionRules:
    """The ordered rules of :mod:`monitor.function` and the patterns of its flags (each may match nothing)."""

    non_position: tuple[Rule, ...] = ()
    position: tuple[Rule, ...] = ()
    government: re.Pattern[str] = NEVER  # the government speaks or acts
    foreign: re.Pattern[str] = NEVER  # before a government hit: another country's minister
    elaboration: re.Pattern[str] = NEVER
    recalls: re.Pattern[str] = NEVER
    example: re.Pattern[str] = NEVER
    hedged: re.Pattern[str] = NEVER
    stakes: re.Pattern[str] = NEVER
    figure: re.Pattern[str] = NEVER


FLAGS = ("government", "foreign", "elaboration", "recalls", "example", "hedged", "stakes", "figure")


def _rules(top: Table, key: str, allowed: tuple[str, ...]) -> tuple[Rule, ...]:
    rules = []
    for t in top.tables(key):
        function = t.string("function")
        if function not in allowed:
            raise t.error("function", f"{function!r} is not one of {', '.join(allowed)}")
        flags = re.IGNORECASE if t.boolean("ignore_case") else 0
        if t.has("pattern") == t.has("terms"):
            raise t.error("pattern", "a rule needs a pattern or terms (one of the two)")
        if t.has("terms"):
            terms = t.words("terms") if isinstance(t.data["terms"], list) else (t.string("terms"),)
            rules.append(Rule(function, t.string("name"), terms=terms))
        else:
            pattern = t.pattern("pattern", flags)
            twin = t.compile("pattern", lowered(t.source("pattern"))) if flags else None
            rules.append(Rule(function, t.string("name"), pattern, lowered=twin))
        t.done()
    return tuple(rules)


def read_function(top: Table) -> FunctionRules:
    """Read ``function.toml``: ``[[non_position]]`` and ``[[position]]`` rules, ``[flags.NAME]`` patterns."""
    # "procedural", "heading", "question" and "fact" are decided by the statement's kind, not by a rule
    non_position = _rules(top, "non_position", NON_POSITION[3:])
    position = _rules(top, "position", POSITION[:-1])
    flags = top.table("flags")
    patterns = {name: flags.pattern(name) for name in FLAGS}
    flags.done()
    return FunctionRules(non_position, position, **patterns)
