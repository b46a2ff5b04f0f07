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

from monitor.lexicon import is_known, lemma


# Spans of time are the setting of a statement ("twintig jaar"), not the thing it counts.
TIME_UNITS = frozenset("jaar maand week dag uur minuut seconde eeuw decennium".split())


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


_ONES = "een twee drie vier vijf zes zeven acht negen".split()
_TEENS = "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien".split()
_TENS = "twintig dertig veertig vijftig zestig zeventig tachtig negentig".split()
_BELOW100: dict[str, int] = {w: i + 1 for i, w in enumerate(_ONES)}
_BELOW100.update({w: i + 10 for i, w in enumerate(_TEENS)})
for _t, _tw in enumerate(_TENS):
    _BELOW100[_tw] = 20 + 10 * _t
    for _o, _ow in enumerate(_ONES):  # drieëntwintig; the diaeresis is folded away first
        _BELOW100[f"{_ow}en{_tw}"] = 20 + 10 * _t + _o + 1
_FOLD = str.maketrans("ëéè", "eee")
_MORPH = "|".join(sorted({*_ONES, *_TEENS, *_TENS, "één", "eén", "honderd", "duizend", "en", "ën"},
                         key=len, reverse=True))
_SCALES = {"duizend": 1e3, "dzd": 1e3, "miljoen": 1e6, "mln": 1e6, "miljard": 1e9, "mld": 1e9, "mrd": 1e9,
           "biljoen": 1e12}
_UNITS = {"%": "procent", "procent": "procent", "pct": "procent", "procentpunt": "procentpunt",
          "procentpunten": "procentpunt", "€": "euro", "eur": "euro", "euro": "euro", "euro's": "euro",
          "$": "dollar", "us$": "dollar", "usd": "dollar", "dollar": "dollar", "dollars": "dollar",
          "£": "pond", "keer": "keer", "maal": "keer", "fte": "fte", "km": "kilometer", "kg": "kilogram"}
# Measures that follow a number in the singular ("acht jaar", "een half uur").
_MEASURES = frozenset("""jaar maand week dag uur minuut seconde eeuw decennium man kilometer meter kilo
    kilogram gram ton liter hectare graad stuk cent""".split()) | frozenset(_UNITS.values())
# Words that end a noun phrase: the number counts nothing after them ("één van de", "acht het").
_STOP = frozenset("""de het een van in op aan voor met naar door bij om uit over tot te ter ten en of maar
    dat die dit deze dan als er is zijn was waren wordt worden werd werden heeft hebben had hadden
    zal zullen zou zouden kan kunnen moet moeten wil willen mag mogen ik u jij je wij we zij ze hij
    men mij ons hun niet nog ook al wel per zo tegen na sinds vanaf tijdens onder boven binnen
    buiten zonder via jl nl bijv etc waar waarvan waarin waarbij wat wie welke hier daar nu toen
    elk elke ieder iedere alle geen meer minder veel weinig""".split())
_MODIFIERS = frozenset("extra additioneel additionele andere nieuwe overige resterende totaal".split())
# A number right after one of these words is a reference, not an amount ("vraag 6", "nr. 781").
_LABELS = frozenset("""vraag vragen antwoord nr nrs nummer nummers no artikel artikelen art lid leden
    kamerstuk kamerstukken kst postbus kenmerk referentie issn isbn bijlage bijlagen hoofdstuk
    hoofdstukken paragraaf par pagina pagina's blz p pp punt motie amendement zaaknummer dossier
    dossiernummer resolutie richtlijn verordening tabel figuur grafiek fase stap aanhangsel voetnoot
    noot item agendapunt onderdeel tel telefoon fax""".split())
# A 4-digit year right after one of these words is a date ("in 2021", "tot en met 2024").
_YEAR_CONTEXT = frozenset("""in sinds sedert vanaf t/m eind einde begin medio halverwege anno jaar jaren
    begrotingsjaar kalenderjaar voorjaar najaar zomer winter periode januari februari maart april mei
    juni juli augustus september oktober november december""".split())
