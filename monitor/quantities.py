"""Quantities in Dutch policy sentences: a number together with what it measures.

``quantities(text)`` returns, in order, each number in figures ("80", "12.500", "12 500",
"1,5", "74%", "€ 5 mln") or Dutch number words ("tachtig", "drieëntwintig",
"tweehonderdvijftig", "anderhalf", "een half miljoen"), with
- ``value``: the number times its scale words (duizend, miljoen, mln, miljard, mld, mrd);
- ``unit``: a currency or measure ("euro", "dollar", "procent", "jaar", "fte") or the lemma
  of the counted noun, skipping adjectives and participles ("negen extra uitgezonden
  specialisten" -> "specialist"). A number above one counts a plural or a measure, else
  it counts nothing ("4 Agentschap" is a footnote). Without a unit of its own a number
  borrows unit and scale from the next member of its range or list ("van 1 naar 9
  miljoen", "van 44 tot 60 jaar", "zeventig, tachtig en negentig tolken"), else takes the
  noun after "aantal" earlier in the clause, else "";
- ``approx``: a hedge precedes it (ca., circa, ongeveer, ruim, bijna, meer/minder dan,
  tot, maximaal, zo'n, ...); ``text``: the original span from hedge to unit.

Never quantities: dates ("16 oktober", "14-16 mei", "16-10-2023"), clock times, years
(ranges, after "in"/"sinds"/"tot en met"/..., or without a unit of their own), numbers
after a label ("vraag 6", "nrs. 769, 770 en 771", "Kamerstuk 27 925, nr. 781", "artikel
100", "kenmerk", "Postbus", "ISSN", "tel.", ...) or a street name, numbers glued to
letters (ordinals "1e"/"3de", codes "2026Z09763", "F-35", "kst-27925-781", footnote
markers "Afghanistan.12"), postcodes, bare integers of 5+ digits and numbered footnote
lines without a unit, ordinal words ("tweede"). "acht" counts only before a plural or a
measure (else it is the verb "achten"); "een" only before a scale word ("een miljoen";
otherwise the article); "één" only before something it counts ("één van de" is not).
Plural magnitudes ("duizenden", "honderden", "tientallen") have no value and are skipped.

``changed_quantities(old, new)`` reports, for each non-empty unit found on both sides,
the units whose sets of values differ; hedges and spelling (80, tachtig) do not count.
Pure: standard library plus ``monitor.lexicon`` (cached simplemma lemmas).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.lang import Language, dutch
from monitor.lang.read import NEVER
from monitor.lexicon import is_known, lemma


@dataclass(frozen=True)
class Quantity:
    value: float          # normalised: "tachtig" -> 80, "1,5 miljard" -> 1.5e9, "74%" -> 74
    unit: str             # "euro", "procent", "jaar", or the counted noun's lemma ("militair"); "" if none
    text: str             # the span in the sentence, hedge included: "ca. 80 militairen"
    approx: bool = False  # hedged: ca., circa, ongeveer, ruim, bijna, meer/minder dan, tot, maximaal, zo'n


@dataclass(frozen=True)
class QuantityChange:
    unit: str
    old: tuple[Quantity, ...]  # every quantity of this unit in the old text
    new: tuple[Quantity, ...]


class _Words:
    """A language's number knowledge, compiled for the matcher (one per :class:`~monitor.lang.Language`)."""

    def __init__(self, lang: Language):
        q = self.q = lang.quantities
        self.code = lang.lemmas  # the language of the lemmas of counted nouns
        self.below100: dict[str, int] = {w: i + 1 for i, w in enumerate(q.ones)}
        self.below100.update({w: i + 10 for i, w in enumerate(q.teens)})
        joiner = q.joiners[0] if q.joiners else ""
        for t, tw in enumerate(q.tens):
            self.below100[tw] = 20 + 10 * t
            for o, ow in enumerate(q.ones):  # drieëntwintig; the diaeresis is folded away first
                self.below100[f"{ow}{joiner}{tw}"] = 20 + 10 * t + o + 1
        self.fold = str.maketrans(q.fold)
        self.small = frozenset(q.ones) | frozenset(q.teens)  # may stand before "honderd" (not "twintighonderd")
        self.scales = {**q.scale_words, **q.scale_abbreviations}
        self.units = q.units
        self.measures = q.measures | frozenset(q.units.values())
        self.stop = lang.stopwords.noun_phrase_end
        morph = sorted({*q.ones, *q.teens, *q.tens, *q.one, q.hundred, q.thousand, *q.joiners} - {""},
                       key=len, reverse=True)
        whole = [*morph, *q.one_and_a_half]
        # the letters a number word can start with (a joiner never starts one): a cheap test before the regex
        starts = "".join(dict.fromkeys(w[0] for w in [*whole, *q.half, q.article] if w and w not in q.joiners))
        half = "|".join(map(re.escape, q.half))
        article = rf"(?:{re.escape(q.article)}\s+)?" if q.article else ""
        self.word = re.compile(rf"\b(?=[{starts}])(?:(?P<half>{article}(?:{half}))"
                               rf"|(?P<word>(?:{'|'.join(map(re.escape, whole))})+))\b") if whole and half else NEVER
        self.currency = re.compile("(?:" + "|".join(("\\b" if c[0].isalpha() else "") + re.escape(c)
                                                     for c in q.currency_before) + ") ?$") if q.currency_before \
            else NEVER
        self.scale = re.compile(r"\s*(?:(" + "|".join(map(re.escape, q.scale_words)) + r")\b|("
                                + "|".join(map(re.escape, q.scale_abbreviations)) + r")\b\.?)")


