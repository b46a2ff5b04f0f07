"""The one pattern language of topic terms, subject terms and letter subjects, and its one matcher. Pure.

A pattern is a word or a phrase, lower case:

* ``terugkeer`` — the word (any of its forms: the word, its lemma, the parts of a hyphenated compound);
* ``terugkeer*`` — a prefix; ``*migratie*`` — part of a compound; ``*`` stands for any run of word
  characters, hyphens and apostrophes;
* ``gedwongen terugkeer`` — a phrase (it has a space), found in the lower-cased text as whole words;
* in :func:`phrase` (excluded phrases, idioms) `` .. `` stands for up to three words in between.

What holds: :class:`Patterns` answers the same for the same word wherever it is used (topics, scope);
patterns are compiled once; word verdicts are memoised (letters reuse their words).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from . import lexicon

_MEMO_LIMIT = 200_000


def pattern_regex(pattern: str) -> str:
    """The regular expression of one pattern (without anchors)."""
    return "".join(r"[\w'’-]*" if ch == "*" else re.escape(ch) for ch in pattern.lower())


def phrase(pattern: str) -> re.Pattern[str]:
    """A whole-word phrase pattern over lower-cased, whitespace-normalised text.

    `` .. `` stands for up to three words in between ("in veiligheid .. gebracht" also finds "in veiligheid
    zijn gebracht").
    """
    body = r"(?:\s+\S+){0,3}?\s+".join(pattern_regex(part.strip()) for part in pattern.split(" .. "))
    return re.compile(r"(?<![\w-])" + body + r"(?![\w-])")


@lru_cache(maxsize=100_000)
def variants(token: str, code: str = lexicon.LANG) -> tuple[str, ...]:
    """Lower-cased form, lemma and hyphen parts (and their lemmas): what a word pattern is tried on.

    ``code``: the language of the lemmas (simplemma's code, :attr:`monitor.lang.Language.lemmas`).
    """
    low = token.lower()
    out = {low, lexicon.lemma(token, code)}
    if "-" in low:
        for part in low.split("-"):
            if part:
                out.add(part)
                out.add(lexicon.lemma(part, code))
    return tuple(out)


def forms(text: str, code: str = lexicon.LANG) -> list[tuple[str, tuple[str, ...]]]:
    """(lower-cased surface, variants) of every word of ``text``."""
    return [(w.lower(), variants(w, code)) for w in lexicon.words(text)]


class Patterns:
    """Compiled word patterns (tried on every variant of a token) and phrase patterns (tried on the text)."""

    def __init__(self, patterns: Iterable[str], code: str = lexicon.LANG):
        """``code``: the language whose lemmas a word pattern is also tried on."""
        self.code = code
        patterns = [p.strip() for p in patterns if p.strip()]
        words = [p for p in patterns if " " not in p]
        phrases = [p for p in patterns if " " in p]
        self.words = re.compile("^(?:" + "|".join(map(pattern_regex, words)) + ")$") if words else None
        self.phrases = (re.compile(r"(?<![\w-])(?:" + "|".join(map(pattern_regex, phrases)) + r")(?![\w-])")
                        if phrases else None)
        self._memo: dict[tuple[str, ...], bool] = {}

    def _word_hit(self, token_variants: tuple[str, ...]) -> bool:
        hit = self._memo.get(token_variants)
        if hit is None:
            hit = self.words is not None and any(self.words.match(v) for v in token_variants)
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[token_variants] = hit
        return hit

    def word(self, token: str) -> bool:
        """Does one word (in any of its forms) fall under a word pattern?"""
        return self._word_hit(variants(token, self.code))

    def match(self, token_forms: Sequence[tuple[str, tuple[str, ...]]], text: str) -> list[str]:
        """Matched surface words/phrases, in order, once each; ``token_forms`` as :func:`forms` gives them."""
        hits: list[str] = []
        if self.words is not None:
            hits.extend(surface for surface, vs in token_forms if self._word_hit(vs))
        if self.phrases is not None and text:
            hits.extend(m.group(0) for m in self.phrases.finditer(text))
        return list(dict.fromkeys(hits))

    def covers(self, hit: str) -> bool:
        """Does this word or phrase fall under one of these patterns?"""
        if " " in hit:
            return self.phrases is not None and bool(self.phrases.search(hit.lower()))
        return self.word(hit)