_WEEKDAYS = frozenset("maandag dinsdag woensdag donderdag vrijdag zaterdag zondag".split())

_MONTH = (r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
          r"|jan|feb|mrt|apr|jun|jul|aug|sept?|okt|nov|dec)\b\.?")
_YEAR = r"(?:1[89]|20)[0-9]{2}"
_SEP = r"\s*(?:,|en|of|&|t/m|tot\s+en\s+met|tot|-|–)\s*"
_REF = r"[0-9][0-9a-z]*(?:[ \u00a0][0-9]{3}(?![0-9]))?(?:[-/.][0-9a-z]+)*"
_REF_LIST = re.compile(rf"{_REF}(?:{_SEP}(?:nrs?\.?\s*)?{_REF})*")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{6,}[0-9]")
# Anchored at a figure: shapes that are never amounts.
_NOT_AMOUNT = re.compile("|".join([
    rf"[0-9]{{1,2}}(?:{_SEP}[0-9]{{1,2}})*\s+{_MONTH}(?:\s*{_YEAR}\b)?",  # 16 oktober, 14-16 mei
    rf"{_YEAR}\s*[-–/]\s*(?:{_YEAR}|[0-9]{{2}})(?![0-9])",                # 2021-2024, 2021/22
    r"[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})\b",            # 16-10-2023
    r"[0-9]{1,2}[.:][0-5][0-9]\s*u(?:ur)?\b",                            # 14.00 uur
    r"[0-9]{2}[ \u00a0]?[0-9]{3}(?:-[a-z]+)?\s*,?\s*nrs?\b",             # 29521 nr. 407
]))
_POSTCODE = re.compile(r"[1-9][0-9]{3}\s?[A-Z]{2}\b(?![-\w])")  # needs case: "2500 EA", not "2500 en"
_YEAR_RE = re.compile(_YEAR)
_TIME = re.compile(r"[0-9]{1,2}[.:][0-5][0-9]\b")
_FIG = re.compile(
    r"(?<![\w\[])"  # glued to letters ("kst-781", "Afghanistan.12") is checked in _blocked_until
    r"(?P<fig>[0-9]{1,3}(?:[. \u00a0\u202f][0-9]{3})+(?:,[0-9]+)?(?![0-9])"  # 12.500, 12 500
    r"|[0-9]+(?:,[0-9]+|\.[0-9]{1,2}(?![0-9]))?)"
    r"(?P<glue> ?%|mln\b\.?|mld\b\.?|mrd\b\.?)?(?!\w)(?![-‐][^\W\d_])")
_WORD = re.compile(rf"\b(?=[eédtvzanh])(?:(?P<half>(?:een\s+)?(?:half|halve))"
                   rf"|(?P<word>(?:{_MORPH}|anderhalf|anderhalve)+))\b")
_CURRENCY = re.compile(r"(?:€|\beur|\busd|\bus\$|\$|£) ?$")
_SCALE = re.compile(r"\s*(?:(duizend|miljoen|miljard|biljoen)\b|(dzd|mln|mld|mrd)\b\.?)")
_WORD_AT = re.compile(r"\s*(%|€|[^\W\d_]+(?:[-'’][^\W_]+)*)")
_MONTH_AFTER = re.compile(rf"\s+{_MONTH}")
_HEDGE = re.compile(r"\b(?:ca\.?|circa|ongeveer|ruim|bijna|meer\s+dan|minder\s+dan|tot(?:\s+wel)?|maximaal"
                    r"|minimaal|ten\s+minste|tenminste|zo['’]n|rond(?:\s+de)?|omstreeks|pakweg|naar\s+schatting"
                    r"|hooguit|krap|nagenoeg|om\s+en\s+nabij|tegen\s+de)\s*$")
_RANGE_GAP = re.compile(r"\s*(?:-|–|tot(?:\s+en\s+met)?|t/m|à|a|naar|en|of|,)\s*(?:ruim|bijna|circa|ca\."
                        r"|ongeveer|zo['’]n|maximaal|minimaal|meer\s+dan|minder\s+dan)?\s*")
