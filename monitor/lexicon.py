"""Dutch word knowledge, behind one module: simplemma's Dutch dictionary.

Used for de-hyphenation (is this a word?), lemmas for topic terms and for
similarity. Results are cached: letters repeat their vocabulary heavily.
"""
from __future__ import annotations

import re
from functools import lru_cache

import simplemma

from .lang import Language, dutch

LANG = "nl"
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


@lru_cache(maxsize=200_000)
def is_known(word: str) -> bool:
    """True when the word (in any casing) is a Dutch word form simplemma knows."""
    if not word:
        return False
    return simplemma.is_known(word, lang=LANG) or simplemma.is_known(word.lower(), lang=LANG)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Lower-cased lemma of one word form (the form itself when unknown)."""
    low = word.lower()
    try:
        return simplemma.lemmatize(low, lang=LANG).lower()
    except (ValueError, KeyError):  # pragma: no cover - simplemma is total on str
        return low


def words(text: str) -> list[str]:
    """Word tokens (letters, inner hyphens and apostrophes), in order."""
    return WORD_RE.findall(text)


def lemmas(text: str) -> list[str]:
    """Lemmas of the word tokens, in order; a hyphenated compound gives each of its parts."""
    return [lemma(p) for w in words(text) for p in w.split("-") if p]


def strip_office_titles(text: str, lang: Language | None = None) -> str:
    """``text`` with office titles ("de minister van Justitie en Veiligheid") blanked: names, not subjects."""
    return (lang or dutch()).names.office_titles.sub(" ", text)
