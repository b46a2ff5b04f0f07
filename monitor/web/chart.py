"""The timeline chart of a topic as SVG coordinates: one bar per letter, its height the letter's changes.

Pure: the template draws it (inline SVG, no script, no external asset); each
bar is a link to the position as of that letter, so the chart can be walked
with a mouse, a finger or the Tab key.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..store.browse import TimelinePoint

WIDTH, HEIGHT, PAD, AXIS = 640, 160, 24, 20


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


def layout(points: list[TimelinePoint], href: str, as_of: dt.date | None) -> Chart | None:
    """Bars on a time axis; ``href`` gets ``?as_of=DATE``; the bar of the letter in force on ``as_of`` is current."""
    if not points:
        return None
    first, last = points[0].date, points[-1].date
    span = max((last - first).days, 1)
    top = max(p.total for p in points)
    base = HEIGHT - AXIS
    current = max((p for p in points if as_of is not None and p.date <= as_of), key=lambda p: p.date, default=None)
    bars = []
    for p in points:
        x = PAD + (WIDTH - 2 * PAD) * ((p.date - first).days / span if len(points) > 1 else 0.5)
        h = max(4.0, (base - PAD) * p.total / top)
        title = f"{p.date.isoformat()}: {p.letter.title} — {p.total} wijziging{'en' if p.total != 1 else ''}"
        bars.append(Bar(round(x, 1), round(base - h, 1), round(h, 1), p.date, title,
                        f"{href}?as_of={p.date.isoformat()}#standpunt", p is current))
    ticks = []
    for year in range(first.year + (first.month > 1 or first.day > 1), last.year + 1):
        d = dt.date(year, 1, 1)
        ticks.append((round(PAD + (WIDTH - 2 * PAD) * (d - first).days / span, 1), str(year)))
    if not ticks:
        ticks = [(PAD, str(first.year))]
    return Chart(WIDTH, HEIGHT, bars, ticks, base)