# Last words of the hedges: a cheap test before the regex ("zo'n" ends in "n", "rond de" in "de").
_HEDGE_ENDS = tuple("ca ca. circa ongeveer ruim bijna dan tot wel maximaal minimaal minste tenminste n rond de "
                    "omstreeks pakweg schatting hooguit krap nagenoeg nabij".split())
_DOTTED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_CLAUSE_END = re.compile(r"[.;:!?]\s")
_PUNCT = "()[].:,;*_\"'“”‘’"
_STREETS = ("straat", "weg", "plein", "markt", "laan", "kade", "gracht", "singel", "dreef", "hof", "dijk")


def _below1000(w: str) -> int | None:
    hi, sep, lo = w.partition("honderd")
    if not sep:
        return _BELOW100.get(w)
    h = 1 if not hi else _BELOW100.get(hi) if hi in _ONES or hi in _TEENS else None  # not "twintighonderd"
    r = 0 if not lo else _BELOW100.get(lo)
    return None if h is None or r is None else 100 * h + r


@lru_cache(maxsize=4096)
def _word_value(word: str) -> float | None:
    """Value of a Dutch number word (up to 999 999), None when it is not one ("duizenden")."""
    w = word.translate(_FOLD)
    if w in ("anderhalf", "anderhalve"):
        return 1.5
    hi, sep, lo = w.partition("duizend")
    if not sep:
        v = _below1000(w)
        return None if v is None else float(v)
    h = 1 if not hi else _below1000(hi)
    r = 0 if not lo else _below1000(lo)
    return None if h is None or r is None else float(1000 * h + r)


@lru_cache(maxsize=65536)
def _modifier(lw: str) -> str:
    """'' for a noun-like word, 'adj' for a word that may modify or be the noun ("militair",
    "civiel", "overleden"), 'mod' for a word that only modifies (inflected adjective, participle)."""
    lem = lemma(lw)
    if lw in _MODIFIERS or "_" in lem or lw.endswith("nde") or (lw.endswith("e") and lem != lw):
        return "mod"  # extra, uitgezonden (uit_zenden), schoolgaande, Nederlandse
    if lem != lw and lem.endswith("en") and not lw.endswith("s"):
        return "adj"  # overleden, gevallen: a participle, or a noun simplemma reads as one
    if is_known(lw + "e") and lemma(lw + "e") == lw:
        return "adj"  # civiel(e): its -e form lemmatises to it
    if lw.startswith("ge") and lw[-1] in "dt" and len(lw) > 5:
        return "adj"  # gewond, gestart: a past participle in predicate position
    return ""


@lru_cache(maxsize=65536)
def _noun_lemma(lw: str) -> str:
    """Lemma of a noun; an unknown compound takes the lemma of its longest known tail
    ("evacuatievluchten" -> "evacuatievlucht"), so singular and plural compounds agree."""
    lem = lemma(lw)
    if lem == lw and not is_known(lw):
        for i in range(2, len(lw) - 3):
            if is_known(lw[i:]):
                return lw[:i] + lemma(lw[i:])
    return lem


def _plural(w: str) -> bool:
    """Looks like a plural: simplemma reduces it, or a plural ending on a known stem ("Europees" is not)."""
    return lemma(w) != w or w.endswith(("en", "'s", "’s")) or (w.endswith("s") and is_known(w[:-1]))


def _head(s: str, pos: int) -> tuple[str, str, int] | None:
    """(unit, word, end) of what the number ending at ``pos`` counts, looking up to 4 words on."""
    fallback = None
    for _ in range(4):
        m = _WORD_AT.match(s, pos)
        if not m:
            break
        w = m.group(1)
        if w in _UNITS:
            return _UNITS[w], w, m.end()
        if w in _STOP or w in _SCALES or _word_value(w) is not None:
            break
        kind = _modifier(w)
        if not kind:
            return _noun_lemma(w), w, m.end()
        if kind == "adj" and fallback is None:  # "één militair gewond": the first one is the noun
            lem = lemma(w)  # participle-like forms keep their surface: "leden" is no "lijden"
            fallback = (w if lem != w and lem.endswith("en") else lem, w, m.end())
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


