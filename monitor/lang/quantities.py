"""Number words, scales, units, counted nouns and the shapes that are no amounts (``quantities.toml``)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .read import NEVER, Table


@dataclass(frozen=True)
class Morphology:
    """Word endings that tell a counted noun from the words that modify it (``[morphology]``)."""

    modifier_endings: tuple[str, ...] = ()  # a word ending so only modifies ("schoolgaande")
    inflection: str = ""  # the ending of an inflected adjective ("Nederlandse")
    participle_lemma_ending: str = ""  # a lemma ending so marks a participle ("overleden" → "overlijden")
    participle_prefix: str = ""  # a past participle starts so …
    participle_last: str = ""  # … ends in one of these letters …
    participle_min_length: int = 0  # … and is longer than this ("gewond", "gestart")
    plural_endings: tuple[str, ...] = ()  # a word ending so is a plural
    plural_s: str = ""  # a word ending so is a plural when the rest is a word


@dataclass(frozen=True, eq=False)
class QuantityWords:
    """What :mod:`monitor.quantities` reads; see ``nl/quantities.toml`` for what each entry means."""

    ones: tuple[str, ...] = ()
    teens: tuple[str, ...] = ()
    tens: tuple[str, ...] = ()
    hundred: str = ""
    thousand: str = ""
    joiners: tuple[str, ...] = ()
    one: tuple[str, ...] = ()
    fold: dict[str, str] = field(default_factory=dict)
    one_and_a_half: tuple[str, ...] = ()
    half: tuple[str, ...] = ()
    article: str = ""
    ambiguous: frozenset[str] = frozenset()
    scale_words: dict[str, float] = field(default_factory=dict)
    scale_abbreviations: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    currency_before: tuple[str, ...] = ()
    measures: frozenset[str] = frozenset()
    time_units: frozenset[str] = frozenset()
    modifiers: frozenset[str] = frozenset()
    count_of: str = ""
    labels: frozenset[str] = frozenset()
    phone_labels: frozenset[str] = frozenset()
    year_context: frozenset[str] = frozenset()
    year_context_phrase: tuple[str, ...] = ()
    weekdays: frozenset[str] = frozenset()
    clock: str = ""
    streets: tuple[str, ...] = ()
    range_word: str = ""
    hedge_ends: tuple[str, ...] = ()
    not_amount: re.Pattern[str] = NEVER
    ref_list: re.Pattern[str] = NEVER
    postcode: re.Pattern[str] = NEVER
    year: re.Pattern[str] = NEVER
    month_after: re.Pattern[str] = NEVER
    figure: re.Pattern[str] = NEVER
    dotted: re.Pattern[str] = NEVER
    hedge: re.Pattern[str] = NEVER
    range_gap: re.Pattern[str] = NEVER
    morphology: Morphology = Morphology()


_PATTERNS = ("not_amount", "ref_list", "postcode", "year", "month_after", "figure", "dotted", "hedge", "range_gap")


def _one_word(t: Table, key: str) -> str:
    words = t.words(key)
    if len(words) > 1:
        raise t.error(key, f"expected one word, got {len(words)}")
    return words[0] if words else ""


def read_quantities(top: Table) -> QuantityWords:
    nw, sc, un, cn, cx, pt, mo = (top.table(k) for k in ("number_words", "scales", "units", "counted_nouns",
                                                        "context", "patterns", "morphology"))
    morphology = Morphology(
        modifier_endings=mo.words("modifier_endings"), inflection=_one_word(mo, "inflection"),
        participle_lemma_ending=_one_word(mo, "participle_lemma_ending"),
        participle_prefix=_one_word(mo, "participle_prefix"), participle_last=_one_word(mo, "participle_last"),
        participle_min_length=int(mo.number("participle_min_length", 0)),
        plural_endings=mo.words("plural_endings"), plural_s=_one_word(mo, "plural_s"))
    units = un.mapping("names")
    currency = un.words("currency_before")
    for c in currency:
        if c not in units:
            raise un.error("currency_before", f"{c!r} is not in units.names")
    figure = pt.pattern("figure")
    if figure is not NEVER and not {"fig", "glue"} <= set(figure.groupindex):
        raise pt.error("figure", "needs the groups (?P<fig>…) and (?P<glue>…)")
    out = QuantityWords(
        ones=nw.words("ones"), teens=nw.words("teens"), tens=nw.words("tens"),
        hundred=_one_word(nw, "hundred"), thousand=_one_word(nw, "thousand"), joiners=nw.words("joiners"),
        one=nw.words("one"), fold=nw.mapping("fold"), one_and_a_half=nw.words("one_and_a_half"),
        half=nw.words("half"), article=_one_word(nw, "article"), ambiguous=frozenset(nw.words("ambiguous")),
        scale_words=sc.numbers("words"), scale_abbreviations=sc.numbers("abbreviations"),
        units=units, currency_before=currency,
        measures=frozenset(un.words("measures")), time_units=frozenset(un.words("time")),
        modifiers=frozenset(cn.words("modifiers")), count_of=_one_word(cn, "count_of"),
        labels=frozenset(cx.words("labels")), phone_labels=frozenset(cx.words("phone_labels")),
        year_context=frozenset(cx.words("year_context")), year_context_phrase=cx.words("year_context_phrase"),
        weekdays=frozenset(cx.words("weekdays")), clock=_one_word(cx, "clock"), streets=cx.words("streets"),
        range_word=_one_word(cx, "range_word"), hedge_ends=cx.words("hedge_ends"),
        **{name: pt.pattern(name) for name in _PATTERNS if name != "figure"}, figure=figure, morphology=morphology)
    for t in (nw, sc, un, cn, cx, pt, mo):
        t.done()
    return out