@lru_cache(maxsize=8)
def _words(lang: Language) -> _Words:
    return _Words(lang)


_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{6,}[0-9]")
_TIME = re.compile(r"[0-9]{1,2}[.:][0-5][0-9]\b")
_WORD_AT = re.compile(r"\s*(%|€|[^\W\d_]+(?:[-'’][^\W_]+)*)")
_CLAUSE_END = re.compile(r"[.;:!?]\s")
_PUNCT = "()[].:,;*_\"'“”‘’"


def _below1000(w: str, n: _Words) -> int | None:
    hi, sep, lo = w.partition(n.q.hundred) if n.q.hundred else (w, "", "")
    if not sep:
        return n.below100.get(w)
    h = 1 if not hi else n.below100.get(hi) if hi in n.small else None  # not "twintighonderd"
    r = 0 if not lo else n.below100.get(lo)
    return None if h is None or r is None else 100 * h + r


@lru_cache(maxsize=4096)
def _word_value(word: str, n: _Words) -> float | None:
    """Value of a number word (up to 999 999), None when it is not one ("duizenden")."""
    w = word.translate(n.fold)
    if w in n.q.one_and_a_half:
        return 1.5
    hi, sep, lo = w.partition(n.q.thousand) if n.q.thousand else (w, "", "")
    if not sep:
        v = _below1000(w, n)
        return None if v is None else float(v)
    h = 1 if not hi else _below1000(hi, n)
    r = 0 if not lo else _below1000(lo, n)
    return None if h is None or r is None else float(1000 * h + r)


@lru_cache(maxsize=65536)
def _modifier(lw: str, n: _Words) -> str:
    """'' for a noun-like word, 'adj' for a word that may modify or be the noun ("militair",
    "civiel", "overleden"), 'mod' for a word that only modifies (inflected adjective, participle).

    The word endings that tell them apart are the language's (``quantities.toml`` [morphology]).
    """
    m, code = n.q.morphology, n.code
    lem = lemma(lw, code)
    if lw in n.q.modifiers or "_" in lem or (m.modifier_endings and lw.endswith(m.modifier_endings)) \
            or (m.inflection and lw.endswith(m.inflection) and lem != lw):
        return "mod"  # extra, uitgezonden (uit_zenden), schoolgaande, Nederlandse
    if lem != lw and m.participle_lemma_ending and lem.endswith(m.participle_lemma_ending) \
            and not (m.plural_s and lw.endswith(m.plural_s)):
        return "adj"  # overleden, gevallen: a participle, or a noun simplemma reads as one
    if m.inflection and is_known(lw + m.inflection, code) and lemma(lw + m.inflection, code) == lw:
        return "adj"  # civiel(e): its -e form lemmatises to it
    if m.participle_prefix and lw.startswith(m.participle_prefix) and lw[-1] in m.participle_last \
            and len(lw) > m.participle_min_length:
        return "adj"  # gewond, gestart: a past participle in predicate position
    return ""


@lru_cache(maxsize=65536)
def _noun_lemma(lw: str, code: str) -> str:
    """Lemma of a noun; an unknown compound takes the lemma of its longest known tail
    ("evacuatievluchten" -> "evacuatievlucht"), so singular and plural compounds agree."""
    lem = lemma(lw, code)
    if lem == lw and not is_known(lw, code):
        for i in range(2, len(lw) - 3):
            if is_known(lw[i:], code):
                return lw[:i] + lemma(lw[i:], code)
    return lem


def _plural(w: str, n: _Words) -> bool:
    """Looks like a plural: simplemma reduces it, or a plural ending on a known stem ("Europees" is not)."""
    m = n.q.morphology
    return lemma(w, n.code) != w or (bool(m.plural_endings) and w.endswith(m.plural_endings)) \
        or (bool(m.plural_s) and w.endswith(m.plural_s) and is_known(w[:-len(m.plural_s)], n.code))