def _blocked_until(s: str, text: str, p: int, fig: str) -> int:
    """End of the non-amount (date, year, reference, ...) starting at figure ``fig`` at ``p``; 0 if none."""
    if (m := _NOT_AMOUNT.match(s, p)) or (m := _POSTCODE.match(text, p)):
        return m.end()
    before = s[max(0, p - 30):p].split()
    if before and p and not s[p - 1].isspace() and any(c.isalpha() for c in before[-1]) \
            and not _CURRENCY.search(before[-1]):
        return p + len(s[p:].split(None, 1)[0])  # a code around it: "kst-27925-781", "nr.781"
    prev = before[-1].strip(_PUNCT) if before else ""
    if prev in _LABELS:
        ref = (_PHONE.match(s, p) if prev in ("tel", "telefoon", "fax") else None) or _REF_LIST.match(s, p)
        return ref.end() if ref else p + len(fig)
    if _YEAR_RE.fullmatch(fig) and (prev in _YEAR_CONTEXT or before[-3:] == ["tot", "en", "met"]):
        return p + len(fig)
    if (prev in _WEEKDAYS and len(fig) <= 2) or (prev == "om" and _TIME.match(s, p)):
        return p + len(fig)
    if prev.endswith(_STREETS) and text[s.rfind(prev, 0, p)].isupper():
        return p + len(fig)  # an address: "Turfmarkt 147"
    return 0


def counted_units(text: str) -> frozenset[str]:
    """The things a text counts (units of its quantities), spans of time left out."""
    return frozenset(q.unit for q in quantities(text) if q.unit and q.unit not in TIME_UNITS)


