"""Office titles, anaphors, dossier heads (``names.toml``) and countries (``countries.txt``) of a language."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .read import NEVER, LanguageError, Table, read_lines


@dataclass(frozen=True, eq=False)
class Names:
    office_titles: re.Pattern[str] = NEVER  # taken out before topics and similarity are read
    anaphor: re.Pattern[str] = NEVER  # group 1: the noun after a demonstrative (may be empty)
    dossier_head: re.Pattern[str] = NEVER  # group 1: the dossier's title
    not_anaphoric: frozenset[str] = frozenset()
    presidency: frozenset[str] = frozenset()


def read_names(top: Table) -> Names:
    words = top.table("words")
    out = Names(top.pattern("office_titles"), top.pattern("anaphor"), top.pattern("dossier_head"),
                frozenset(words.words("not_anaphoric")), frozenset(words.words("presidency")))
    for key in ("anaphor", "dossier_head"):
        rx = getattr(out, key)
        if rx is not NEVER and rx.groups < 1:
            raise top.error(key, "needs one group (…)")
    words.done()
    return out


@dataclass(frozen=True, eq=False)
class Countries:
    """Canonical name → its forms (the name first); ``neutral``: forms that match but name no country."""

    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    neutral: tuple[str, ...] = ()


def _expand(form: str) -> list[str]:
    return [form[:-3], form[:-3] + "e"] if form.endswith("(e)") else [form]


def read_countries(folder: Path, name: str = "countries.txt") -> Countries:
    countries: dict[str, tuple[str, ...]] = {}
    neutral: list[str] = []
    in_neutral = False
    for number, line in read_lines(folder, name):
        if line == "[neutral]":
            in_neutral = True
            continue
        if in_neutral:
            neutral.append(line)
            continue
        canonical, _, rest = line.partition(":")
        canonical = canonical.strip()
        if not canonical:
            raise LanguageError(f"{name}: line {number}: no country name before ':'")
        if canonical in countries:
            raise LanguageError(f"{name}: line {number}: {canonical!r} is listed twice")
        forms = [canonical] + [f for raw in rest.split(",") if raw.strip() for f in _expand(raw.strip())]
        countries[canonical] = tuple(dict.fromkeys(forms))
    return Countries(countries, tuple(neutral))