def _head(s: str, pos: int, n: _Words) -> tuple[str, str, int] | None:
    """(unit, word, end) of what the number ending at ``pos`` counts, looking up to 4 words on."""
    fallback = None
    for _ in range(4):
        m = _WORD_AT.match(s, pos)
        if not m:
            break
        w = m.group(1)
        if w in n.units:
            return n.units[w], w, m.end()
        if w in n.stop or w in n.scales or _word_value(w, n) is not None:
            break
        kind = _modifier(w, n)
        if not kind:
            return _noun_lemma(w, n.code), w, m.end()
        if kind == "adj" and fallback is None:  # "één militair gewond": the first one is the noun
            lem = lemma(w, n.code)  # participle-like forms keep their surface: "leden" is no "lijden"
            ending = n.q.morphology.participle_lemma_ending
            fallback = (w if lem != w and bool(ending) and lem.endswith(ending) else lem, w, m.end())
        pos = m.end()
    return fallback


@dataclass(slots=True)
class _Found:
    """A number while its unit and scale may still be borrowed from a range partner."""
    start: int      # hedge or number start, in ``text``
    num_start: int
    num_end: int    # after the scale words
    end: int        # after the unit
    value: float
    factor: float   # product of the scale words
    unit: str
    own: bool       # the unit stands right after this number
    approx: bool
    ambiguous: bool  # "acht", "één", "half": kept only with a unit or scale
    needs_unit: bool  # a year, a code: kept only with a unit


def _blocked_until(s: str, text: str, p: int, fig: str, n: _Words) -> int:
    """End of the non-amount (date, year, reference, ...) starting at figure ``fig`` at ``p``; 0 if none."""
    q = n.q
    if (m := q.not_amount.match(s, p)) or (m := q.postcode.match(text, p)):
        return m.end()
    before = s[max(0, p - 30):p].split()
    if before and p and not s[p - 1].isspace() and any(c.isalpha() for c in before[-1]) \
            and not n.currency.search(before[-1]):
        return p + len(s[p:].split(None, 1)[0])  # a code around it: "kst-27925-781", "nr.781"
    prev = before[-1].strip(_PUNCT) if before else ""
    if prev in q.labels:
        ref = (_PHONE.match(s, p) if prev in q.phone_labels else None) or q.ref_list.match(s, p)
        return ref.end() if ref else p + len(fig)
    phrase = list(q.year_context_phrase)
    if q.year.fullmatch(fig) and (prev in q.year_context or bool(phrase) and before[-len(phrase):] == phrase):
        return p + len(fig)
    if (prev in q.weekdays and len(fig) <= 2) or (prev == q.clock and _TIME.match(s, p)):
        return p + len(fig)
    if q.streets and prev.endswith(q.streets) and text[s.rfind(prev, 0, p)].isupper():
        return p + len(fig)  # an address: "Turfmarkt 147"
    return 0


def counted_units(text: str, lang: Language | None = None) -> frozenset[str]:
    """The things a text counts (units of its quantities), spans of time left out."""
    lang = lang or dutch()
    time = lang.quantities.time_units
    return frozenset(q.unit for q in quantities(text, lang) if q.unit and q.unit not in time)


def quantities(text: str, lang: Language | None = None) -> tuple[Quantity, ...]:
    """The quantities of ``text``, in order (number knowledge of ``lang``, default Dutch)."""
    return _quantities(text, lang or dutch())


