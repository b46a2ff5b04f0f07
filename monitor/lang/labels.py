"""Explanation labels of a language (``labels.toml``): the words a reader sees in reasons and evidence."""
from __future__ import annotations

from dataclasses import dataclass, field

from .read import Table

# Each section's keys, with the placeholders each label must take ({names}, …).
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "significance": {k: () for k in ("government", "lead", "elaboration", "example", "hedged", "context_topic",
                                     "restates", "quantified", "realised", "same_point", "numbers", "commitment",
                                     "same_series", "other_letter", "repeated")},
    "scope": {"names": ("names",), "paragraph_names": ("names",), "paragraph_about": ("names",),
              "previous_names": ("names",), "previous_about": ("names",), "heading": ("heading",),
              "question": ("numbers",), "heading_names": ("heading", "names"), "heading_about": ("heading", "names"),
              "title_names": ("names",), "title_about": ("names",)},
    "topics": {"answer": ("numbers",)},
    "diff": {"old": (), "new": ()},
}


@dataclass(frozen=True, eq=False)
class Labels:
    """Label key → text, per section; a label a language leaves out reads as its key."""

    significance: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    diff: dict[str, str] = field(default_factory=dict)


def read_labels(top: Table) -> Labels:
    sections: dict[str, dict[str, str]] = {}
    for section, keys in SECTIONS.items():
        table = top.table(section)
        labels = {}
        for key, placeholders in keys.items():
            default = key if not placeholders else key + ": " + ", ".join("{" + p + "}" for p in placeholders)
            text = table.string(key, default)
            try:
                text.format(**{p: "" for p in placeholders})
            except (KeyError, IndexError, ValueError) as exc:
                raise table.error(key, f"takes only {', '.join('{' + p + '}' for p in placeholders) or 'no'} "
                                       f"placeholders ({exc})") from None
            labels[key] = text
        table.done()
        sections[section] = labels
    return Labels(**sections)
