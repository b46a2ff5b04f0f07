"""Explanation labels of a language (``labels.toml``): the reasons a reader sees with a change."""
from __future__ import annotations

from .read import Table

SIGNIFICANCE = ("government", "lead", "elaboration", "example", "hedged", "context_topic", "restates", "quantified",
                "realised", "same_point", "numbers", "commitment")


def read_labels(top: Table) -> dict[str, str]:
    """Label key → text; a label a language leaves out reads as its key."""
    table = top.table("significance")
    labels = {key: table.string(key, key) for key in SIGNIFICANCE}
    table.done()
    return labels
