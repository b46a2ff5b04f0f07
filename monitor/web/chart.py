"""The timeline chart of a topic as SVG coordinates: one bar per letter, its height the letter's changes.

Pure: the template draws it (inline SVG, no script, no external asset); each
bar is a link to the position as of that letter, so the chart can be walked
with a mouse, a finger or the Tab key. With more than :data:`MAX_BARS`
letters a bar stands for a month (else a quarter, else a year) and links to
the position after its last letter: a thousand 8-pixel bars in 600 pixels
would overlap, and a thousand links are a thousand stops for the Tab key.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..store.browse import TimelinePoint

WIDTH, HEIGHT, PAD, AXIS = 640, 160, 24, 20
MAX_BARS = 80
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    date: dt.date
    title: str
    href: str
    current: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (x, year)
    baseline: float
    per: str = "brief"  # what one bar stands for, for the legend: a letter, or a "maand", "kwartaal", "jaar"


def _buckets(points: list[TimelinePoint]) -> tuple[str, list[tuple[str, list[TimelinePoint]]]]:
    """What a bar stands for, and the points grouped per bar: one a letter if they fit, else per month,
    quarter or year (named in Dutch)."""
    if len(points) <= MAX_BARS:
        return "brief", [("", [p]) for p in points]
    keys = (("maand", lambda d: f"{MONTHS[d.month - 1]} {d.year}"),
            ("kwartaal", lambda d: f"{(d.month - 1) // 3 + 1}e kwartaal {d.year}"),
            ("jaar", lambda d: str(d.year)))
    for per, key in keys:
        groups: dict[str, list[TimelinePoint]] = {}
        for p in points:
            groups.setdefault(key(p.date), []).append(p)
        if len(groups) <= MAX_BARS or per == keys[-1][0]:
            return per, list(groups.items())
    raise AssertionError("unreachable")


def layout(points: list[TimelinePoint], href: str, as_of: dt.date | None, query: str = "") -> Chart | None:
    """Bars on a time axis; ``href`` gets ``?as_of=DATE`` and ``query`` ("&onderwerp=…": the page's other
    parameters, so a bar keeps the subject shown); the bar of the letter in force on ``as_of`` is current."""
    if not points:
        return None
    first, last = points[0].date, points[-1].date
    span = max((last - first).days, 1)
    base = HEIGHT - AXIS
    current = max((p for p in points if as_of is not None and p.date <= as_of), key=lambda p: p.date, default=None)
    per, groups = _buckets(points)
    top = max(sum(p.total for p in group) for _, group in groups)
    bars = []
    for name, group in groups:
        p = group[-1]  # the bar stands where its last letter is, and shows the position after it
        total = sum(q.total for q in group)
        x = PAD + (WIDTH - 2 * PAD) * ((p.date - first).days / span if len(points) > 1 else 0.5)
        h = max(4.0, (base - PAD) * total / top)
        # the same words as the table beside it (templates/_macros.html ``counted``)
        published, kept = sum(q.published for q in group), sum(q.count.kept for q in group)
        changes = f"{published} wijziging{'en' if published != 1 else ''}" + (f" en {kept} kleinere" if kept else "")
        title = (f"{p.date.isoformat()}: {p.letter.title} — {changes}" if not name else
                 f"{name}: {len(group)} brie{'ven' if len(group) != 1 else 'f'}, {changes}")
        bars.append(Bar(round(x, 1), round(base - h, 1), round(h, 1), p.date, title,
                        f"{href}?as_of={p.date.isoformat()}{query}#standpunt", any(q is current for q in group)))
    ticks = []
    for year in range(first.year + (first.month > 1 or first.day > 1), last.year + 1):
        d = dt.date(year, 1, 1)
        ticks.append((round(PAD + (WIDTH - 2 * PAD) * (d - first).days / span, 1), str(year)))
    if not ticks:
        ticks = [(PAD, str(first.year))]
    return Chart(WIDTH, HEIGHT, bars, ticks, base, per)
