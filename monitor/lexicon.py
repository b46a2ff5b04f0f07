"""Word knowledge, behind one module: simplemma's dictionary of a language (Dutch by default).

Used for de-hyphenation (is this a word?), lemmas for topic terms and for
similarity. Results are cached: letters repeat their vocabulary heavily.
``code`` is simplemma's language code, a :class:`~monitor.lang.Language`'s
``lemmas`` ("nl"); "" is a language without a dictionary: no word is known and
every word is its own lemma.
"""
from __future__ import annotations

import re
from functools import lru_cache

import simplemma

from .lang import Language, dutch

LANG = "nl"  # the default: Dutch (monitor/lang/nl/language.toml)
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


@lru_cache(maxsize=200_000)
def is_known(word: str, code: str = LANG) -> bool:
    """True when the word (in any casing) is a word form simplemma knows in language ``code``."""
    if not word or not code:
        return False
    return simplemma.is_known(word, lang=code) or simplemma.is_known(word.lower(), lang=code)


@lru_cache(maxsize=200_000)
def lemma(word: str, code: str = LANG) -> str:
    """Lower-cased lemma of one word form (the form itself when unknown) in language ``code``."""
    low = word.lower()
    if not code:
        return low
    try:
        return simplemma.lemmatize(low, lang=code).lower()
    except (ValueError, KeyError):  # pragma: no cover - simplemma is total on str
        return low


def words(text: str) -> list[str]:
    """Word tokens (letters, inner hyphens and apostrophes), in order."""
    return WORD_RE.findall(text)


def lemmas(text: str, code: str = LANG) -> list[str]:
    """Lemmas of the word tokens, in order; a hyphenated compound gives each of its parts."""
    return [lemma(p, code) for w in words(text) for p in w.split("-") if p]


def strip_office_titles(text: str, lang: Language | None = None) -> str:
    """``text`` with office titles ("de minister van Justitie en Veiligheid") blanked: names, not subjects."""
    return (lang or dutch()).names.office_titles.sub(" ", text)
