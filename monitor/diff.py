"""Comparing two statements: word-level diff, numbers, modality. Pure; diff-match-patch lives here only.

What holds:

* :func:`word_diff` returns operations whose ``-``/``=`` parts concatenate to
  the old text and whose ``+``/``=`` parts concatenate to the new text; edits
  are whole words (tokens are mapped to single code points before diffing,
  then a semantic cleanup merges small equalities);
* quantities (a number with its unit or counted thing, in figures or Dutch
  words) come from :mod:`monitor.quantities`; a quantity changed only when the
  same thing was counted on both sides with another value (dates, question
  and document numbers are not quantities);
* :func:`modality` places a statement on a scale of commitment (doing,
  continuing, intending, exploring, possible, required, stopping, done) and
  notes negation; ``Modality.core`` drops "continuing" where nothing is done
  ("de druk blijft groot" states a situation, it commits to nothing).
"""
from __future__ import annotations

import difflib
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache

import fast_diff_match_patch as dmp

from . import lexicon
from .lang import Language, dutch
from .quantities import QuantityChange, changed_quantities, quantities

_TOKEN = re.compile(r"\w+(?:[-'’.,]\w+)*|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffOp:
    op: str  # "=", "-", "+"
    text: str


def _encode(tokens: list[str], table: dict[str, str]) -> str:
    out = []
    for t in tokens:
        ch = table.get(t)
        if ch is None:
            # private-use and supplementary planes: never collide with real text we diff
            ch = chr(0xF0000 + len(table)) if len(table) < 0xFFFD else chr(0x100000 + len(table) - 0xFFFD)
            table[t] = ch
        out.append(ch)
    return "".join(out)


def word_diff(old: str, new: str) -> list[DiffOp]:
    """Word-level diff after semantic cleanup (no time limit: statements are short)."""
    table: dict[str, str] = {}
    a = _encode(_TOKEN.findall(old), table)
    b = _encode(_TOKEN.findall(new), table)
    back = {v: k for k, v in table.items()}
    ops = dmp.diff(a, b, counts_only=False, cleanup="Semantic", timelimit=0)
    out: list[DiffOp] = []
    for op, chunk in ops:
        text = "".join(back[c] for c in chunk)
        if out and out[-1].op == op:
            out[-1] = DiffOp(op, out[-1].text + text)
        else:
            out.append(DiffOp(op, text))
    return out


def diff_ratio(ops: list[DiffOp]) -> float:
    """Share of characters (old + new) that are unchanged."""
    same = sum(len(o.text) for o in ops if o.op == "=")
    total = sum(len(o.text) * (2 if o.op == "=" else 1) for o in ops)
    return 2 * same / total if total else 1.0


def inline(ops: list[DiffOp]) -> str:
    """wdiff-style rendering for terminals: ``[-old-]{+new+}``."""
    return "".join(o.text if o.op == "=" else (f"[-{o.text}-]" if o.op == "-" else f"{{+{o.text}+}}") for o in ops)


def unified(old: str, new: str, old_label: str | None = None, new_label: str | None = None, width: int = 72,
            lang: Language | None = None) -> str:
    """A difflib unified diff of the two statements wrapped at ``width`` (for terminals).

    The sides are labelled ``old_label`` and ``new_label``, by default in the words of ``lang``.
    """
    labels = (lang or dutch()).labels.diff
    old_label = labels["old"] if old_label is None else old_label
    new_label = labels["new"] if new_label is None else new_label
    a = textwrap.wrap(old, width) or [""]
    b = textwrap.wrap(new, width) or [""]
    return "\n".join(difflib.unified_diff(a, b, old_label, new_label, lineterm="", n=len(a) + len(b)))


# ------------------------------------------------------------------ numbers


def numbers(text: str, lang: Language | None = None) -> list[str]:
    """The quantities of a statement as text, in order: ``200 miljoen euro``, ``74%``, ``ca. 80 militairen``."""
    return [q.text for q in quantities(text, lang)]


# ------------------------------------------------------------------ modality

@dataclass(frozen=True)
class Modality:
    categories: tuple[str, ...]
    markers: tuple[str, ...]
    negated: bool
    negations: int = 0  # how many negators: "niet" added to a sentence with "geen" still counts

    def label(self) -> str:
        core = "/".join(self.categories) or "neutral"
        return f"not {core}" if self.negated else core

    @property
    def core(self) -> tuple[str, ...]:
        """The categories that say something about commitment: "continuing" only with something done."""
        if "continuing" in self.categories and "doing" not in self.categories:
            return tuple(c for c in self.categories if c != "continuing")
        return self.categories


def modality(text: str, lang: Language | None = None) -> Modality:
    """Where ``text`` stands on the scale of commitment, and whether it is negated (words of ``lang``)."""
    return _modality(text, lang or dutch())


@lru_cache(maxsize=50_000)
def _modality(text: str, lang: Language) -> Modality:
    words = lang.modality
    cats: list[str] = []
    markers: list[str] = []
    negations = 0
    for word in lexicon.words(text):
        low = word.lower()
        if low in words.negations:
            negations += 1
            continue
        cat = words.lemmas.get(low) or words.lemmas.get(lexicon.lemma(word, lang.lemmas))
        if cat is not None:
            markers.append(low)
            if cat not in cats:
                cats.append(cat)
    done = words.done.search(text)
    if done is not None:
        cats.append("done")
        markers.append(done.group(0).lower())
    negated = negations > 0 or bool(words.negation_phrases.search(text))
    return Modality(tuple(sorted(set(cats))), tuple(markers), negated, negations)


@dataclass(frozen=True)
class Comparison:
    ops: tuple[DiffOp, ...]
    ratio: float
    old_numbers: tuple[str, ...]
    new_numbers: tuple[str, ...]
    old_modality: Modality
    new_modality: Modality
    quantity_changes: tuple[QuantityChange, ...] = ()

    @property
    def numbers_changed(self) -> bool:
        """A quantity of the same thing has another value (not: a date, a question number, a rewording)."""
        return bool(self.quantity_changes)

    @property
    def modality_changed(self) -> bool:
        """The commitment moved (``faciliteert`` → ``onderzoekt``), or a negation came or went."""
        return (self.old_modality.core != self.new_modality.core
                or self.old_modality.negated != self.new_modality.negated)

    @property
    def unchanged(self) -> bool:
        return all(o.op == "=" for o in self.ops)


def compare(old: str, new: str, lang: Language | None = None) -> Comparison:
    # the same text again is the common case (a restatement): no diff to compute
    ops = [DiffOp("=", new)] if old == new else word_diff(old, new)
    return Comparison(tuple(ops), diff_ratio(ops), tuple(numbers(old, lang)), tuple(numbers(new, lang)),
                      modality(old, lang), modality(new, lang), changed_quantities(old, new, lang))
