"""The names of the world's countries in a language, for telling one subject from another.

The table is data: ``monitor/lang/nl/countries.txt`` for Dutch (:func:`for_language` for another).
What holds:

* every UN member state is listed by its usual Dutch name (plus Kosovo,
  Palestina, Taiwan, Vaticaanstad and Westelijke Sahara); the canonical name is
  the first on its line and is also a form;
* forms are case-sensitive, as Dutch writes them (``Turkse``, not ``turkse``):
  that keeps common words out (``frans``, ``chili``, ``letten``); callers title-case
  all-caps tokens themselves;
* ``Nederland`` and the parts of the Kingdom are not listed: the sender is never
  "another subject"; neither are multilateral names (EU, NAVO, VN, Europa);
* :data:`NEUTRAL` forms (``Latijns-Amerika``) match but name no country, so their
  parts (``Amerika``) do not count;
* :data:`FORMS` is keyed by :func:`fold` (no diacritics, straight apostrophes),
  so ``Oekraine`` and ``Oekraïne`` are the same key.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .lang import Language, dutch
from .lexicon import WORD_RE  # forms are tokenised exactly as letters are

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ı": "i"})  # "ı" comes from PDF text ("Oekraı̈ne")


@lru_cache(maxsize=100_000)
def fold(token: str) -> str:
    """The lookup key of a token: diacritics dropped, apostrophes straightened, case kept."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Gazetteer:
    """One language's countries, keyed for lookup."""

    countries: dict[str, tuple[str, ...]]  # canonical name → forms (the name first)
    forms: dict[str, str]  # single-token form (folded) → canonical name ("" for a neutral region)
    # first token's key → (keys of all tokens, canonical), longest first
    multi: dict[str, list[tuple[tuple[str, ...], str]]]


@lru_cache(maxsize=8)
def for_language(lang: Language) -> Gazetteer:
    """The gazetteer of ``lang``'s country table (``countries.txt``), built once."""
    countries = dict(lang.countries.forms)
    forms: dict[str, str] = {}
    multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, names in [*countries.items(), ("", lang.countries.neutral)]:
        for form in names:
            keys = tuple(fold(t) for t in WORD_RE.findall(form))
            if len(keys) == 1:
                forms[keys[0]] = name
            else:
                multi.setdefault(keys[0], []).append((keys, name))
    for options in multi.values():
        options.sort(key=lambda option: -len(option[0]))
    return Gazetteer(countries, forms, multi)


# Dutch, the default (monitor/lang/nl/countries.txt).
_DUTCH = for_language(dutch())
COUNTRIES, FORMS, MULTI = _DUTCH.countries, _DUTCH.forms, _DUTCH.multi
NEUTRAL = dutch().countries.neutral
