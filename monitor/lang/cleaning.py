"""Page furniture, letter formalities and labels of a language (``cleaning.toml``)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .read import NEVER, Table


@dataclass(frozen=True, eq=False)
class CleaningRules:
    """What :mod:`monitor.clean` removes or marks; each pattern may match nothing (a language without it)."""

    furniture: tuple[re.Pattern[str], ...] = ()
    footer_ref: re.Pattern[str] = NEVER
    kst_id: re.Pattern[str] = NEVER
    labels: re.Pattern[str] = NEVER
    address_line: re.Pattern[str] = NEVER
    addressee: re.Pattern[str] = NEVER
    salutation: re.Pattern[str] = NEVER
    closing: re.Pattern[str] = NEVER
    dateline: re.Pattern[str] = NEVER
    subject: re.Pattern[str] = NEVER
    role: re.Pattern[str] = NEVER
    name_line: re.Pattern[str] = NEVER
    header_title: re.Pattern[str] = NEVER
    number_prefix: re.Pattern[str] = NEVER
    footer_starts: tuple[str, ...] = ()
    label_keys: dict[str, str] = field(default_factory=dict)
    wrapped_line_end: frozenset[str] = frozenset()  # from stopwords.toml


_PATTERNS = ("footer_ref", "kst_id", "labels", "address_line", "addressee", "salutation", "closing", "dateline",
             "subject", "role", "name_line", "header_title", "number_prefix")
# Groups the code reads: a pattern without them would fail on the first letter, so it fails on load.
_GROUPS = {"footer_ref": 2, "kst_id": 3, "labels": 2, "subject": 1}


def read_cleaning(top: Table, wrapped_line_end: frozenset[str]) -> CleaningRules:
    furniture = []
    for t in top.tables("furniture"):
        furniture.append(t.pattern("pattern"))
        t.done()
    pt, words = top.table("patterns"), top.table("words")
    patterns = {name: pt.pattern(name) for name in _PATTERNS}
    for name, groups in _GROUPS.items():
        if patterns[name] is not NEVER and patterns[name].groups < groups:
            raise pt.error(name, f"needs {groups} group(s), has {patterns[name].groups}")
    out = CleaningRules(tuple(furniture), **patterns, footer_starts=words.words("footer_starts"),
                        label_keys=top.mapping("label_keys"), wrapped_line_end=wrapped_line_end)
    pt.done()
    words.done()
    return out
