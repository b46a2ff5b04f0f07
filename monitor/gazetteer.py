"""Dutch names of the world's countries, for telling one subject from another.

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
from functools import lru_cache

from .lang import dutch
from .lexicon import WORD_RE  # forms are tokenised exactly as letters are

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ı": "i"})  # "ı" comes from PDF text ("Oekraı̈ne")


@lru_cache(maxsize=100_000)
def fold(token: str) -> str:
    """The lookup key of a token: diacritics dropped, apostrophes straightened, case kept."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# The table is monitor/lang/nl/countries.txt (Language.countries).
COUNTRIES: dict[str, tuple[str, ...]] = dict(dutch().countries.forms)
NEUTRAL = dutch().countries.neutral

# Single-token forms → canonical name ("" for a neutral region).
FORMS: dict[str, str] = {}
# Multi-word forms by the key of their first token, longest first → (keys of all tokens, canonical).
MULTI: dict[str, list[tuple[tuple[str, ...], str]]] = {}

for _name, _forms in [*COUNTRIES.items(), ("", NEUTRAL)]:
    for _form in _forms:
        _keys = tuple(fold(t) for t in WORD_RE.findall(_form))
        if len(_keys) == 1:
            FORMS[_keys[0]] = _name
        else:
            MULTI.setdefault(_keys[0], []).append((_keys, _name))
for _options in MULTI.values():
    _options.sort(key=lambda option: -len(option[0]))
