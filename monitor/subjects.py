"""The subjects a deployment follows, and what its letters say about subjects it does not follow.

Never silent: a letter (mostly) about no followed subject is counted per statement when it is analysed
(``letter.outside``), logged, and listed on the desk and in ``/healthz`` with the one line of configuration
that would follow it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .model import HEADING, PROCEDURAL, Statement
from .scope import ScopeVerdict
from .store import browse

def outside_summary(statements: list[Statement], verdicts: list[ScopeVerdict],
                    maps: list[dict[str, bool]]) -> dict[str, Any]:
    """How much of a letter no followed subject covers: running-text statements, how many are outside every
    subject, and the countries those name (most named first)."""
    running = [i for i, st in enumerate(statements) if st.kind not in (PROCEDURAL, HEADING)]
    outside = [i for i in running if not any(maps[i].values())]
    about: Counter[str] = Counter()
    for i in outside:
        about.update(verdicts[i].other_subjects)
    return {"statements": len(running), "outside": len(outside), "about": dict(about.most_common())}


MOSTLY_OUTSIDE = 0.8  # a letter this much about no followed subject is listed (desk, /healthz), not just logged


def mostly_outside(summary: dict[str, Any] | None) -> bool:
    if not summary or not summary.get("statements"):
        return False
    return bool(summary["outside"] >= MOSTLY_OUTSIDE * summary["statements"])


# The country a letter mostly outside every subject is "about": named in at least this share of those statements
# (and in two): a council report that names Luxemburg, where the council met, once is about no one country.
MAIN_SHARE = 0.2


def main_other(summary: dict[str, Any]) -> str:
    """The country a letter outside every followed subject is about ("" when no one country stands out)."""
    about = summary.get("about") or {}
    name, n = next(iter(about.items()), ("", 0))
    return name if n >= 2 and n >= MAIN_SHARE * summary.get("outside", 0) else ""


def shown(name: str, nl: bool = False) -> str:
    """How a letter's main country is written in a report ("" is no one country)."""
    return name or ("geen enkel land" if nl else "no single country")


def follow_line(name: str) -> str:
    """The configuration that follows ``name`` (one line)."""
    return f'[[subjects]] name = "{name}"'


def outside_report(collected: list[tuple[str, dict[str, Any]]]) -> str:
    """One line for ingest/analyse: statements outside every subject, and the letters mostly about others."""
    total = sum(s["statements"] for _, s in collected)
    out = sum(s["outside"] for _, s in collected)
    if not out:
        return ""
    mostly = Counter(main_other(s) for _, s in collected if mostly_outside(s))
    line = f"outside every followed subject: {out} of {total} statements in {len(collected)} letters"
    if mostly:
        named = ", ".join(f"{shown(name)} ({n})" for name, n in mostly.most_common())
        first = next((name for name, _ in mostly.most_common() if name), "")
        n = sum(mostly.values())
        line += (f"; {n} letter{'s' if n != 1 else ''} about subjects you do not follow: {named}"
                 + (f" (to follow one: {follow_line(first)})" if first else ""))
    return line




@dataclass(frozen=True)
class Unfollowed:
    """The letters of the last ``days`` mostly about subjects not followed, and which subjects those are."""

    letters: list[browse.Unfollowed]
    about: list[tuple[str, int]]  # country → letters, most first
    days: int

    def __bool__(self) -> bool:
        return bool(self.letters)

    def counts(self, nl: bool = False) -> str:
        return ", ".join(f"{shown(name, nl)} ({n})" for name, n in self.about)

    @property
    def message(self) -> str:
        """English, for logs, the CLI and /healthz."""
        n = len(self.letters)
        return (f"{n} letter{'s' if n != 1 else ''} of the last {self.days} days "
                f"{'were' if n != 1 else 'was'} about subjects you do not follow: {self.counts()}")

    @property
    def bericht(self) -> str:
        """Dutch, for the desk."""
        n = len(self.letters)
        return (f"{n} brie{'ven' if n != 1 else 'f'} van de afgelopen {self.days} dagen "
                f"ging{'en' if n != 1 else ''} over onderwerpen die u niet volgt: {self.counts(nl=True)}")

    @property
    def config_lines(self) -> list[str]:
        return [follow_line(name) for name, _ in self.about if name]


def unfollowed(session: Session, now: dt.datetime, days: int = 7) -> Unfollowed:
    """The letters that arrived in the last ``days`` and are mostly (≥ 80 %) about no followed subject."""
    letters = browse.letters_outside(session, now - dt.timedelta(days=days), MOSTLY_OUTSIDE)
    about = Counter(main_other({"about": u.about, "outside": u.outside}) for u in letters)
    return Unfollowed(letters, about.most_common(), days)