@lru_cache(maxsize=50_000)
def _quantities(text: str, lang: Language) -> tuple[Quantity, ...]:
    n = _words(lang)
    q = n.q
    # Matching runs on lower case without re.I (three times faster); offsets must stay those
    # of ``text``, so the rare characters whose lower case is longer are kept as they are.
    s = text.lower()
    if len(s) != len(text):
        s = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    cands = sorted([*q.figure.finditer(s), *n.word.finditer(s)], key=re.Match.start)
    raw: list[_Found] = []
    blocked = 0
    for m in cands:
        p, fig, word, half = m.start(), m.group("fig") if m.re is q.figure else None, None, None
        if p < blocked:
            continue  # inside "nrs. 769, 770 en 771", "14-16 mei"
        if fig is not None:
            if (blocked := max(blocked, _blocked_until(s, text, p, fig, n))) > p:
                continue
            t = fig.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
            t = t.replace(".", "").replace(",", ".") if q.dotted.fullmatch(t) else t.replace(",", ".")
            value: float | None = float(t)
        else:
            word, half = m.group("word"), m.group("half")
            value = 0.5 if half else None if q.month_after.match(s, m.end()) else _word_value(word, n)
        if value is None:
            continue  # "duizenden", "zestien oktober"
        pos, factor, unit, own = m.end(), 1.0, "", False
        glue = (m.group("glue") or "").strip().rstrip(".") if fig else ""
        factor = n.scales.get(glue, 1.0)
        while sm := n.scale.match(s, pos):
            factor, pos = factor * n.scales[sm.group(1) or sm.group(2)], sm.end()
        blocked = max(blocked, pos)  # "40 duizend tolken": "duizend" is this number's scale, not one of its own
        scaled = factor != 1.0
        end = pos
        cur = n.currency.search(s, max(0, p - 4), p) if fig else None
        if glue == "%":
            unit, own = "procent", True
        elif cur:
            unit, own, p = n.units[cur.group().strip()], True, cur.start()
            if (u := _WORD_AT.match(s, pos)) and n.units.get(u.group(1)) == unit:
                end = u.end()  # "€ 5 miljoen euro"
        elif (h := _head(s, pos, n)) is not None:
            unit, surface, end = h
            own = True
            # More than one of a thing is a plural ("acht het" is the verb, "4 Agentschap" a
            # footnote); measures stay singular ("acht jaar"); "half" needs a measure.
            if not scaled and unit not in n.measures and (half or value > 1 and not _plural(surface, n)):
                unit, own, end = "", False, pos
        if word == q.article and not scaled:
            continue  # the article; "één" (or "een miljoen") is the number
        lead = s[max(0, p - 25):p]  # the regex only runs when the word before can end a hedge
        hedge = q.hedge.search(s, max(0, p - 25), p) if q.hedge_ends and lead.rstrip().endswith(q.hedge_ends) \
            else None
        # "tot" right after a number bounds a range ("van 44 tot 60"); elsewhere it hedges.
        approx = hedge is not None and not (bool(q.range_word) and hedge.group().startswith(q.range_word) and bool(raw)
                                      and not s[raw[-1].end:hedge.start()].strip())
        ambiguous = bool(half or (word or "").translate(n.fold) in q.ambiguous) and not scaled
        # Years, long bare integers (kenmerken) and footnote lines ("3 Europees ...") are
        # amounts only with a unit of their own.
        needs_unit = bool(fig and not cur and not glue and (
            bool(q.year.fullmatch(fig)) or (len(fig) >= 5 and fig.isdigit())
            or (not s[s.rfind("\n", 0, p) + 1:p].strip() and text[pos + 1:pos + 2].isupper())))
        raw.append(_Found(hedge.start() if hedge else p, p, pos, end, value, factor, unit, own, approx,
                          ambiguous, needs_unit))
    # Ranges share the unit and scale of their last member: "van 1 naar ruim 9 miljoen", "5 tot 10%".
    for a, b in zip(reversed(raw[:-1]), reversed(raw[1:])):
        gap = q.range_gap.fullmatch(s, a.num_end, b.num_start)
        # A comma only joins list members ("zeventig, tachtig en negentig tolken"), not a new
        # amount ("9 miljoen, 40% van"); a scaled number keeps its own scale.
        if gap and not a.own and a.factor in (1.0, b.factor) and not ("," in gap.group() and b.own):
            a.factor = b.factor if a.factor == 1.0 else a.factor
            a.unit = b.unit
    out: list[Quantity] = []
    for f in raw:
        if not f.unit and (f.needs_unit or f.ambiguous):
            continue  # a year, the verb "acht", "één van", "half" without anything to halve
        unit = f.unit or _aantal_unit(s, f.num_start, n)
        out.append(Quantity(round(f.value * f.factor, 6), unit, text[f.start:f.end], f.approx))
    return tuple(out)


def _aantal_unit(s: str, pos: int, n: _Words) -> str:
    """The counted noun of "het aantal X ... <number>" earlier in the same clause, else ""."""
    window = s[max(0, pos - 120):pos]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    i = window.rfind(n.q.count_of + " ", cut) if n.q.count_of else -1
    h = _head(window, i + len(n.q.count_of), n) if i >= 0 else None
    return h[0] if h else ""


def _by_unit(qs: tuple[Quantity, ...]) -> dict[str, list[Quantity]]:
    groups: dict[str, list[Quantity]] = {}
    for q in qs:
        if q.unit:  # "" is not a thing; two unit-less numbers need not measure the same
            groups.setdefault(q.unit, []).append(q)
    return groups


def changed_quantities(old: str, new: str, lang: Language | None = None) -> tuple[QuantityChange, ...]:
    """Units whose values differ between the two texts, only for units present on BOTH sides
    (a quantity of the same thing that changed). Values compared after normalisation, so
    'tachtig militairen' == '80 militairen'. Empty when nothing of the same thing changed."""
    a, b = _by_unit(quantities(old, lang)), _by_unit(quantities(new, lang))
    return tuple(QuantityChange(u, tuple(a[u]), tuple(b[u])) for u in a
                 if u in b and {q.value for q in a[u]} != {q.value for q in b[u]})