@lru_cache(maxsize=50_000)
def quantities(text: str) -> tuple[Quantity, ...]:
    # Matching runs on lower case without re.I (three times faster); offsets must stay those
    # of ``text``, so the rare characters whose lower case is longer are kept as they are.
    s = text.lower()
    if len(s) != len(text):
        s = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    cands = sorted([*_FIG.finditer(s), *_WORD.finditer(s)], key=re.Match.start)
    raw: list[_Found] = []
    blocked = 0
    for m in cands:
        p, fig, word, half = m.start(), m.group("fig") if m.re is _FIG else None, None, None
        if p < blocked:
            continue  # inside "nrs. 769, 770 en 771", "14-16 mei"
        if fig is not None:
            if (blocked := max(blocked, _blocked_until(s, text, p, fig))) > p:
                continue
            t = fig.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
            t = t.replace(".", "").replace(",", ".") if _DOTTED.fullmatch(t) else t.replace(",", ".")
            value: float | None = float(t)
        else:
            word, half = m.group("word"), m.group("half")
            value = 0.5 if half else None if _MONTH_AFTER.match(s, m.end()) else _word_value(word)
        if value is None:
            continue  # "duizenden", "zestien oktober"
        pos, factor, unit, own = m.end(), 1.0, "", False
        glue = (m.group("glue") or "").strip().rstrip(".") if fig else ""
        factor = _SCALES.get(glue, 1.0)
        while sm := _SCALE.match(s, pos):
            factor, pos = factor * _SCALES[sm.group(1) or sm.group(2)], sm.end()
        blocked = max(blocked, pos)  # "40 duizend tolken": "duizend" is this number's scale, not one of its own
        scaled = factor != 1.0
        end = pos
        cur = _CURRENCY.search(s, max(0, p - 4), p) if fig else None
        if glue == "%":
            unit, own = "procent", True
        elif cur:
            unit, own, p = _UNITS[cur.group().strip()], True, cur.start()
            if (u := _WORD_AT.match(s, pos)) and _UNITS.get(u.group(1)) == unit:
                end = u.end()  # "€ 5 miljoen euro"
        elif (h := _head(s, pos)) is not None:
            unit, surface, end = h
            own = True
            # More than one of a thing is a plural ("acht het" is the verb, "4 Agentschap" a
            # footnote); measures stay singular ("acht jaar"); "half" needs a measure.
            if not scaled and unit not in _MEASURES and (half or value > 1 and not _plural(surface)):
                unit, own, end = "", False, pos
        if word == "een" and not scaled:
            continue  # the article; "één" (or "een miljoen") is the number
        lead = s[max(0, p - 25):p]  # the regex only runs when the word before can end a hedge
        hedge = _HEDGE.search(s, max(0, p - 25), p) if lead.rstrip().endswith(_HEDGE_ENDS) else None
        # "tot" right after a number bounds a range ("van 44 tot 60"); elsewhere it hedges.
        approx = hedge is not None and not (hedge.group().startswith("tot") and bool(raw)
                                      and not s[raw[-1].end:hedge.start()].strip())
        ambiguous = bool(half or (word or "").translate(_FOLD) in ("een", "acht")) and not scaled
        # Years, long bare integers (kenmerken) and footnote lines ("3 Europees ...") are
        # amounts only with a unit of their own.
        needs_unit = bool(fig and not cur and not glue and (
            bool(_YEAR_RE.fullmatch(fig)) or (len(fig) >= 5 and fig.isdigit())
            or (not s[s.rfind("\n", 0, p) + 1:p].strip() and text[pos + 1:pos + 2].isupper())))
        raw.append(_Found(hedge.start() if hedge else p, p, pos, end, value, factor, unit, own, approx,
                          ambiguous, needs_unit))
    # Ranges share the unit and scale of their last member: "van 1 naar ruim 9 miljoen", "5 tot 10%".
    for a, b in zip(reversed(raw[:-1]), reversed(raw[1:])):
        gap = _RANGE_GAP.fullmatch(s, a.num_end, b.num_start)
        # A comma only joins list members ("zeventig, tachtig en negentig tolken"), not a new
        # amount ("9 miljoen, 40% van"); a scaled number keeps its own scale.
        if gap and not a.own and a.factor in (1.0, b.factor) and not ("," in gap.group() and b.own):
            a.factor = b.factor if a.factor == 1.0 else a.factor
            a.unit = b.unit
    out: list[Quantity] = []
    for q in raw:
        if not q.unit and (q.needs_unit or q.ambiguous):
            continue  # a year, the verb "acht", "één van", "half" without anything to halve
        unit = q.unit or _aantal_unit(s, q.num_start)
        out.append(Quantity(round(q.value * q.factor, 6), unit, text[q.start:q.end], q.approx))
    return tuple(out)


def _aantal_unit(s: str, pos: int) -> str:
    """The counted noun of "het aantal X ... <number>" earlier in the same clause, else ""."""
    window = s[max(0, pos - 120):pos]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    i = window.rfind("aantal ", cut)
    h = _head(window, i + len("aantal")) if i >= 0 else None
    return h[0] if h else ""


def _by_unit(qs: tuple[Quantity, ...]) -> dict[str, list[Quantity]]:
    groups: dict[str, list[Quantity]] = {}
    for q in qs:
        if q.unit:  # "" is not a thing; two unit-less numbers need not measure the same
            groups.setdefault(q.unit, []).append(q)
    return groups


def changed_quantities(old: str, new: str) -> tuple[QuantityChange, ...]:
    """Units whose values differ between the two texts, only for units present on BOTH sides
    (a quantity of the same thing that changed). Values compared after normalisation, so
    'tachtig militairen' == '80 militairen'. Empty when nothing of the same thing changed."""
    a, b = _by_unit(quantities(old)), _by_unit(quantities(new))
    return tuple(QuantityChange(u, tuple(a[u]), tuple(b[u])) for u in a
                 if u in b and {q.value for q in a[u]} != {q.value for q in b[u]})
